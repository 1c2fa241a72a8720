"""The layers annotate already computes for the labels: depth, object ids, semantic classes.

- depth: uint16, z = value x depth_scale metres (0 = no surface);
- object_ids: uint16 object id (the annotations' ``object_id``), 0 = background and scenery;
- semantic: uint16 category id, 0 = background and scenery.
Their validator rules are the annotation rules (``depth-in-box``, ``instance-map``,
``semantic-map`` in :mod:`simgen.tools.validate`), which read them with every annotation.
"""

from __future__ import annotations

from simgen.annotate.labels import FrameLabels
from simgen.core import layout
from simgen.core.images import depth_to_uint16, encode_uint16
from simgen.layers.base import Layer, register_layer


@register_layer
class Depth(Layer):
    name, field = layout.DEPTH, "depth_file"

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes:
        return encode_uint16(depth_to_uint16(labels.depth, depth_scale), compression)

    def encoding(self, depth_scale: float) -> dict:
        return {"format": "uint16 png", "dtype": "uint16", "scale": depth_scale, "offset": 0, "unit": "metre",
                "value": "z-depth along the optical axis = value * scale", "invalid": 0}


class _IdMap(Layer):
    """A uint16 map of ids held by the labels in ``attribute``."""

    attribute, meaning = "", ""

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes:
        return encode_uint16(getattr(labels, self.attribute), compression)

    def encoding(self, depth_scale: float) -> dict:
        return {"format": "uint16 png", "dtype": "uint16", "scale": 1, "offset": 0, "value": self.meaning, "invalid": 0}


@register_layer
class ObjectIds(_IdMap):
    name, field = layout.INSTANCES, "instance_file"
    attribute, meaning = "instance_map", "object_id of the annotations; 0 background and scenery"


@register_layer
class Semantic(_IdMap):
    name, field = layout.SEMANTIC, "semantic_file"
    attribute, meaning = "semantic_map", "category_id; 0 background and scenery"
