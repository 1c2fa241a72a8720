"""Per-pixel layers: each named once with its folder, COCO field, encoding and encoder.

A layer's file is ``layers/<name>/<stem>.png`` (:func:`simgen.export.layout.map_path`); every
COCO image record names it under the layer's ``field`` and the COCO ``info["layers"]`` block
records its encoding, so any reader decodes it without simgen:

- depth: uint16, z = value x depth_scale metres (0 = no surface);
- object_ids: uint16 object id (the annotations' ``object_id``), 0 = background and scenery;
- semantic: uint16 category id, 0 = background and scenery;
- normals: uint16 x 3 (RGB = x, y, z), n = value / 65535 x 2 - 1, camera frame (OpenCV axes),
  unit length, facing the camera; 0, 0, 0 = no surface (:mod:`simgen.annotate.normals`);
- flow: KITTI's flow PNG, uint16 x 3 (RGB = u, v, valid), du = (value - 32768) / 64 px, to the
  next frame of the sequence (:mod:`simgen.annotate.flow`); absent on a sequence's last frame.

Writers never re-encode a layer: the bytes are made once here, in the pipeline's encode stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simgen.annotate.labels import FrameLabels
from simgen.errors import require
from simgen.export import layout
from simgen.export.images import depth_to_uint16, encode_uint16
from simgen.registry import Registry


@dataclass(frozen=True)
class Layer:
    """``encode(labels, depth_scale, png_compression)`` -> PNG bytes, or None when the frame has
    none (flow on a sequence's last frame); ``encoding(depth_scale)`` -> the info record."""

    name: str
    field: str
    encode: Callable[[FrameLabels, float, int], bytes | None]
    encoding: Callable[[float], dict]
    check: Callable[[Any], None] | None = None  # refuses a job (SimgenConfig) it cannot be made for

    def path(self, image_index: int) -> str:
        return layout.map_path(self.name, image_index)

    def check_config(self, cfg: Any) -> None:
        if self.check is not None:
            self.check(cfg)


LAYERS: Registry[Layer] = Registry("layer", "export.layers")


def add(layer: Layer) -> Layer:
    """Register ``layer`` under its name."""
    return LAYERS.register(layer.name)(layer)


def _depth(labels: FrameLabels, depth_scale: float, compression: int) -> bytes:
    return encode_uint16(depth_to_uint16(labels.depth, depth_scale), compression)


def _ids(attribute: str):
    def encode(labels: FrameLabels, depth_scale: float, compression: int) -> bytes:
        return encode_uint16(getattr(labels, attribute), compression)
    return encode


def _normals(labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
    from simgen.annotate.normals import encode_normals

    return None if labels.normals is None else encode_normals(labels.normals, compression)


def _flow(labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
    from simgen.annotate.flow import encode_flow

    return None if labels.flow is None else encode_flow(labels.flow, labels.flow_valid, compression)


def _ids_encoding(meaning: str) -> Callable[[float], dict]:
    return lambda scale: {"format": "uint16 png", "dtype": "uint16", "scale": 1, "offset": 0, "value": meaning, "invalid": 0}


def _needs_sequences(cfg: Any) -> None:
    require(cfg.sequence.length > 1, "export.layers", list(cfg.export.layers),
            "flow needs sequences: set sequence.length > 1 (a scene kind with motion, e.g. scene=driving)")


add(Layer(layout.DEPTH, "depth_file", _depth, lambda scale: {
        "format": "uint16 png", "dtype": "uint16", "scale": scale, "offset": 0, "unit": "metre",
        "value": "z-depth along the optical axis = value * scale", "invalid": 0}))
add(Layer(layout.INSTANCES, "instance_file", _ids("instance_map"),
          _ids_encoding("object_id of the annotations; 0 background and scenery")))
add(Layer(layout.SEMANTIC, "semantic_file", _ids("semantic_map"),
          _ids_encoding("category_id; 0 background and scenery")))
add(Layer(layout.NORMALS, "normals_file", _normals, lambda scale: {
        "format": "uint16 png, 3 channels (R, G, B = x, y, z)", "dtype": "uint16", "scale": 2 / 65535, "offset": -1.0,
        "unit": "unit vector", "frame": "camera, OpenCV axes (x right, y down, z forward), facing the camera",
        "value": "n = value * scale + offset", "invalid": [0, 0, 0]}))
add(Layer(layout.FLOW, "flow_file", _flow, lambda scale: {
        "format": "uint16 png, 3 channels (R, G, B = u, v, valid); KITTI flow encoding", "dtype": "uint16",
        "scale": 1 / 64, "offset": -512.0, "unit": "pixel",
        "value": "displacement to the same point in the next frame = value * scale + offset; valid = B > 0",
        "invalid": "B = 0: occluded or outside the image at t+1, or no surface"}, _needs_sequences))


def chosen(names) -> list[Layer]:
    return [LAYERS.get(n) for n in names]


def info_block(names, depth_scale: float) -> dict:
    """The COCO ``info["layers"]`` record: folder, field and encoding of each written layer."""
    return {n: {"folder": f"{layout.LAYERS}/{n}", "field": LAYERS.get(n).field, **LAYERS.get(n).encoding(depth_scale)} for n in names}

