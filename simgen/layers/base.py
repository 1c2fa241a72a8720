"""What a per-pixel layer declares, and the registry of layers (``export.layers``).

A layer's file is ``layers/<name>/<stem>.png`` (:func:`simgen.core.layout.map_path`); every
COCO image record names it under the layer's ``field`` and the COCO ``info["layers"]`` block
records its ``encoding``, so any reader decodes it without simgen. The pipeline computes the
chosen layers of each view (:meth:`Layer.compute`, or :meth:`Layer.compute_scene` for layers
that need the sequence's next frame), the encode stage encodes each once, and the validator
applies each layer's :meth:`Layer.validate` rule to the files it reads back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.core import layout
from simgen.core.spec import CameraSpec
from simgen.registry import Registry


@dataclass
class ViewData:
    """What a layer may compute from, for one view: its labels, its camera, the world poses
    (4, 4) of every body by id at its frame, and its arrays by name: the render passes the
    pipeline drew (``color`` (H, W, 3) uint8 as the image stage left it, ``ids`` (H, W) int32 of
    every body, scenery included, ``depth`` (H, W) float32 metres, and every pass a chosen layer
    declares) and the image stage's products (``depth_sensor`` (H, W) float32 metres)."""

    labels: FrameLabels
    camera: CameraSpec
    poses: dict[int, np.ndarray]
    arrays: dict[str, np.ndarray]


@dataclass
class LayerCheck:
    """What a layer's validator rule may read besides its own file: the view's depth (H, W)
    metres (None when not written), intrinsics ``K`` (3, 3), object-id map (H, W) and a loader
    of the next frame's object-id map of the same camera (None at a sequence's end)."""

    depth: np.ndarray | None
    K: np.ndarray | None
    instances: np.ndarray | None
    next_instances: Callable[[], np.ndarray | None]


class Layer:
    """One per-pixel layer. ``name``: its folder under ``layers/`` and its ``export.layers``
    name; ``field``: the COCO image record's key naming its file; ``passes``: the render passes
    (:mod:`simgen.render.passes`) it computes from, drawn for it in every view;
    ``across_frames``: computed once every view of the scene is drawn (:meth:`compute_scene`),
    not view by view."""

    name: str = ""
    field: str = ""
    passes: tuple[str, ...] = ()
    across_frames: bool = False

    def check_config(self, cfg: Any) -> None:
        """Raise ConfigError if the job (SimgenConfig) cannot have this layer."""

    def compute(self, view: ViewData) -> Any:
        """This view's data, kept in ``labels.maps[name]``; None: the labels already hold it."""
        return None

    def compute_scene(self, views: list[ViewData]) -> None:
        """For ``across_frames`` layers: set ``labels.maps[name]`` of every view of a scene."""

    def encode(self, labels: FrameLabels, depth_scale: float, compression: int) -> bytes | None:
        """PNG bytes of this view's layer; None when the view has none."""
        raise NotImplementedError

    def encoding(self, depth_scale: float) -> dict:
        """The ``info["layers"]`` record: format, dtype, scale, offset, meaning, invalid value."""
        raise NotImplementedError

    def validate(self, encoded: np.ndarray, check: LayerCheck) -> list[str]:
        """Problems of this view's file as read back (uint16, OpenCV channel order)."""
        return []

    def path(self, image_index: int) -> str:
        return layout.map_path(self.name, image_index)


LAYERS: Registry[Layer] = Registry("layer", "export.layers")


def register_layer(cls: type[Layer]) -> type[Layer]:
    """Class decorator: register an instance of ``cls`` under ``cls.name``."""
    LAYERS.register(cls.name)(cls())
    return cls


def chosen(names) -> list[Layer]:
    return [LAYERS.get(n) for n in names]


def passes_of(layers: list[Layer]) -> set[str]:
    """The render passes ``layers`` compute from."""
    return {p for layer in layers for p in layer.passes}


def info_block(names, depth_scale: float) -> dict:
    """The COCO ``info["layers"]`` record: folder, field and encoding of each written layer."""
    return {n: {"folder": f"{layout.LAYERS}/{n}", "field": LAYERS.get(n).field, **LAYERS.get(n).encoding(depth_scale)}
            for n in names}
