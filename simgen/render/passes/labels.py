"""The label pass: every body drawn flat in a colour that encodes its instance id, one sample
per pixel, so each pixel belongs to exactly one body; its depth buffer gives metric z-depth at
pixel centres, consistent with the id map (read-back in :mod:`simgen.render.framebuffers`)."""

from __future__ import annotations

import numpy as np

from simgen.core.spec import CameraSpec
from simgen.render.framebuffers import LABELS
from simgen.render.passes.base import RenderPass, register_pass


@register_pass
class IdsAndDepth(RenderPass):
    """``ids``: (H, W) int32 instance id, 0 = background (scenery has ids of its own);
    ``depth``: (H, W) float32 metres of z along the optical axis, 0 = nothing."""

    provides, order = ("ids", "depth"), 1

    def draw(self, cam: CameraSpec, request=None) -> dict[str, np.ndarray]:
        ids, depth = self.renderer.full_pass(LABELS, self.renderer.seg_all)
        return {"ids": np.ascontiguousarray(ids), "depth": np.ascontiguousarray(depth)}
