"""Forward optical flow of a sequence: where each pixel's surface point is at frame t+1.

Exact from the scene's rigid motions: a pixel centre at frame t is back-projected with its
depth, moved with its body's world motion ``pose_{t+1} @ pose_t^-1`` (static bodies do not
move), seen by the camera of frame t+1 and projected: flow = (u', v') - (u, v) in pixels (through
the camera's lens both ways when it has one).
A vector is valid where the point lands in the image at t+1, in front of the camera, on the
same body in t+1's id map and within ``depth tolerance`` of t+1's depth there (so points
hidden at t+1, by other bodies or by their own, are invalid), and where nothing was hit at
t (sky) it is invalid too.

Encoding is KITTI's flow PNG: uint16 x 3, R = u x 64 + 32768, G = v x 64 + 32768, B = valid
(1/64 px steps, +-512 px; longer vectors are marked invalid).
"""

from __future__ import annotations

import cv2
import numpy as np

from simgen.core.camera import backproject, world_to_camera
from simgen.core.distortion import centre_rays, project_camera
from simgen.core.spec import CameraSpec

FLOW_SCALE = 64.0
FLOW_OFFSET = 32768.0
MAX_FLOW = 511.0  # pixels representable by the encoding
DEPTH_TOL_ABS = 0.01  # metres
DEPTH_TOL_REL = 0.01  # of the depth


def rigid_flow(depth0: np.ndarray, ids0: np.ndarray, cam0: CameraSpec, poses0: dict[int, np.ndarray],
               depth1: np.ndarray, ids1: np.ndarray, cam1: CameraSpec, poses1: dict[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Flow (H, W, 2) float32 pixels from frame 0 to frame 1 and its validity (H, W) bool.

    depth (H, W) metres of z (0 = nothing), ids (H, W) int body ids of each frame's id pass
    (scenery included), poses: world pose (4, 4) of every body by id at each frame.
    """
    H, W = depth0.shape
    n = int(max(ids0.max(), max(poses0, default=0))) + 1
    motion = np.tile(np.eye(4), (n, 1, 1))
    for iid, p0 in poses0.items():
        p1 = poses1.get(iid, p0)
        if p1 is not p0 and not np.array_equal(p1, p0):
            motion[iid] = p1 @ world_to_camera(p0)  # world_to_camera inverts a rigid transform
    rows, cols = np.nonzero(depth0 > 0)
    u, v = cols + 0.5, rows + 0.5
    if cam0.lens is None:
        p_cam0 = backproject(cam0.K, u, v, depth0[rows, cols].astype(float))
    else:  # the ray each pixel sees through the lens, at its z-depth
        z0 = depth0[rows, cols].astype(float)
        rays = centre_rays(cam0.lens, cam0.K, W, H)[rows, cols]
        p_cam0 = np.column_stack([rays * z0[:, None], z0])
    c2w0 = np.asarray(cam0.cam_to_world, float)
    p_world = p_cam0 @ c2w0[:3, :3].T + c2w0[:3, 3]
    M = motion[ids0[rows, cols]]
    p_world1 = np.einsum("nij,nj->ni", M[:, :3, :3], p_world) + M[:, :3, 3]
    w2c1 = world_to_camera(cam1.cam_to_world)
    p_cam1 = p_world1 @ w2c1[:3, :3].T + w2c1[:3, 3]
    z1 = p_cam1[:, 2]
    K1 = cam1.K
    if cam1.lens is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            u1 = p_cam1[:, 0] / z1 * K1[0, 0] + K1[0, 2]
            v1 = p_cam1[:, 1] / z1 * K1[1, 1] + K1[1, 2]
    else:  # OpenCV's projection; points past the rays the lens sees get no vector (nan)
        uv1, seen = project_camera(K1, cam1.lens, W, H, p_cam1)
        u1, v1 = np.where(seen, uv1[:, 0], np.nan), np.where(seen, uv1[:, 1], np.nan)
    flow = np.zeros((H, W, 2), np.float32)
    valid = np.zeros((H, W), bool)
    # On the encoding's grid, so that the validity below holds for the flow as stored.
    du, dv = np.rint((u1 - u) * FLOW_SCALE) / FLOW_SCALE, np.rint((v1 - v) * FLOW_SCALE) / FLOW_SCALE
    with np.errstate(invalid="ignore"):
        u1, v1 = u + du, v + dv
    flow[rows, cols, 0], flow[rows, cols, 1] = np.nan_to_num(du), np.nan_to_num(dv)
    ok = (z1 > cam1.znear) & (u1 >= 0) & (u1 < W) & (v1 >= 0) & (v1 < H) & (np.abs(du) <= MAX_FLOW) & (np.abs(dv) <= MAX_FLOW)
    c1 = np.floor(np.where(ok, u1, 0)).astype(int)
    r1 = np.floor(np.where(ok, v1, 0)).astype(int)
    seen = depth1[r1, c1].astype(float)
    ok &= ids1[r1, c1] == ids0[rows, cols]
    ok &= np.abs(seen - z1) <= DEPTH_TOL_ABS + DEPTH_TOL_REL * z1
    valid[rows, cols] = ok
    return flow, valid


def encode_flow(flow: np.ndarray, valid: np.ndarray, png_compression: int = 1) -> bytes:
    """KITTI flow PNG bytes of ``flow`` (H, W, 2) pixels and ``valid`` (H, W) bool."""
    H, W = valid.shape
    image = np.zeros((H, W, 3), np.uint16)  # OpenCV order: B = valid, G = v, R = u
    image[..., 2] = np.rint(flow[..., 0] * FLOW_SCALE + FLOW_OFFSET).clip(0, 65535)
    image[..., 1] = np.rint(flow[..., 1] * FLOW_SCALE + FLOW_OFFSET).clip(0, 65535)
    image[..., 0] = valid
    image[~valid, 1:] = 0
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, png_compression])
    assert ok
    return buf.tobytes()


def decode_flow(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flow (H, W, 2) float32 pixels, valid (H, W) bool) from a KITTI flow PNG read by OpenCV."""
    flow = np.stack([image[..., 2], image[..., 1]], axis=-1).astype(np.float32)
    flow = (flow - FLOW_OFFSET) / FLOW_SCALE
    valid = image[..., 0] > 0
    flow[~valid] = 0.0
    return flow, valid


def warp_ids(ids1: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frame t+1's id map sampled where each pixel of frame t moves to (nearest pixel), and
    whether that lies inside the image: (H, W) ids, (H, W) bool."""
    H, W = ids1.shape
    rows, cols = np.mgrid[0:H, 0:W]
    c1 = np.floor(cols + 0.5 + flow[..., 0]).astype(int)
    r1 = np.floor(rows + 0.5 + flow[..., 1]).astype(int)
    inside = (c1 >= 0) & (c1 < W) & (r1 >= 0) & (r1 < H)
    out = np.zeros_like(ids1)
    out[inside] = ids1[r1[inside], c1[inside]]
    return out, inside
