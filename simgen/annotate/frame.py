"""Labels of one view from its render passes and the settled scene."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simgen.annotate.amodal import Amodal, amodal_extents
from simgen.annotate.geometry import box3d, pixel_box, projected_extent, transform
from simgen.annotate.keypoints import cuboid_keypoints
from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.annotate.masks import encode_rle, instance_stats, slices_to_bbox
from simgen.config.schema import LabelsConfig
from simgen.core.camera import world_to_camera
from simgen.core.spec import CameraSpec
from simgen.physics.state import SceneState
from simgen.render.renderer import Passes

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


def annotate_view(
    renderer,
    state: SceneState,
    cam: CameraSpec,
    passes: Passes,
    category_ids: dict[str, int],
    policy: LabelsConfig,
    image_index: int,
    view_index: int,
) -> FrameLabels:
    """Every label of one view (see :class:`FrameLabels`), applying the label ``policy``."""
    W, H = cam.width, cam.height
    world_to_cam = world_to_camera(cam.cam_to_world)
    seen = _seen(state, cam, world_to_cam)
    counts, slices = instance_stats(passes.ids)
    cam_z = float(cam.cam_to_world[2, 3])
    labels = FrameLabels(
        image_index=image_index,
        scene_index=state.spec.index,
        view_index=view_index,
        camera=replace(cam, K=cam.K.copy(), cam_to_world=cam.cam_to_world.copy()),
        depth=passes.depth,
    )
    n_lut = max(int(passes.ids.max()), max((b.instance_id for b in state.bodies), default=0)) + 1
    instance_lut = np.zeros(n_lut, np.uint16)
    semantic_lut = np.zeros(n_lut, np.uint16)
    candidates, pboxes = [], {}
    for body in state.objects():
        iid = body.instance_id
        instance_lut[iid], semantic_lut[iid] = iid, category_ids[body.category]
        s = seen[iid]
        visible = int(counts[iid]) if iid < len(counts) else 0
        if s.pbox is None or (visible == 0 and not policy.keep_hidden):
            continue
        if not _overlap(s.pbox, (0, 0, W, H)):
            continue
        candidates.append((body, visible))
        if not (visible and _inside(s.pbox, W, H) and not _may_be_hidden(iid, seen, state, cam_z)):
            pboxes[iid] = s.pbox
    drawn = amodal_extents(renderer, cam, pboxes, policy.amodal_masks) if pboxes else {}
    for body, visible in candidates:
        iid, cid, s = body.instance_id, category_ids[body.category], seen[body.instance_id]
        visible_bbox = slices_to_bbox(slices[iid]) if visible else None
        amodal = drawn.get(iid) or Amodal(full_area=visible, in_image=visible, bbox=visible_bbox, mask=None)
        if amodal.in_image == 0:
            continue  # not in the image after all
        visibility = min(visible / amodal.in_image, 1.0)
        truncation = 1.0 - amodal.in_image / amodal.full_area
        hidden = visible == 0
        reason = "hidden" if hidden else _below_policy(policy, visible, visible_bbox, visibility, truncation)
        mask = passes.ids == iid
        depth_under = passes.depth[mask]
        if hidden:  # a crowd region where the object would be, so evaluation ignores it
            x, y, w, h = amodal.bbox
            x0, y0 = max(x, 0.0), max(y, 0.0)
            visible_bbox = [x0, y0, min(x + w, W) - x0, min(y + h, H) - y0]
        amodal_mask = amodal.mask if amodal.mask is not None else (mask if policy.amodal_masks else None)
        box = box3d(state.assets[iid].bounds, s.T)
        labels.objects.append(
            ObjectLabel(
                instance_id=iid,
                category=body.category,
                category_id=cid,
                bbox=visible_bbox,
                area=visible,
                rle=encode_rle(mask),
                bbox_amodal=amodal.bbox,
                amodal_area=amodal.in_image,
                full_area=amodal.full_area,
                visibility=visibility,
                truncation=truncation,
                R=s.T[:3, :3].copy(),
                t=s.T[:3, 3].copy(),
                box3d=box,
                depth_range=[float(depth_under.min()), float(depth_under.max())] if visible else [],
                ignore=bool(reason),
                rle_amodal=encode_rle(amodal_mask) if amodal_mask is not None else None,
                ignore_reason=reason,
                keypoints=cuboid_keypoints(box, cam.K, passes.ids, iid),
            )
        )
    labels.instance_map = instance_lut[passes.ids]
    labels.semantic_map = semantic_lut[passes.ids]
    return labels
