"""Per-scene facts for the dataset report, collected while generating.

The COCO file holds every per-instance number the report needs (boxes, visibility, poses); what
it does not hold is written here, one small JSON file per scene, ``facts/scene_NNNNNN.json``:

- per image: mean brightness and contrast (standard deviation) of the RGB image's luma in
  [0, 1], and a 64-bit perceptual hash (hex) to find near-duplicates across scenes;
- per scene: light count, intensities and kinds, the ambient term, and the scene's conditions
  where its recipe records them (``spec.context.drawn_conditions()``), and its scenario's name
  where it stages one;
- per labeled body: its asset (file or shape) and its look (texture kind, base colour).

Computing it costs about a millisecond per image (a 32 x 32 thumbnail), so it runs in the
worker; the report never decodes images or masks for its statistics.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from simgen.core.spec import AssetRef, BodySpec, SceneSpec

FOLDER = "facts"
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def facts_path(scene_index: int) -> str:
    """Dataset-relative path of scene ``scene_index``'s facts file."""
    return f"{FOLDER}/scene_{scene_index:06d}.json"


def phash(gray: np.ndarray) -> str:
    """64-bit DCT perceptual hash of a greyscale image (H, W) as 16 hex digits: the signs of
    the 8 x 8 lowest frequencies of its 32 x 32 thumbnail against their median."""
    thumb = cv2.resize(np.asarray(gray, np.float32), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(thumb)[:8, :8].ravel()
    bits = low > np.median(low[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def image_look(rgb: np.ndarray) -> dict:
    """Brightness (mean luma), contrast (its standard deviation), both in [0, 1], and the
    perceptual hash of an (H, W, 3) uint8 RGB image."""
    small = cv2.resize(rgb[..., :3], (64, 48), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    luma = small @ _LUMA
    return {"brightness": round(float(luma.mean()), 5), "contrast": round(float(luma.std()), 5),
            "phash": phash(luma)}


def asset_name(asset: AssetRef) -> str:
    """A short stable name of a body's geometry: its file's name, or kind:shape."""
    if asset.path:
        p = Path(asset.path)
        return f"{p.parent.name}/{p.name}" if p.parent.name else p.name
    return f"{asset.kind}:{asset.shape}"


def _body(body: BodySpec) -> dict:
    """A body's facts; its colour is the material's base colour times a procedural builder's
    main colour (driving's road users are white with painted faces: the report counted every
    one in the grey bin)."""
    from simgen.assets.procedural import main_colour

    m = body.material
    look = "default" if m is None else (m.texture.kind if m.texture is not None else "plain")
    colour = [] if m is None else [float(c) for c in m.base_color[:3]]
    paint = main_colour(body.asset.shape, body.asset.size) if body.asset.kind == "procedural" and colour else None
    if paint is not None:
        colour = [c * p for c, p in zip(colour, paint, strict=True)]
    colour = [round(c, 3) for c in colour]
    return {"category": body.category, "asset": asset_name(body.asset), "look": look, "color": colour}


def scene_facts(spec: SceneSpec, images: list[tuple[int, dict]]) -> bytes:
    """The facts file of one scene: ``images`` are (image index, :func:`image_look`) pairs."""
    doc = {
        "scene_index": spec.index,
        "lights": [{"kind": li.kind, "intensity": round(float(li.intensity), 4)} for li in spec.lights],
        "ambient": [round(float(a), 4) for a in spec.ambient],
        "conditions": {} if spec.context is None else spec.context.drawn_conditions(),
        "bodies": {str(b.instance_id): _body(b) for b in spec.bodies if b.category is not None},
        "images": [{"image_index": i, **look} for i, look in images],
    }
    tag = None if spec.context is None else spec.context.scenario_at(0)
    if tag is not None:  # only where one was staged: other datasets keep their bytes
        doc["scenario"] = tag.name
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def read_facts(root: Path) -> list[dict]:
    """Every scene's facts under dataset ``root`` (empty when the dataset has none)."""
    return [json.loads(p.read_text()) for p in sorted((Path(root) / FOLDER).glob("scene_*.json"))]
