"""Read the other ("real") labeled set a simgen dataset is measured on: COCO or YOLO.

- COCO: an instances file (images beside it, or in ``images/`` next to its ``annotations/``
  folder), or a folder with ``annotations/instances*.json`` (every split in it, as a simgen
  dataset is laid out).
- YOLO: an ultralytics ``data.yaml``; to evaluate on, its ``test`` images where it lists them,
  else its ``val`` images; to train on (``--real-train``), its ``train`` images. Labels are
  ``cls cx cy w h`` normalized, in ``labels/`` mirroring ``images/``; polygon lines (segment
  labels) count by their bounding box.

Both come back as a :class:`~simgen.report.data.LabelTable` whose image ``file`` column is set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from simgen.core.errors import SimgenError
from simgen.report.data import LabelTable, coco_files, load_coco

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def load_real(path: Path, train: bool = False, option: str = "--utility") -> LabelTable:
    """The labeled set at ``path`` (COCO file or folder, or YOLO ``data.yaml``); ``train``
    picks a YOLO yaml's train split instead of its evaluation split. Raises SimgenError
    naming ``option`` when ``path`` is neither format or names images that are not there."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() in (".yaml", ".yml"):
        table = load_yolo(path, "train" if train else None, option)
    elif path.is_file() and path.suffix.lower() == ".json":
        images = path.parent.parent / "images" if path.parent.name == "annotations" else path.parent
        table = load_coco([("all", path)], images_dir=images)
    elif path.is_dir() and (path / "annotations").is_dir():
        table = load_coco(coco_files(path))
    elif path.is_dir() and (path / "data.yaml").is_file():
        table = load_yolo(path / "data.yaml", "train" if train else None, option)
    else:
        raise SimgenError(f"{option} {path}: not a COCO instances file, a folder with annotations/instances*.json, "
                          "or a YOLO data.yaml")
    missing = [f for f in table.img["file"] if not f or not Path(f).is_file()]
    if missing:
        raise SimgenError(f"{option} {path}: {len(missing)} of {len(table.img['file'])} images are missing, "
                          f"e.g. {missing[0] or '(a record without file_name)'}")
    if not len(table.img["file"]):
        raise SimgenError(f"{option} {path}: no images")
    return table


def _names(doc: dict, path: Path, option: str) -> list[str]:
    names = doc.get("names")
    if isinstance(names, dict):
        keys = sorted(int(k) for k in names)
        if keys != list(range(len(keys))):
            raise SimgenError(f"{option} {path}: names must be numbered 0..n-1, got {keys}")
        return [str(names[k] if k in names else names[str(k)]) for k in keys]
    if isinstance(names, list) and names:
        return [str(n) for n in names]
    raise SimgenError(f"{option} {path}: no class names (a 'names' list or {{index: name}} mapping)")


def _split_images(root: Path, entry, path: Path, option: str) -> list[Path]:
    """Image files of a data.yaml split entry: a folder, a .txt list of images, or a list of either."""
    entries = entry if isinstance(entry, list) else [entry]
    out: list[Path] = []
    for e in entries:
        p = Path(e) if Path(e).is_absolute() else root / e
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file() and p.suffix == ".txt":
            for line in p.read_text().splitlines():
                if line.strip():
                    q = Path(line.strip())
                    out.append(q if q.is_absolute() else (root / q).resolve())
        else:
            raise SimgenError(f"{option} {path}: split entry {e!r} is not a folder or a .txt list of images")
    return out


def label_file(image: Path) -> Path:
    """ultralytics' rule: the last ``images`` folder of the path becomes ``labels``, suffix ``.txt``."""
    parts = list(image.parts)
    k = len(parts) - 1 - parts[::-1].index("images") if "images" in parts else None
    if k is None:
        return image.with_suffix(".txt")
    parts[k] = "labels"
    return Path(*parts).with_suffix(".txt")


def load_yolo(path: Path, split: str | None = None, option: str = "--utility") -> LabelTable:
    """A YOLO ``data.yaml``: split ``split`` (default: ``test`` where listed, else ``val``).
    Image sizes come from the image files (headers only); boxes are converted to pixels."""
    from PIL import Image

    try:
        doc = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SimgenError(f"{option} {path}: not a readable YOLO data.yaml ({exc})") from None
    if not isinstance(doc, dict):
        raise SimgenError(f"{option} {path}: not a YOLO data.yaml (a mapping with names and splits)")
    names = _names(doc, path, option)
    root = Path(doc.get("path") or ".")
    root = root if root.is_absolute() else Path(path).parent / root
    split = split or ("test" if doc.get("test") else "val")
    if not doc.get(split):
        raise SimgenError(f"{option} {path}: lists no '{split}' images")
    images = _split_images(root, doc[split], path, option)
    img = {k: [] for k in ("image_id", "width", "height", "split", "scene", "file")}
    rows: list[list[float]] = []
    for k, im in enumerate(images):
        with Image.open(im) as pil:
            w, h = pil.size
        for key, v in (("image_id", k + 1), ("width", w), ("height", h), ("split", 0), ("scene", -1), ("file", str(im))):
            img[key].append(v)
        lf = label_file(im)
        for n, line in enumerate(lf.read_text().splitlines() if lf.is_file() else []):
            v = line.split()
            if not v:
                continue
            try:
                cls, coords = int(v[0]), np.array(v[1:], float)
            except ValueError:
                raise SimgenError(f"{lf}:{n + 1}: not a YOLO label line (cls cx cy w h)") from None
            if not 0 <= cls < len(names) or len(coords) < 4 or (len(coords) > 4 and len(coords) % 2):
                raise SimgenError(f"{lf}:{n + 1}: class {cls} of {len(names)} or {len(coords)} coordinates")
            if len(coords) == 4:
                cx, cy, bw, bh = coords
            else:  # a polygon: its bounding box
                xs, ys = coords[0::2], coords[1::2]
                cx, cy, bw, bh = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2, np.ptp(xs), np.ptp(ys)
            rows.append([k, cls, (cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h])
    a = np.array(rows, float).reshape(-1, 6)
    n = len(a)
    nan = np.full(n, np.nan)
    inst = {"image": a[:, 0].astype(int), "category": a[:, 1].astype(int),
            "x": a[:, 2], "y": a[:, 3], "w": a[:, 4], "h": a[:, 5],
            "ax": a[:, 2], "ay": a[:, 3], "aw": a[:, 4], "ah": a[:, 5],
            "visibility": nan, "truncation": nan.copy(), "occlusion": np.full(n, -1),
            "distance": nan.copy(), "azimuth": nan.copy(), "elevation": nan.copy(),
            "ignored": np.zeros(n, bool), "object_id": np.full(n, -1), "ann_id": np.arange(1, n + 1)}
    return LabelTable(categories=names, splits=[split], inst=inst, img={k: np.array(v) for k, v in img.items()},
                      source=str(path), kind="yolo")
