"""The encode stage: one labeled view -> its files' bytes and its index (COCO) records.

Each file is encoded once: :class:`ViewBytes` memoizes the RGB image per image format and every
per-pixel layer, and writers ask it for the bytes they need (KITTI's PNG image, BOP's depth).
A writer's file whose bytes are the very object already written under another path becomes a
hard link to it (``EncodedFrame.links``), so a dataset holds one copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simgen.annotate.labels import FrameLabels
from simgen.core import layout
from simgen.core.errors import SimgenError
from simgen.core.images import encode_rgb
from simgen.export.lidar import points_npy
from simgen.layers.base import LAYERS


@dataclass
class EncodedFrame:
    """One view ready to write: file bytes by dataset-relative path, its index (COCO) records, and
    ``links``: dataset-relative path -> the path of one of ``files`` it shares bytes with."""

    image_index: int
    files: dict[str, bytes]
    image: dict
    annotations: list[dict]
    links: dict[str, str] = field(default_factory=dict)


class ViewBytes:
    """Encodings of one view, each made at most once: ``rgb(image_format)`` and ``layer(name)``
    (None where the view has none, such as flow on a sequence's last frame). ``layer_files``:
    each written layer's field (``depth_file``...) -> its dataset-relative path, for the records."""

    def __init__(self, labels: FrameLabels, rgb: np.ndarray, export: Any, depth_scale: float) -> None:
        self.labels, self._rgb, self.export, self.depth_scale = labels, rgb, export, depth_scale
        self._images: dict[str, bytes] = {}
        self._layers: dict[str, bytes | None] = {}
        self.layer_files: dict[str, str] = {}

    def rgb(self, image_format: str | None = None) -> bytes:
        """The RGB image as ``image_format`` (png or jpg; default the dataset's)."""
        fmt = image_format or self.export.image_format
        if fmt not in self._images:
            self._images[fmt] = encode_rgb(self._rgb, fmt, self.export.png_compression, self.export.jpeg_quality)
        return self._images[fmt]

    def layer(self, name: str) -> bytes | None:
        if name not in self._layers:
            self._layers[name] = LAYERS.get(name).encode(self.labels, self.depth_scale, self.export.png_compression)
        return self._layers[name]


def encode_view(labels: FrameLabels, rgb: np.ndarray, export: Any, depth_scale: float, writers: list) -> EncodedFrame:
    """Files and index records of one labeled view: its image, chosen layers, its LiDAR points
    (with a LiDAR), every writer's files, and the records of the index format (the one writer
    that gives them)."""
    view = ViewBytes(labels, rgb, export, depth_scale)
    i = labels.image_index
    files = {layout.image_path(labels.split, i, export.image_format): view.rgb()}
    for name in export.layers:
        data = view.layer(name)
        if data is not None:
            layer = LAYERS.get(name)
            files[layer.path(i)] = data
            view.layer_files[layer.field] = layer.path(i)
    if labels.lidar is not None:  # the LiDAR turn, for every format (KITTI adds its own files)
        files[layout.lidar_path(i)] = points_npy(labels.lidar)
    written = {id(data): path for path, data in files.items()}
    links = {}
    records = []
    for writer in writers:
        for path, data in writer.frame_files(labels, view).items():
            if id(data) in written:  # the same bytes as a file already written: a link, not a copy
                links[path] = written[id(data)]
            else:
                files[path] = data
        found = writer.frame_records(labels, view)
        if found is not None:
            records.append(found)
    if len(records) != 1:
        raise SimgenError(f"formats {', '.join(w.name for w in writers)}: {len(records)} give index records; "
                          "one must (the index format, coco)")
    return EncodedFrame(image_index=i, files=files, image=records[0].image, annotations=records[0].annotations, links=links)
