"""Labels of parts and image-level fields, as a scene's context declares them.

A scene kind may make labeled bodies that are parts of another labeled body (a defect on its
product: :meth:`simgen.core.spec.SceneContext.parts`). A part has its own id in the id pass, so
its mask is exactly what the view shows of it; the whole's mask then gains the part's pixels,
so a part never lies outside its whole. The context also gives fields of the view's image
record (an image-level label) from what the view shows.
"""

from __future__ import annotations

from pycocotools import mask as mask_utils

from simgen.annotate.labels import FrameLabels
from simgen.annotate.masks import decode_rle, encode_rle, mask_bbox
from simgen.core.spec import SceneContext


def fold_parts(labels: FrameLabels, parts: dict[int, int]) -> None:
    """Mark each part's ``part_of`` and add each visible part's pixels to its whole's mask,
    area and box (in place); the whole's amodal area grows to at least its new area."""
    by_id = {o.instance_id: o for o in labels.objects}
    wholes: dict[int, list] = {}
    for part, whole in parts.items():
        if part in by_id and whole in by_id and by_id[part].area > 0:
            wholes.setdefault(whole, []).append(by_id[part])
    for part, whole in parts.items():
        if part in by_id:
            by_id[part].part_of = whole
    for whole, found in wholes.items():
        obj = by_id[whole]
        mask = decode_rle(obj.rle)
        for part in found:
            mask |= decode_rle(part.rle)
        obj.rle = encode_rle(mask)
        obj.area = int(mask_utils.area(obj.rle))
        obj.bbox = mask_bbox(mask)
        # the whole's own extent was drawn without its parts: it is at least what is seen now
        obj.amodal_area = max(obj.amodal_area, obj.area)
        obj.full_area = max(obj.full_area, obj.amodal_area)
        obj.visibility = obj.area / obj.amodal_area
        obj.truncation = 1.0 - obj.amodal_area / obj.full_area


def apply_context(labels: FrameLabels, context: SceneContext | None) -> None:
    """Fold parts into their wholes and add the context's image fields (``labels.attributes``)."""
    if context is None:
        return
    visible = {o.instance_id: int(o.area) for o in labels.objects}
    parts = context.parts()
    if parts:
        fold_parts(labels, parts)
    labels.attributes.update(context.image_fields(visible))
