"""Optical flow: KITTI's flow PNG, uint16 x 3 (RGB = u, v, valid), du = (value - 32768) / 64 px,
to the next frame of the sequence; absent on a sequence's last frame. Computed exactly from the
scene's rigid motions (:mod:`simgen.annotate.flow`) once the scene's every view is drawn."""

from __future__ import annotations

import numpy as np

from simgen.annotate.flow import decode_flow, encode_flow, rigid_flow, warp_ids
from simgen.annotate.labels import FrameLabels
from simgen.core import layout
from simgen.core.errors import require
from simgen.layers.base import Layer, LayerCheck, ViewData, register_layer


@register_layer
class Flow(Layer):
    name, field = layout.FLOW, "flow_file"
    across_frames = True

    def check_config(self, cfg) -> None:
        require(cfg.sequence.length > 1, "export.layers", list(cfg.export.layers),
                "flow needs sequences: set sequence.length > 1 (a scene kind with motion, e.g. scene=driving)")

    def compute_scene(self, views: list[ViewData]) -> None:
        """Each view's flow (H, W, 2) float32 px and validity (H, W) bool to the same camera's
        view of the next frame; views without a next frame get none."""
        by_key = {(v.labels.frame_index, v.labels.camera_index): v for v in views}
        for v in views:
            nxt = by_key.get((v.labels.frame_index + 1, v.labels.camera_index))
            if nxt is not None:
                a, b = v.labels, nxt.labels
                a.maps[self.name] = rigid_flow(a.depth, v.arrays["ids"], a.camera, v.poses,
                                               b.depth, nxt.arrays["ids"], b.camera, nxt.poses)

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
        data = labels.maps.get(self.name)
        return None if data is None else encode_flow(*data, compression)

    def encoding(self, depth_scale: float) -> dict:
        return {"format": "uint16 png, 3 channels (R, G, B = u, v, valid); KITTI flow encoding", "dtype": "uint16",
                "scale": 1 / 64, "offset": -512.0, "unit": "pixel",
                "value": "displacement to the same point in the next frame = value * scale + offset; valid = B > 0",
                "invalid": "B = 0: occluded or outside the image at t+1, or no surface"}

    def validate(self, encoded: np.ndarray, check: LayerCheck) -> list[str]:
        """Valid vectors land inside the image, on the same object in the next frame's map."""
        after = check.next_instances() if check.instances is not None else None
        if after is None:
            return []
        flow, valid = decode_flow(encoded)
        warped, inside = warp_ids(after, flow)
        problems = []
        if (valid & ~inside).any():
            problems.append(f"{int((valid & ~inside).sum())} valid flow vectors leave the image")
        wrong = valid & inside & (warped != check.instances)
        if wrong.any():
            problems.append(f"{int(wrong.sum())} valid flow vectors land on another object in the next frame")
        return problems
