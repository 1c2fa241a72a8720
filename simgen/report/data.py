"""A labeled set as flat tables: one row per instance, one per image, as numpy columns.

Reads simgen datasets (``annotations/instances.json`` and/or ``annotations/instances_<split>.json``,
each file one split; a lone ``instances.json`` is the split ``all``), any COCO instances file,
and KITTI ``label_2`` folders. Masks are never decoded here. COCO files are read a record at a
time into the columns (a few numbers per instance), never held whole.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

import ijson
import numpy as np

from simgen.core import jsonstream
from simgen.core.errors import SimgenError

# Per-annotation object id: simgen has called it instance_id; other names are accepted too.
OBJECT_ID_KEYS = ("instance_id", "object_id", "track_id")
KITTI_SIZE = (1242, 375)  # image size assumed for KITTI labels without images (pixels)


@dataclass
class LabelTable:
    """Instances and images of a labeled set.

    Instance columns (n,): ``image`` (row in the image columns), ``category`` (index into
    ``categories``), ``x, y, w, h`` (visible box, pixels), ``ax, ay, aw, ah`` (amodal box
    clipped to the image where known, else the visible box), ``visibility``, ``truncation``
    (nan where unknown), ``occlusion`` (KITTI level 0-2, -1 unknown), ``distance`` (camera z
    of the object origin, metres, nan unknown), ``azimuth``, ``elevation`` (radians of the
    camera seen from the object's frame, nan unknown), ``ignored`` (crowd or ignore regions,
    not counted as instances), ``object_id``, ``area`` (visible pixels; the box's area for
    KITTI).
    Image columns (m,): ``image_id``, ``width``, ``height``, ``split`` (index into ``splits``),
    ``scene`` (scene index, -1 unknown), ``file`` (path of the image, "" when absent),
    ``engine`` (the colour engine that drew it, "" unknown).
    ``files`` names the COCO file read per split (the preview gallery reads its few records again).
    """

    categories: list[str]
    splits: list[str]
    inst: dict[str, np.ndarray]
    img: dict[str, np.ndarray]
    source: str = ""
    kind: str = "coco"  # coco | kitti
    info: dict = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def n_instances(self) -> int:
        return int((~self.inst["ignored"]).sum())

    def counted(self) -> np.ndarray:
        """Boolean mask (n,) of the instances that count (not ignored)."""
        return ~self.inst["ignored"]


def coco_files(root: Path) -> list[tuple[str, Path]]:
    """(split, file) of a dataset folder's COCO files: ``instances_<split>.json`` when any
    exist, else ``instances.json`` as split ``all``."""
    ann = Path(root) / "annotations"
    split_files = sorted(ann.glob("instances_*.json"))
    if split_files:
        return [(p.stem[len("instances_"):], p) for p in split_files]
    single = ann / "instances.json"
    if single.is_file():
        return [("all", single)]
    raise SimgenError(f"{root}: no annotations/instances.json or annotations/instances_<split>.json "
                      "(is it a finished simgen dataset?)")


def _pose_columns(R: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance (camera z, m), azimuth and elevation (radians) of the camera in each object's
    frame, from ``object_pose`` (object-to-camera R (n, 3, 3), t (n, 3), nan where absent)."""
    eye = -np.einsum("nji,nj->ni", R, t)  # camera centre in the object frame: -R^T t
    r = np.linalg.norm(eye, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        elevation = np.arcsin(np.clip(eye[:, 2] / r, -1, 1))
    return t[:, 2], np.arctan2(eye[:, 1], eye[:, 0]), elevation


def occlusion_level(visibility: np.ndarray, levels=(0.9, 0.5)) -> np.ndarray:
    """KITTI occlusion level per instance: 0 if visibility >= levels[0], 1 if >= levels[1],
    else 2; -1 where visibility is unknown (simgen's KITTI export uses the same rule)."""
    v = np.asarray(visibility, float)
    out = np.where(v >= levels[0], 0, np.where(v >= levels[1], 1, 2))
    return np.where(np.isnan(v), -1, out).astype(int)


def image_file(images: Path, split: str, image: dict) -> Path:
    """Where a COCO image record's file lies under the ``images`` folder: simgen writes
    ``images/<split>/<file_name>`` (the record's own ``split`` wins, so a joined file still
    finds its images); other COCO sets put ``file_name`` relative to ``images/`` itself."""
    folder = Path(images) / str(image.get("split", split))
    return folder / image["file_name"] if folder.is_dir() else Path(images) / image["file_name"]


_NAN12 = [float("nan")] * 12


def _number(a: dict, key: str) -> float:
    return float(a[key]) if a.get(key) is not None else float("nan")


_ROW = 26  # numbers per instance: bbox 4, amodal box 4, visibility, truncation, ignored, object id,
# annotation id, area, pose R 9, pose t 3


def _instance_row(a: dict) -> list[float]:
    """One annotation's :data:`_ROW` numbers, in that order (nan where absent)."""
    box = a["bbox"]
    pose = a.get("object_pose")
    pose_values = [v for row in pose["R"] for v in row] + list(pose["t"]) if pose else _NAN12
    return [*box, *a.get("bbox_amodal", box), _number(a, "visibility"), _number(a, "truncation"),
            float(bool(a.get("iscrowd", 0)) or bool(a.get("ignore", 0))),
            float(next((a[k] for k in OBJECT_ID_KEYS if k in a), -1)), float(a.get("id", -1)),
            float(a["area"]) if "area" in a else box[2] * box[3], *pose_values]


def load_coco(files: list[tuple[str, Path]], images_dir: Path | None = None) -> LabelTable:
    """Read COCO instances files (split, path) into one table, a record at a time; categories
    are matched across files by name."""
    categories: list[str] = []
    splits: list[str] = []
    img_cols: dict[str, list] = {k: [] for k in ("image_id", "width", "height", "split", "scene", "file", "engine")}
    rows = array("d")  # _ROW numbers per instance (8 bytes each, not the record's objects)
    image_rows: list[int] = []
    cats: list[int] = []
    info: dict = {}
    read: dict[str, Path] = {}
    for split, path in files:
        try:
            if not (jsonstream.may_have_key(path, "images") and jsonstream.may_have_key(path, "annotations")):
                raise SimgenError(f"{path}: not a COCO instances file (needs 'images' and 'annotations')")
            info = info or jsonstream.member(path, "info") or {}
            names = {}
            for c in jsonstream.member(path, "categories") or []:
                if c["name"] not in categories:
                    categories.append(c["name"])
                names[c["id"]] = categories.index(c["name"])
            splits.append(split)
            read[split] = Path(path)
            s = len(splits) - 1
            row_of = {}
            folder = images_dir if images_dir is not None else Path(path).parent.parent / "images"
            for im in jsonstream.array_items(path, "images"):
                row_of[im["id"]] = len(img_cols["image_id"])
                img_cols["image_id"].append(im["id"])
                img_cols["width"].append(im.get("width", 0))
                img_cols["height"].append(im.get("height", 0))
                img_cols["split"].append(s)
                img_cols["scene"].append(im.get("scene_index", -1))
                img_cols["file"].append(str(image_file(folder, split, im)) if "file_name" in im else "")
                img_cols["engine"].append(im.get("engine") or "")
            for a in jsonstream.array_items(path, "annotations"):
                if a["image_id"] not in row_of or a["category_id"] not in names:
                    raise SimgenError(f"{path}: annotation {a.get('id')} names an unknown image or category")
                cats.append(names[a["category_id"]])
                image_rows.append(row_of[a["image_id"]])
                rows.extend(_instance_row(a))
        except (OSError, ValueError, ijson.JSONError) as exc:
            raise SimgenError(f"{path}: not a readable COCO file ({' '.join(str(exc).split())})") from None
    img = {k: np.array(v) for k, v in img_cols.items()}
    img["engine"] = img["engine"].astype(str)
    img["file"] = img["file"].astype(str)
    table = np.frombuffer(rows, float).reshape(-1, _ROW) if rows else np.zeros((0, _ROW))
    rows_ = np.array(image_rows, int)
    boxes, amodal = table[:, 0:4], table[:, 4:8]
    W = img["width"][rows_].astype(float) if len(rows_) else np.zeros(0)
    H = img["height"][rows_].astype(float) if len(rows_) else np.zeros(0)
    x0, y0 = np.clip(amodal[:, 0], 0, W), np.clip(amodal[:, 1], 0, H)
    x1, y1 = np.clip(amodal[:, 0] + amodal[:, 2], 0, W), np.clip(amodal[:, 1] + amodal[:, 3], 0, H)
    distance, azimuth, elevation = _pose_columns(table[:, 14:23].reshape(-1, 3, 3), table[:, 23:26])
    visibility = table[:, 8]
    inst = {
        "image": rows_, "category": np.array(cats, int),
        "x": boxes[:, 0], "y": boxes[:, 1], "w": boxes[:, 2], "h": boxes[:, 3],
        "ax": x0, "ay": y0, "aw": x1 - x0, "ah": y1 - y0,
        "visibility": visibility, "truncation": table[:, 9],
        "occlusion": occlusion_level(visibility),
        "distance": distance, "azimuth": azimuth, "elevation": elevation,
        "ignored": table[:, 10].astype(bool),
        "object_id": table[:, 11].astype(int),
        "ann_id": table[:, 12].astype(int),
        "area": table[:, 13],
    }
    return LabelTable(categories=categories, splits=splits, inst=inst, img=img,
                      source=", ".join(str(p) for _, p in files), kind="coco", info=info, files=read)


def load_dataset(root: Path) -> LabelTable:
    """A simgen dataset folder (or any folder with COCO files under ``annotations/``);
    ``source`` names the files relative to it, so the report is a function of the dataset."""
    table = load_coco(coco_files(Path(root)))
    table.source = ", ".join(str(p.relative_to(root)) for _, p in coco_files(Path(root)))
    return table


def _image_size(folder: Path, stem: str) -> tuple[int, int] | None:
    for ext in (".png", ".jpg", ".jpeg"):
        p = folder / f"{stem}{ext}"
        if p.is_file():
            from PIL import Image

            with Image.open(p) as im:
                return im.size
    return None


def load_kitti(label_dir: Path, default_size: tuple[int, int] = KITTI_SIZE) -> LabelTable:
    """A KITTI ``label_2`` folder: one file per image, ``type truncated occluded alpha left top
    right bottom h w l x y z rotation_y``. Image sizes come from the sibling ``image_2``
    folder where it exists, else ``default_size``. ``DontCare`` rows are left out; boxes are
    ``right - left`` wide."""
    label_dir = Path(label_dir)
    files = sorted(label_dir.glob("*.txt"))
    if not files:
        raise SimgenError(f"{label_dir}: no KITTI label files (*.txt)")
    images = label_dir.parent / "image_2"
    categories: list[str] = []
    img = {k: [] for k in ("image_id", "width", "height", "split", "scene", "file", "engine")}
    rows: list[list] = []
    for k, path in enumerate(files):
        size = _image_size(images, path.stem) if images.is_dir() else None
        w, h = size or default_size
        for key, v in (("image_id", k + 1), ("width", w), ("height", h), ("split", 0), ("scene", -1), ("file", ""), ("engine", "")):
            img[key].append(v)
        for n, line in enumerate(path.read_text().splitlines()):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 15:
                raise SimgenError(f"{path}:{n + 1}: a KITTI label line has 15 fields, this one {len(parts)}")
            if parts[0] == "DontCare":
                continue
            if parts[0] not in categories:
                categories.append(parts[0])
            vals = [float(v) for v in parts[1:15]]
            rows.append([k, categories.index(parts[0]), *vals])
    a = np.array(rows, float).reshape(-1, 16)
    n = len(a)
    left, top, right, bottom = a[:, 5], a[:, 6], a[:, 7], a[:, 8]
    nan = np.full(n, np.nan)
    inst = {
        "image": a[:, 0].astype(int), "category": a[:, 1].astype(int),
        "x": left, "y": top, "w": right - left, "h": bottom - top,
        "ax": left, "ay": top, "aw": right - left, "ah": bottom - top,
        "visibility": nan, "truncation": a[:, 2], "occlusion": a[:, 3].astype(int),
        "distance": a[:, 14], "azimuth": nan.copy(), "elevation": nan.copy(),
        "ignored": np.zeros(n, bool), "object_id": np.full(n, -1), "ann_id": np.arange(1, n + 1),
        "area": (right - left) * (bottom - top),
    }
    return LabelTable(categories=categories, splits=["all"], inst=inst, img={k: np.array(v) for k, v in img.items()},
                      source=str(label_dir), kind="kitti")


def load_labels(path: Path) -> LabelTable:
    """Real labels: a COCO instances file, a KITTI ``label_2`` folder, or a dataset folder."""
    path = Path(path)
    if path.is_file():
        return load_coco([("all", path)], images_dir=path.parent)
    if path.is_dir() and any(path.glob("*.txt")):
        return load_kitti(path)
    if path.is_dir() and (path / "annotations").is_dir():
        return load_dataset(path)
    raise SimgenError(f"--compare {path}: not a COCO instances file, a KITTI label_2 folder or a dataset folder")
