"""Labels of one view from its render passes' arrays and the settled scene.

Two steps, because amodal extents need a pass drawn for the bodies the id map leaves in doubt:
:func:`plan_view` reads the geometry and the ``ids`` array and says which bodies need the
``coverage`` pass (a :class:`CoverageRequest`); :func:`annotate_view` then makes every label
from the arrays (``ids``, ``depth`` and, when planned, ``coverage``). Neither holds a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simgen.annotate.geometry import box3d, pixel_box, projected_extent, transform
from simgen.annotate.keypoints import cuboid_keypoints
from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.annotate.masks import IdRuns, box_mask_rle, slices_to_bbox
from simgen.config.schema import LabelsConfig
from simgen.core.camera import world_to_camera
from simgen.core.spec import CameraSpec
from simgen.physics.state import SceneState
from simgen.render.lens import source_camera
from simgen.render.passes.coverage import Amodal, CoverageRequest

SUPPORT_TOLERANCE = 0.002  # metres an object may sink into its support and still be "above" it


@dataclass
class _Seen:
    """A body as this camera sees it: its pose, pixel box and depth span (conservative)."""

    T: np.ndarray  # object to camera (4, 4)
    pbox: tuple[int, int, int, int] | None
    zmin: float
    zmax: float
    lowest_world_z: float


def _seen(state: SceneState, cam: CameraSpec, world_to_cam: np.ndarray) -> dict[int, _Seen]:
    out = {}
    for body in state.bodies:
        asset = state.assets[body.instance_id]
        pose = state.poses[body.instance_id]
        T = world_to_cam @ pose
        v = transform(asset.vertices, T)
        ext = projected_extent(cam.K, v, asset.mesh.edges_unique, cam.znear)
        out[body.instance_id] = _Seen(
            T=T,
            pbox=None if ext is None else pixel_box(ext),
            zmin=float(v[:, 2].min()),
            zmax=float(v[:, 2].max()),
            lowest_world_z=float(transform(asset.vertices, pose)[:, 2].min()),
        )
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _may_be_hidden(iid: int, seen: dict[int, _Seen], state: SceneState, cam_z: float) -> bool:
    """Whether any other body could cover part of ``iid`` in this view.

    A slab-like support (``support_top``) cannot hide a body lying above its top plane from a
    camera above it: the segment between them stays above the plane.
    """
    me = seen[iid]
    for body in state.bodies:
        other = seen[body.instance_id]
        if body.instance_id == iid or other.pbox is None or not _overlap(me.pbox, other.pbox):
            continue
        if other.zmin >= me.zmax:
            continue
        top = body.support_top
        if top is not None and cam_z > top and me.lowest_world_z >= top - SUPPORT_TOLERANCE:
            continue
        return True
    return False


def _inside(pbox, W: int, H: int) -> bool:
    return pbox[0] >= 0 and pbox[1] >= 0 and pbox[2] <= W and pbox[3] <= H


def _below_policy(policy: LabelsConfig, visible: int, bbox, visibility: float, truncation: float) -> str:
    """Why a visible object is an ignore region rather than a training target ("" if it is not)."""
    if visible < policy.min_visible_pixels or min(bbox[2], bbox[3]) < policy.min_box_side:
        return "small"
    if visibility < policy.min_visibility:
        return "occluded"
    if truncation > policy.max_truncation:
        return "truncated"
    return ""


def _in_image_rle(amodal: Amodal, W: int, H: int) -> dict:
    """COCO RLE of an amodal in-image mask, read only inside its box (clipped to the image)."""
    x, y, w, h = amodal.bbox
    x0, y0 = max(int(x), 0), max(int(y), 0)
    x1, y1 = min(int(x + w), W), min(int(y + h), H)
    return box_mask_rle(amodal.mask[y0:y1, x0:x1], x0, y0, H, W)


@dataclass
class ViewPlan:
    """What :func:`plan_view` read of a view: each body as the camera sees it, the runs of the
    ``ids`` array (read once, column-major) with the visible pixel counts and slices per
    instance id they give, the objects to label with their visible pixel counts, and the
    coverage request (None when no body needs one)."""

    seen: dict[int, _Seen]
    runs: IdRuns
    counts: np.ndarray
    slices: list
    candidates: list[tuple[object, int]]
    coverage: CoverageRequest | None


def plan_view(state: SceneState, cam: CameraSpec, ids: np.ndarray, policy: LabelsConfig) -> ViewPlan:
    """The objects of ``state`` to label in this view and which of them need the coverage pass:
    those something may hide or the image border cuts (the rest's amodal mask is the visible one).
    Through a lens, bodies are seen in the pinhole view the arrays were drawn from (the pixel
    boxes of the coverage request lie there) and every one needs the coverage pass: the image's
    border is curved in that view."""
    W, H = cam.width, cam.height
    drawn = source_camera(cam)  # cam itself without a lens
    seen = _seen(state, drawn, world_to_camera(cam.cam_to_world))
    runs = IdRuns(ids)
    counts, slices = runs.stats()
    cam_z = float(cam.cam_to_world[2, 3])
    candidates, pboxes = [], {}
    for body in state.objects():
        iid = body.instance_id
        s = seen[iid]
        visible = int(counts[iid]) if iid < len(counts) else 0
        if s.pbox is None or (visible == 0 and not policy.keep_hidden):
            continue
        if not _overlap(s.pbox, (0, 0, drawn.width, drawn.height)):
            continue
        candidates.append((body, visible))
        if cam.lens is not None or not (visible and _inside(s.pbox, W, H) and not _may_be_hidden(iid, seen, state, cam_z)):
            pboxes[iid] = s.pbox
    coverage = CoverageRequest(boxes=pboxes, masks=policy.amodal_masks) if pboxes else None
    return ViewPlan(seen=seen, runs=runs, counts=counts, slices=slices, candidates=candidates, coverage=coverage)


def annotate_view(
    plan: ViewPlan,
    state: SceneState,
    cam: CameraSpec,
    passes: dict[str, Any],
    category_ids: dict[str, int],
    policy: LabelsConfig,
    image_index: int,
    view_index: int,
) -> FrameLabels:
    """Every label of one view (see :class:`FrameLabels`) from its ``passes``: ``ids`` (H, W)
    int32, ``depth`` (H, W) float32 metres and, when ``plan.coverage`` asked for it,
    ``coverage`` (instance id -> Amodal); applying the label ``policy``."""
    W, H = cam.width, cam.height
    ids, depth = passes["ids"], passes["depth"]
    seen, slices = plan.seen, plan.slices
    labels = FrameLabels(
        image_index=image_index,
        scene_index=state.spec.index,
        view_index=view_index,
        camera=replace(cam, K=cam.K.copy(), cam_to_world=cam.cam_to_world.copy()),
        depth=depth,
    )
    n_lut = max(int(ids.max()), max((b.instance_id for b in state.bodies), default=0)) + 1
    instance_lut = np.zeros(n_lut, np.uint16)
    semantic_lut = np.zeros(n_lut, np.uint16)
    for body in state.objects():
        iid = body.instance_id
        instance_lut[iid], semantic_lut[iid] = iid, category_ids[body.category]
    drawn = passes["coverage"] if plan.coverage is not None else {}
    runs = plan.runs  # the id map's runs give every object's mask and depth span
    depth_spans = runs.depth_ranges(depth)
    for body, visible in plan.candidates:
        iid, cid, s = body.instance_id, category_ids[body.category], seen[body.instance_id]
        visible_bbox = slices_to_bbox(slices[iid]) if visible else None
        amodal = drawn.get(iid) or Amodal(full_area=visible, in_image=visible, bbox=visible_bbox, mask=None)
        if amodal.in_image == 0:
            continue  # not in the image after all
        visibility = min(visible / amodal.in_image, 1.0)
        truncation = 1.0 - amodal.in_image / amodal.full_area
        hidden = visible == 0
        reason = "hidden" if hidden else _below_policy(policy, visible, visible_bbox, visibility, truncation)
        rle = runs.rle(iid)
        if hidden:  # a crowd region where the object would be, so evaluation ignores it
            x, y, w, h = amodal.bbox
            x0, y0 = max(x, 0.0), max(y, 0.0)
            visible_bbox = [x0, y0, min(x + w, W) - x0, min(y + h, H) - y0]
        if amodal.mask is not None:
            rle_amodal = _in_image_rle(amodal, W, H)
        else:
            rle_amodal = {"size": list(rle["size"]), "counts": rle["counts"]} if policy.amodal_masks else None
        box = box3d(state.assets[iid].bounds, s.T)
        labels.objects.append(
            ObjectLabel(
                instance_id=iid,
                category=body.category,
                category_id=cid,
                bbox=visible_bbox,
                area=visible,
                rle=rle,
                bbox_amodal=amodal.bbox,
                amodal_area=amodal.in_image,
                full_area=amodal.full_area,
                visibility=visibility,
                truncation=truncation,
                R=s.T[:3, :3].copy(),
                t=s.T[:3, 3].copy(),
                box3d=box,
                depth_range=list(depth_spans[iid]) if visible else [],
                ignore=bool(reason),
                rle_amodal=rle_amodal,
                ignore_reason=reason,
                keypoints=cuboid_keypoints(box, cam.K, ids, iid, cam.lens),
            )
        )
    labels.instance_map = instance_lut[ids]
    labels.semantic_map = semantic_lut[ids]
    return labels
