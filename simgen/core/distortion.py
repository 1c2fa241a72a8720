"""Lenses: distorted projection in OpenCV's models, and the remap from a wider pinhole view.

A camera with a :class:`~simgen.core.lens.Lens` is drawn as a wider pinhole view
(:func:`lens_view`: the source camera, ``render_scale`` times the image size, with a focal
length that holds every ray the lens sees) whose pixels are then looked up per image pixel: the
maps hold, for each image pixel centre, the source pixel coordinates its ray meets (computed
once per camera, cached).

Pixel coordinates here are simgen's (pixel (i, j) spans [i, i+1) x [j, j+1)), which is what
OpenCV's projection gives with the same K; ``cv2.remap`` indexes pixel centres at integers, so
its maps are ours less :data:`REMAP_SHIFT` (:func:`simgen.core.camera.remap_coordinates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from simgen.core.camera import REMAP_SHIFT, project, remap_coordinates
from simgen.core.lens import Lens, source_size

# Undistortion is iterative; a pixel whose undistorted ray does not project back within this
# many pixels lies where the lens model folds over (its radial curve turns back).
ROUND_TRIP_PX = 0.01
# OpenCV's fixed-point undistortion: a fixed count first (no error test per step, half the
# cost), then, where the round trip is not met, to convergence.
FAST_ITERATIONS = (cv2.TERM_CRITERIA_COUNT, 20, 0.0)
FULL_ITERATIONS = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 300, 1e-12)
SOURCE_MARGIN_PX = 2.0  # the footprint of the image stays this far inside the source view
CACHED_CAMERAS = 8


class LensError(ValueError):
    """A camera's lens cannot be drawn (it folds over inside the image)."""


def _dist(lens: Lens) -> np.ndarray:
    return np.asarray(lens.dist, float)


def distort_normalized(lens: Lens, K: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Pixel coordinates (n, 2) of normalized image-plane points ``xy`` (n, 2) (x / z, y / z)."""
    return project_through(lens, K, np.column_stack([xy, np.ones(len(xy))]))


def project_through(lens: Lens, K: np.ndarray, points_cam: np.ndarray) -> np.ndarray:
    """Pixel coordinates (n, 2) of camera-frame points (n, 3) (metres, OpenCV axes, z > 0)
    through ``lens``: ``cv2.projectPoints`` or ``cv2.fisheye.projectPoints`` with ``K``."""
    pts = np.ascontiguousarray(np.asarray(points_cam, float).reshape(-1, 1, 3))
    if len(pts) == 0:
        return np.zeros((0, 2))
    zero = np.zeros(3)
    if lens.model == "fisheye":
        uv, _ = cv2.fisheye.projectPoints(pts, zero, zero, np.asarray(K, float), _dist(lens))
    else:
        uv, _ = cv2.projectPoints(pts, zero, zero, np.asarray(K, float), _dist(lens))
    return uv.reshape(-1, 2)


def undistort(lens: Lens, K: np.ndarray, uv: np.ndarray, criteria=FULL_ITERATIONS) -> np.ndarray:
    """Normalized image-plane points (n, 2) (x / z, y / z) whose projection through ``lens`` is
    the pixel coordinates ``uv`` (n, 2): OpenCV's iterative undistortion."""
    src = np.ascontiguousarray(np.asarray(uv, float).reshape(-1, 1, 2))
    K = np.asarray(K, float)
    if lens.model == "fisheye":
        xy = cv2.fisheye.undistortPoints(src, K, _dist(lens), criteria=criteria)
    else:
        xy = cv2.undistortPoints(src, K, _dist(lens), R=None, P=None, criteria=criteria)
    return xy.reshape(-1, 2)


@dataclass(frozen=True)
class LensView:
    """How one lens camera is drawn: the source pinhole ``K`` (3, 3) of a ``size`` (w, h) view,
    the remap of image pixels into it (``map_x``, ``map_y``: (H, W) float32, ``cv2.remap``
    coordinates; ``rows``, ``cols``: (H, W) int source pixel each image pixel takes for
    nearest-neighbour passes; ``inside``: (H, W) bool, that pixel lies in the source view) and
    ``bounds``: the normalized (x0, y0, x1, y1) extent of the rays the image sees."""

    K: np.ndarray
    size: tuple[int, int]
    map_x: np.ndarray
    map_y: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    inside: np.ndarray
    bounds: tuple[float, float, float, float]

    def nearest(self, array: np.ndarray, fill=0) -> np.ndarray:
        """``array`` (h, w, ...) of the source view looked up at each image pixel's nearest
        source pixel: ids, depth, masks, normals (exact values, no blending)."""
        out = array[self.rows, self.cols]
        if not self.inside.all():
            out[~self.inside] = fill
        return out

    def bilinear(self, image: np.ndarray) -> np.ndarray:
        """``image`` (h, w[, c]) of the source view sampled bilinearly at each image pixel."""
        return cv2.remap(image, self.map_x, self.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _key(K: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.asarray(K, float)).tobytes()


def lens_view(lens: Lens, K: np.ndarray, width: int, height: int) -> LensView:
    """The :class:`LensView` of a ``width`` x ``height`` image through ``lens`` with ``K``
    (cached for the last :data:`CACHED_CAMERAS` cameras); raises :class:`LensError` where the
    lens folds over inside the image."""
    return _lens_view(lens, _key(K), width, height)


RADIAL_SAMPLES = 20001  # of the angle off the axis, 0..RADIAL_MAX_DEG, for the radial table
RADIAL_MAX_DEG = 89.5


def radial(lens: Lens) -> bool:
    """Whether ``lens`` moves points along their radius only (fisheye; opencv without p1, p2):
    then one table of its radial curve undistorts every pixel of every focal length."""
    return lens.model == "fisheye" or (lens.dist[2] == 0.0 and lens.dist[3] == 0.0)


@lru_cache(maxsize=CACHED_CAMERAS)
def radial_table(lens: Lens) -> tuple[np.ndarray, np.ndarray]:
    """(distorted radius, radius) (n,) each, of normalized image-plane points, rising: the
    lens's radial curve as OpenCV projects it (points (tan a, 0, 1) for angles a off the axis),
    up to where it stops rising (past it the model folds over)."""
    r = np.tan(np.deg2rad(np.linspace(0.0, RADIAL_MAX_DEG, RADIAL_SAMPLES)))
    rd = project_through(lens, np.eye(3), np.column_stack([r, np.zeros_like(r), np.ones_like(r)]))[:, 0]
    falls = np.flatnonzero(~(np.diff(rd) > 0))
    end = falls[0] + 1 if len(falls) else len(r)
    return rd[:end], r[:end]


def undistort_radial(lens: Lens, K: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """:func:`undistort` of a :func:`radial` lens by its :func:`radial_table` (linear between
    samples 0.0045 degrees apart: far below a thousandth of a pixel); points past the table's
    end give nan (the lens folds over before reaching them)."""
    xd = (uv[:, 0] - K[0, 2]) / K[0, 0]
    yd = (uv[:, 1] - K[1, 2]) / K[1, 1]
    rd = np.hypot(xd, yd)
    table_rd, table_r = radial_table(lens)
    r = np.interp(rd, table_rd, table_r, right=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(rd > 0, r / rd, 1.0)
    return np.column_stack([xd * scale, yd * scale])


def _round_trip(lens: Lens, K: np.ndarray, xy: np.ndarray, uv: np.ndarray, width: int, height: int) -> float:
    """Largest pixel error of undistorted ``xy`` (n, 2) projected back onto pixel centres ``uv``
    (n, 2), over the image's outer rows and columns, where a monotone lens is furthest from the
    axis and undistortion converges slowest (inf where it did not give numbers)."""
    border = np.zeros((height, width), bool)
    border[[0, -1], :] = border[:, [0, -1]] = True
    ring = border.ravel()
    if not np.isfinite(xy).all():
        return np.inf
    back = distort_normalized(lens, K, xy[ring])
    return float(np.abs(back - uv[ring]).max()) if np.isfinite(back).all() else np.inf


@lru_cache(maxsize=CACHED_CAMERAS)
def _lens_view(lens: Lens, key: bytes, width: int, height: int) -> LensView:
    K = np.frombuffer(key).reshape(3, 3)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    uv = np.column_stack([cols.ravel(), rows.ravel()])
    xy = undistort_radial(lens, K, uv) if radial(lens) else undistort(lens, K, uv, FAST_ITERATIONS)
    error = _round_trip(lens, K, xy, uv, width, height)
    if error > ROUND_TRIP_PX:
        xy = undistort(lens, K, uv, FULL_ITERATIONS)
        error = _round_trip(lens, K, xy, uv, width, height)
    if error > ROUND_TRIP_PX:
        raise LensError(f"the {lens.model} lens {list(lens.dist)} folds over inside the {width}x{height} image "
                        f"(fx {K[0, 0]:.1f}): its rays cannot be traced back (round trip {error:.3g} px)")
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    sw, sh = source_size(width, height, lens.render_scale)
    fx, fy = float(K[0, 0]), float(K[1, 1])
    scale = min((sw - 2 * SOURCE_MARGIN_PX) / ((x1 - x0) * fx), (sh - 2 * SOURCE_MARGIN_PX) / ((y1 - y0) * fy))
    sfx, sfy = scale * fx, scale * fy  # the source keeps the image's aspect of a pixel
    Ks = np.array([[sfx, 0.0, sw / 2.0 - sfx * (x0 + x1) / 2.0], [0.0, sfy, sh / 2.0 - sfy * (y0 + y1) / 2.0], [0, 0, 1.0]])
    su, sv = xy[:, 0] * sfx + Ks[0, 2], xy[:, 1] * sfy + Ks[1, 2]  # source pixel coordinates
    map_x, map_y = (a.reshape(height, width).astype(np.float32) for a in remap_coordinates(su, sv))
    c, r = np.floor(su).astype(int).reshape(height, width), np.floor(sv).astype(int).reshape(height, width)
    inside = (c >= 0) & (c < sw) & (r >= 0) & (r < sh)
    return LensView(K=Ks, size=(sw, sh), map_x=map_x, map_y=map_y, rows=np.clip(r, 0, sh - 1).astype(np.int32),
                    cols=np.clip(c, 0, sw - 1).astype(np.int32), inside=inside, bounds=(float(x0), float(y0), float(x1), float(y1)))


def footprint(lens: Lens, K: np.ndarray, width: int, height: int) -> np.ndarray:
    """(h, w) bool of the source view of :func:`lens_view`: the pixels whose centre lies inside
    the image's border traced back through the lens (cached like the view)."""
    return _footprint(lens, _key(K), width, height)


@lru_cache(maxsize=CACHED_CAMERAS)
def _footprint(lens: Lens, key: bytes, width: int, height: int) -> np.ndarray:
    K = np.frombuffer(key).reshape(3, 3)
    view = _lens_view(lens, key, width, height)
    Ks, size = view.K, view.size
    n = 4 * (width + height)
    t = np.linspace(0.0, 1.0, n // 4, endpoint=False)
    edge = np.vstack([np.column_stack([t * width, np.zeros_like(t)]), np.column_stack([np.full_like(t, width), t * height]),
                      np.column_stack([width - t * width, np.full_like(t, height)]), np.column_stack([np.zeros_like(t), height - t * height])])
    xy = undistort(lens, K, edge)
    su, sv = remap_coordinates(xy[:, 0] * Ks[0, 0] + Ks[0, 2], xy[:, 1] * Ks[1, 1] + Ks[1, 2])
    shift = 4  # fixed-point bits of cv2.fillPoly's vertices
    poly = np.round(np.column_stack([su, sv]) * (1 << shift)).astype(np.int32)
    mask = np.zeros((size[1], size[0]), np.uint8)
    cv2.fillPoly(mask, [poly], 1, lineType=cv2.LINE_8, shift=shift)
    return mask.astype(bool)


def project_camera(K: np.ndarray, lens: Lens | None, width: int, height: int,
                   points_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (n, 2) of camera-frame points (n, 3) and whether each is in view
    (n,) bool: in front of the camera and, through a lens, within the rays the image sees (a
    lens model folds back past them, so a point far off the axis could land in the image)."""
    p = np.asarray(points_cam, float).reshape(-1, 3)
    front = p[:, 2] > 1e-9
    uv = np.zeros((len(p), 2))
    if lens is None:
        uv[front] = project(K, p[front])
        return uv, front
    x0, y0, x1, y1 = lens_view(lens, K, width, height).bounds
    xy = np.zeros((len(p), 2))
    xy[front] = p[front, :2] / p[front, 2:3]
    ok = front & (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    uv[ok] = distort_normalized(lens, K, xy[ok])
    return uv, ok


def centre_rays(lens: Lens, K: np.ndarray, width: int, height: int) -> np.ndarray:
    """Normalized image-plane points (H, W, 2) (x / z, y / z) each pixel centre sees through
    ``lens``: read off the cached :func:`lens_view` (float32 maps: about 1e-5 px)."""
    view = lens_view(lens, K, width, height)
    su, sv = view.map_x.astype(float) + REMAP_SHIFT, view.map_y.astype(float) + REMAP_SHIFT
    return np.stack([(su - view.K[0, 2]) / view.K[0, 0], (sv - view.K[1, 2]) / view.K[1, 1]], axis=-1)
