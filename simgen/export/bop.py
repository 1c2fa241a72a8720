"""BOP writer (``export=bop``): the scene-wise layout that 6D pose toolkits read.

Under ``<output_dir>/bop``::

    models/obj_OBJID.ply, models/models_info.json   (millimetres, simgen's link frame)
    SPLIT/SCENEID/scene_camera.json, scene_gt.json, scene_gt_info.json, scene_gt_coco.json
    SPLIT/SCENEID/rgb/IMID.png|jpg, depth/IMID.png, mask/IMID_GTID.png, mask_visib/IMID_GTID.png

SPLIT is ``train_pbr``, ``val_pbr`` or ``test`` by the scene's split. One simgen scene is one
BOP scene (SCENEID = scene index), its views are the images (IMID = view index), ``obj_id`` =
the COCO category id; ``rgb/`` is a hard link to the COCO image (PNG or, with
``export.image_format=jpg``, JPEG as BOP's pbr sets ship). Units and definitions follow
bop_toolkit's docs/bop_datasets_format.md and scripts/calc_gt_info.py / calc_gt_coco.py,
except where said:

- ``cam_K`` is simgen's K unchanged: bop_toolkit's renderers (renderer_vispy, renderer_py) put
  pixel centres at integer + 0.5, as simgen does, so the toolkit's re-rendered masks
  (calc_gt_masks, calc_gt_info, VSD) land on simgen's.
- ``px_count_all``: the whole silhouette, its truncated part included (the toolkit counts it
  on a canvas one image size larger each side; simgen on one two image sizes larger).
  ``mask/`` holds its in-image part; ``visib_fract`` = ``px_count_visib / px_count_all``.
- ``px_count_visib`` and ``mask_visib/`` are exact per-pixel visibility from the id pass, not
  the toolkit's depth test with a 15 mm tolerance.
- Boxes are the toolkit's ``[x, y, x_last - x, y_last - y]`` over the pixels of the (whole
  or visible) silhouette, ``[-1, -1, -1, -1]`` when nothing is visible: one less in width
  and height than simgen's COCO boxes.
- ``scene_gt_coco.json`` is calc_gt_coco.py's file with every ground truth (``use_all_gt``):
  amodal boxes of ``mask/``, ``mask_visib`` as compressed RLE, ``ignore`` when
  ``visib_fract < 0.1``, objects with no visible pixel left out, ``file_name`` relative to
  the scene folder.
- The model origin is the asset's link frame (your mesh file's own origin), not the centre
  of its 3D bounding box, so poses are those of your CAD frame.
- Depth PNGs are uint16 in units of ``depth_scale`` mm (``scene.depth_scale`` x 1000).
- No camera.json (intrinsics differ per view: they are in scene_camera.json) and no
  models_eval/.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import trimesh
from scipy.spatial.distance import pdist

from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.annotate.masks import decode_rle, mask_bbox
from simgen.assets.catalog import single_asset
from simgen.assets.geometry import load_asset, texture_image
from simgen.core import layout
from simgen.core.camera import world_to_camera
from simgen.core.errors import ConfigError
from simgen.core.images import depth_to_uint16
from simgen.export.writers import DatasetRecords, Writer, refuse_lens, register

ROOT = "bop"
SPLIT_DIRS = {"train": "train_pbr", "val": "val_pbr", "test": "test"}
MM = 1000.0  # millimetres per metre
NO_BOX = [-1, -1, -1, -1]
IGNORE_BELOW = 0.1  # calc_gt_coco.py's ignore threshold on visib_fract


def scene_dir(split: str, scene_index: int) -> str:
    return f"{ROOT}/{SPLIT_DIRS[split]}/{scene_index:06d}"


def bop_box(coco_box) -> list[int]:
    """simgen/COCO ``[x, y, w, h]`` (w, h in pixels covered) as BOP's inclusive extent."""
    x, y, w, h = (int(round(v)) for v in coco_box)
    return [x, y, w - 1, h - 1]


# Masks are mostly zeros: without PNG row filters they encode ~5x faster and as small.
_NO_FILTER = [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE] if hasattr(cv2, "IMWRITE_PNG_FILTER") else []


def _png(mask: np.ndarray, compression: int) -> bytes:
    """An 8-bit mask PNG, 255 on the object, 0 elsewhere (as BOP's masks)."""
    ok, buf = cv2.imencode(".png", mask.astype(np.uint8) * 255, [cv2.IMWRITE_PNG_COMPRESSION, compression, *_NO_FILTER])
    assert ok
    return buf.tobytes()


def _flat(a) -> list[float]:
    return [float(v) for v in np.asarray(a, float).ravel()]


def _json(doc: dict) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def gt_info(obj: ObjectLabel, depth_units: np.ndarray) -> dict:
    """One ``scene_gt_info`` record from an object's labels and the written depth image."""
    visib, full = int(obj.area), int(obj.full_area)
    silhouette = decode_rle(obj.rle_amodal)
    seen = visib > 0  # ignore regions below the label policy are still objects in BOP
    return {
        "bbox_obj": bop_box(obj.bbox_amodal) if seen else NO_BOX,
        "bbox_visib": bop_box(obj.bbox) if seen else NO_BOX,
        "px_count_all": full,
        "px_count_valid": int(np.count_nonzero(depth_units[silhouette])),
        "px_count_visib": visib,
        "visib_fract": visib / full if full > 0 else 0.0,
    }


def models_info(mesh_mm: trimesh.Trimesh) -> dict:
    """``models_info`` record: diameter (largest vertex distance), min and size per axis, mm."""
    lo, hi = mesh_mm.bounds
    hull = mesh_mm.convex_hull.vertices if len(mesh_mm.vertices) > 3 else mesh_mm.vertices
    rec = {"diameter": float(pdist(hull).max())}
    for k, axis in enumerate("xyz"):
        rec[f"min_{axis}"] = float(lo[k])
        rec[f"size_{axis}"] = float(hi[k] - lo[k])
    return rec


def model_mesh(ref) -> trimesh.Trimesh:
    """The asset's visual mesh in millimetres, in its link frame; a texture becomes vertex colours."""
    mesh = load_asset(ref).mesh.copy()
    if texture_image(mesh) is not None:
        mesh.visual = mesh.visual.to_color()
    mesh.apply_scale(MM)
    return mesh


@register
class BopWriter(Writer):
    name = "bop"

    @classmethod
    def check_config(cls, cfg) -> None:
        refuse_lens(cfg, "bop", "BOP's cam_K holds a pinhole camera only")
        if not cfg.labels.amodal_masks:
            raise ConfigError("export.formats includes bop: BOP's mask/ needs labels.amodal_masks=true (export=bop sets it)")
        scene = cfg.scene
        if not hasattr(scene, "assets"):
            raise ConfigError(f"export.formats includes bop: scene '{scene.name}' has no object assets to export as models")
        seen: set[str] = set()
        for k, entry in enumerate(scene.assets):
            if entry.category in seen:
                raise ConfigError(f"scene.assets[{k}]: category '{entry.category}' has two entries; BOP needs one model per obj_id")
            seen.add(entry.category)
            if single_asset(entry) is None:
                raise ConfigError(f"scene.assets[{k}].source={entry.source!r}: BOP needs one model per obj_id, "
                                  "so each entry must name one file (or a primitive of fixed size)")

    def frame_files(self, labels: FrameLabels, view) -> dict[str, bytes]:
        ex, d, im = self.ctx.export, scene_dir(labels.split, labels.scene_index), labels.view_index
        files = {f"{d}/rgb/{im:06d}.{ex.image_format}": view.rgb(),
                 f"{d}/depth/{im:06d}.png": view.layer(layout.DEPTH)}  # the depth layer's encoding
        for gt, obj in enumerate(labels.objects):
            files[f"{d}/mask/{im:06d}_{gt:06d}.png"] = _png(decode_rle(obj.rle_amodal), ex.png_compression)
            files[f"{d}/mask_visib/{im:06d}_{gt:06d}.png"] = _png(decode_rle(obj.rle), ex.png_compression)
        return files

    def scene_files(self, frames: list[FrameLabels]) -> dict[str, bytes]:
        if not frames:
            return {}
        depth_scale = self.ctx.scene.depth_scale
        cameras, gts, infos = {}, {}, {}
        frames = sorted(frames, key=lambda f: f.view_index)
        for labels in frames:
            im = str(labels.view_index)
            w2c = world_to_camera(labels.camera.cam_to_world)
            cameras[im] = {"cam_K": _flat(labels.camera.K), "cam_R_w2c": _flat(w2c[:3, :3]),
                           "cam_t_w2c": _flat(w2c[:3, 3] * MM), "depth_scale": depth_scale * MM}
            gts[im] = [{"cam_R_m2c": _flat(o.R), "cam_t_m2c": _flat(o.t * MM), "obj_id": int(o.category_id)} for o in labels.objects]
            depth_units = depth_to_uint16(labels.depth, depth_scale)
            infos[im] = [gt_info(o, depth_units) for o in labels.objects]
        d = scene_dir(frames[0].split, frames[0].scene_index)
        return {f"{d}/scene_camera.json": _json(cameras), f"{d}/scene_gt.json": _json(gts), f"{d}/scene_gt_info.json": _json(infos),
                f"{d}/scene_gt_coco.json": _json(self.scene_coco(frames))}

    def scene_coco(self, frames: list[FrameLabels]) -> dict:
        """The scene's ``scene_gt_coco.json`` as bop_toolkit's calc_gt_coco.py writes it."""
        images, annotations = [], []
        for labels in frames:
            cam, im = labels.camera, labels.view_index
            images.append({"id": im, "file_name": f"rgb/{im:06d}.{self.ctx.export.image_format}", "width": cam.width,
                           "height": cam.height, "license": 1})
            for obj in labels.objects:
                if obj.area < 1:
                    continue
                full = mask_bbox(decode_rle(obj.rle_amodal))
                visib_fract = obj.area / obj.full_area if obj.full_area > 0 else 0.0
                annotations.append({"id": len(annotations) + 1, "image_id": im, "category_id": int(obj.category_id), "iscrowd": 0,
                                    "area": int(obj.area), "bbox": [int(v) for v in full], "segmentation": obj.rle,
                                    "width": cam.width, "height": cam.height, "ignore": bool(visib_fract < IGNORE_BELOW)})
        return {"info": {"description": f"simgen scene {frames[0].scene_index:06d}", "contributor": "simgen"}, "licenses": [],
                "categories": [{"id": k, "name": name, "supercategory": "simgen"} for k, name in enumerate(self.ctx.categories, start=1)],
                "images": images, "annotations": annotations}

    def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
        files, info = {}, {}
        entries = {e.category: e for e in self.ctx.scene.assets}
        for obj_id, name in enumerate(self.ctx.categories, start=1):
            mesh = model_mesh(single_asset(entries[name]))
            files[f"{ROOT}/models/obj_{obj_id:06d}.ply"] = trimesh.exchange.ply.export_ply(mesh, encoding="ascii", vertex_normal=True)
            info[str(obj_id)] = models_info(mesh)
        files[f"{ROOT}/models/models_info.json"] = _json(info)
        return files
