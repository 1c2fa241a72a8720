"""Procedural defects: each one a mesh of its own, so it gets its own instance id in the id pass.

A defect is either part of the product's surface taken out of the product's mesh (a dent's
displaced faces, a chip's cut faces, a misplaced component), or a decal: a copy of the
product's faces where the defect lies, cut finer and lifted ``DECAL_LIFT`` off the surface, in
the defect's colour (scratches, cracks, stains, misprints, the bare pads of a missing
component, an empty blister pocket). Either way the depth test decides what of it a view sees, so its mask is exactly
its visible part, and a defect the product hides from the camera has no pixels.

Every defect is drawn from ``(kind, severity, seed, aim)``: ``severity`` in [0, 1] scales its
size, ``seed`` its shape, and ``aim`` (a unit vector in the product frame) is the side of the
product it lies on (the defect's faces face within about 70 degrees of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from trimesh.remesh import subdivide_to_size

from simgen.scenes.inspection.products import Component, Product

DEFECTS = ("scratch", "dent", "crack", "chip", "stain", "missing", "misplaced", "misprint")
ALLOWED = {  # the defect kinds each product can carry
    "bottle": ("scratch", "crack", "chip", "stain", "misprint"),
    "can": ("scratch", "dent", "stain", "misprint"),
    "bracket": ("scratch", "dent", "crack", "chip", "stain"),
    "board": ("scratch", "stain", "missing", "misplaced"),
    "blister": ("scratch", "dent", "stain", "missing"),
}
DECAL_LIFT = 0.00015  # metres a decal floats above the product's surface (depth test stays exact)
FACING = 0.35  # a defect's faces have normals with a dot product above this with its aim
PRINTED = ("bottle", "can")  # products with a print that can be misprinted


@dataclass(frozen=True)
class Defect:
    """One defect to build: ``kind`` (one of :data:`DEFECTS`), ``severity`` in [0, 1],
    ``seed`` of its shape, ``aim`` (3,) the side of the product it lies on."""

    kind: str
    severity: float
    seed: int
    aim: tuple[float, float, float]


def _coloured(vertices, faces, colours) -> trimesh.Trimesh:
    rgba = np.column_stack([np.clip(np.rint(np.asarray(colours) * 255), 0, 255), np.full(len(faces), 255)])
    return trimesh.Trimesh(vertices=vertices, faces=faces, face_colors=rgba.astype(np.uint8), process=False)


def repaint(mesh: trimesh.Trimesh, product: Product) -> trimesh.Trimesh:
    """``mesh`` with its faces coloured by the product's paint at their centroids."""
    return _coloured(mesh.vertices, mesh.faces, product.paint(mesh.triangles_center))


def _frame(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit tangents (3,) perpendicular to the unit normal ``n`` and to each other."""
    t1 = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    t1 /= np.linalg.norm(t1)
    return t1, np.cross(n, t1)


def _site(rng: np.random.Generator, mesh: trimesh.Trimesh, aim: np.ndarray,
          allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A point (3,) drawn uniformly over the area of the faces of ``mesh`` that face ``aim``
    (and are in ``allowed``, a face mask), and the face normal (3,) there."""
    ok = mesh.face_normals @ aim > FACING
    if allowed is not None:
        ok &= allowed
    if not ok.any():
        ok = allowed if allowed is not None and allowed.any() else np.ones(len(mesh.faces), bool)
    area = mesh.area_faces * ok
    f = int(rng.choice(len(area), p=area / area.sum()))
    a, b = rng.random(2)
    if a + b > 1:
        a, b = 1 - a, 1 - b
    tri = mesh.triangles[f]
    return tri[0] + a * (tri[1] - tri[0]) + b * (tri[2] - tri[0]), mesh.face_normals[f]


def _refined(mesh: trimesh.Trimesh, centre: np.ndarray, radius: float, size: float) -> tuple[trimesh.Trimesh, np.ndarray]:
    """``mesh`` with its faces that come within ``radius`` of ``centre`` cut until every edge is under ``size``; the mask of the refined faces. Faces outside keep
    their vertices, so the mesh gains T-junctions only at the region's rim, where nothing moves."""
    closest = trimesh.triangles.closest_point(mesh.triangles, np.broadcast_to(centre, (len(mesh.faces), 3)))
    return _refine_faces(mesh, np.linalg.norm(closest - centre, axis=1) < radius, size)


def _refine_faces(mesh: trimesh.Trimesh, mask: np.ndarray, size: float) -> tuple[trimesh.Trimesh, np.ndarray]:
    """``mesh`` with the faces in ``mask`` cut until every edge is under ``size`` (others keep
    their vertices); the mask of the refined faces."""
    if not mask.any():
        return mesh, mask
    v, f = subdivide_to_size(mesh.vertices, mesh.faces[mask], max_edge=size, max_iter=14)
    keep = mesh.faces[~mask]
    refined = trimesh.Trimesh(np.vstack([mesh.vertices, v]), np.vstack([keep, f + len(mesh.vertices)]), process=False)
    out = np.zeros(len(refined.faces), bool)
    out[len(keep):] = True
    return refined, out


def _decal(mesh: trimesh.Trimesh, distance, centre: np.ndarray, normal: np.ndarray, reach: float, size: float,
           colour) -> trimesh.Trimesh | None:
    """A decal: the faces of ``mesh`` within ``reach`` of ``centre`` facing like ``normal``
    whose centroids' tangent coordinates (u, v) (metres, in the frame of :func:`_frame`) have
    ``distance`` ((n, 2) -> (n,) metres outside the shape, <= 0 inside) <= 0, cut to edges
    under ``size`` (first coarsely near the shape, then finely on it), each lifted along its
    own normal; ``colour`` (3,) or a function of (u, v) (n, 2) -> (n, 3)."""
    t1, t2 = _frame(normal)

    def shape(m: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
        d = m.triangles_center - centre
        uv = np.column_stack([d @ t1, d @ t2])
        ok = (m.face_normals @ normal > FACING) & (np.abs(d @ normal) < reach)
        return distance(uv) * np.where(ok, 1.0, np.inf), uv

    coarse = max(8 * size, 0.0015)
    mesh, near = _refined(mesh, centre, reach, coarse)
    gap, _ = shape(mesh)
    mesh, near = _refine_faces(mesh, near & (gap < coarse), size)
    gap, uv = shape(mesh)
    pick = near & (gap <= 0)
    if not pick.any():
        return None
    tris = mesh.triangles[pick] + mesh.face_normals[pick][:, None, :] * DECAL_LIFT
    faces = np.arange(3 * len(tris)).reshape(-1, 3)
    colours = colour(uv[pick]) if callable(colour) else np.tile(colour, (len(tris), 1))
    return _coloured(tris.reshape(-1, 3), faces, colours)


def _polyline_distance(uv: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Distance (n,) of points ``uv`` (n, 2) to the polyline ``pts`` (k, 2)."""
    best = np.full(len(uv), np.inf)
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        ab = b - a
        t = np.clip(((uv - a) @ ab) / max(ab @ ab, 1e-12), 0.0, 1.0)
        best = np.minimum(best, np.linalg.norm(uv - (a + t[:, None] * ab), axis=1))
    return best


def scratch(rng, product: Product, mesh, d: Defect) -> trimesh.Trimesh | None:
    """A thin bent line where the surface is worn bright: 6..26 mm long, 0.5..1.3 mm wide."""
    centre, normal = _site(rng, mesh, np.asarray(d.aim))
    length, width = 0.006 + 0.02 * d.severity, 0.0005 + 0.0008 * d.severity
    angle, bend = rng.uniform(0, np.pi), rng.uniform(-0.3, 0.3) * length
    s = np.linspace(-0.5, 0.5, 12)[:, None] * length
    pts = s * [np.cos(angle), np.sin(angle)] + (bend * (1 - (2 * s / length) ** 2)) * [-np.sin(angle), np.cos(angle)]
    base = product.paint(centre[None])[0]
    bright = 0.35 + 0.65 * base ** 0.5
    return _decal(mesh, lambda uv: _polyline_distance(uv, pts) - width / 2, centre, normal, length, width / 2, bright)


def crack(rng, product: Product, mesh, d: Defect) -> trimesh.Trimesh | None:
    """A dark jagged line with a branch: 6..28 mm long, 0.4..1 mm wide."""
    centre, normal = _site(rng, mesh, np.asarray(d.aim))
    length, width = 0.006 + 0.022 * d.severity, 0.0004 + 0.0006 * d.severity
    steps = rng.normal(0, 0.5, size=(10, 2)) + [3.0, 0.0]
    angle = rng.uniform(0, 2 * np.pi)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    main = np.cumsum(np.vstack([[0, 0], steps]), axis=0) @ turn.T
    main -= main.mean(axis=0)
    main *= length / max(float(np.ptp(main, axis=0).max()), 1e-9)
    k = int(rng.integers(3, 8))
    branch = main[k] + np.cumsum(rng.normal(0, 0.4, size=(4, 2)) + [1.5, 1.5], axis=0) * length / 30 @ turn.T
    branch = np.vstack([main[k], branch])

    def distance(uv):
        return np.minimum(_polyline_distance(uv, main) - width / 2, _polyline_distance(uv, branch) - width / 3)

    return _decal(mesh, distance, centre, normal, length, width / 2, np.array([0.04, 0.035, 0.03]))


def stain(rng, product: Product, mesh, d: Defect) -> trimesh.Trimesh | None:
    """A blot of oil or dirt with a ragged edge: 2..8 mm across its mean radius."""
    centre, normal = _site(rng, mesh, np.asarray(d.aim))
    radius = 0.002 + 0.006 * d.severity
    waves = rng.integers(2, 6, size=3)
    amps, phases = rng.uniform(0.05, 0.2, size=3), rng.uniform(0, 2 * np.pi, size=3)
    tone = np.array([0.22, 0.15, 0.07]) * rng.uniform(0.5, 1.2)

    def distance(uv):
        theta = np.arctan2(uv[:, 1], uv[:, 0])
        edge = radius * (1 + sum(a * np.sin(w * theta + p) for a, w, p in zip(amps, waves, phases, strict=True)))
        return np.linalg.norm(uv, axis=1) - edge

    def colour(uv):  # darker towards the middle
        r = np.linalg.norm(uv, axis=1) / radius
        return tone * (0.6 + 0.4 * np.clip(r, 0, 1))[:, None]

    return _decal(mesh, distance, centre, normal, 1.5 * radius, radius / 6, colour)


def misprint(rng, product: Product, mesh, d: Defect) -> trimesh.Trimesh | None:
    """A block of the print in the wrong colour (smeared or shifted ink): 4..14 by 3..9 mm."""
    lo, hi = product.print_band or (-np.inf, np.inf)
    z = mesh.triangles_center[:, 2]
    printed = (z > lo) & (z < hi)
    centre, normal = _site(rng, mesh, np.asarray(d.aim), allowed=printed)
    half = np.array([0.002 + 0.005 * d.severity, 0.0015 + 0.003 * d.severity])
    ink = np.clip(1.0 - product.paint(centre[None])[0] + rng.normal(0, 0.1, 3), 0.05, 0.95)
    return _decal(mesh, lambda uv: (np.abs(uv) - half).max(axis=1), centre, normal, 2 * half.max(), half.min() / 4, ink)


def dent(rng, product: Product, mesh, d: Defect) -> tuple[trimesh.Trimesh, trimesh.Trimesh | None]:
    """Vertices pushed in within a radius of 3..11 mm, 0.4..1.9 mm deep at the centre with a
    smooth falloff: (the product without the displaced faces, those faces). On a blister
    only its pockets dent (a crushed pocket)."""
    raised = mesh.triangles_center[:, 2] > product.board_top + 1e-4 if product.kind == "blister" else None
    centre, normal = _site(rng, mesh, np.asarray(d.aim), allowed=raised)
    radius = 0.003 + 0.008 * d.severity
    depth = min(0.0004 + 0.0015 * d.severity, radius / 3)
    refined, _ = _refined(mesh, centre, radius * 1.2, radius / 8)
    v = refined.vertices.copy()
    r = np.linalg.norm(v - centre, axis=1)
    facing = np.zeros(len(v), bool)  # only the side the dent is on moves, never the wall behind
    facing[refined.faces[refined.face_normals @ normal > FACING].ravel()] = True
    push = np.where((r < radius) & facing, depth * (1 - (r / radius) ** 2) ** 2, 0.0)
    v -= push[:, None] * normal
    moved = (push > 1e-7)[refined.faces].any(axis=1)
    if not moved.any():
        return mesh, None
    product_part = trimesh.Trimesh(v, refined.faces[~moved], process=False)
    dented = trimesh.Trimesh(v, refined.faces[moved], process=False)
    return product_part, dented


def chip(rng, product: Product, mesh, d: Defect) -> tuple[trimesh.Trimesh, trimesh.Trimesh | None]:
    """A piece broken off an edge: an irregular ball of radius 1.5..5.5 mm cut out of the
    product with a boolean (manifold3d), centred on a convex edge facing ``aim``: (the product
    without the cut faces, the cut faces)."""
    solid = trimesh.Trimesh(mesh.vertices, mesh.faces, process=True)
    aim = np.asarray(d.aim)
    convex = solid.face_adjacency_convex & (solid.face_adjacency_angles > 0.4)
    edges = solid.face_adjacency_edges[convex]
    normals = solid.face_normals[solid.face_adjacency[convex]].sum(axis=1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    ok = normals @ aim > 0.2
    if not ok.any():
        ok = np.ones(len(edges), bool)
    edges, normals = edges[ok], normals[ok]
    lengths = np.linalg.norm(np.diff(solid.vertices[edges], axis=1)[:, 0], axis=1)
    k = int(rng.choice(len(edges), p=lengths / lengths.sum()))
    a, b = solid.vertices[edges[k]]
    centre = a + rng.uniform(0.2, 0.8) * (b - a)
    radius = 0.0015 + 0.004 * d.severity
    ball = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    ball.vertices *= radius * rng.uniform(0.75, 1.25, size=(len(ball.vertices), 1)) ** 0.5
    ball.apply_translation(centre + normals[k] * radius * 0.3)
    cut = trimesh.boolean.difference([solid, ball], engine="manifold")
    # a cut face lies in the plane of a face of the ball and faces the other way (into it)
    planes = np.einsum("ij,ij->i", ball.face_normals, ball.triangles_center)
    offsets = np.abs(cut.triangles_center @ ball.face_normals.T - planes)
    opposed = cut.face_normals @ ball.face_normals.T < -0.999
    on_ball = ((offsets < 1e-7) & opposed).any(axis=1)
    if not on_ball.any():
        return mesh, None
    rest = trimesh.Trimesh(cut.vertices, cut.faces[~on_ball], process=False)
    broken = trimesh.Trimesh(cut.vertices, cut.faces[on_ball], process=False)
    return rest, broken


def pads(c: Component, board_top: float) -> trimesh.Trimesh:
    """The bare tinned pads of a component that is not there: one at each end of its footprint."""
    from simgen.scenes.inspection.products import _box

    length, width, _ = c.size
    pad = (length * 0.22, width * 0.9, 0.0002)
    parts = []
    for end in (-1, 1):
        off = end * (length / 2 - pad[0] / 2)
        xy = (c.centre[0] + off * np.cos(c.yaw), c.centre[1] + off * np.sin(c.yaw))
        parts.append(_box(xy, c.yaw, pad, board_top))
    mesh = trimesh.util.concatenate(parts)
    return _coloured(mesh.vertices, mesh.faces, np.tile([0.78, 0.78, 0.74], (len(mesh.faces), 1)))


def empty_pocket(c: Component, card_top: float) -> trimesh.Trimesh:
    """A blister's pocket without its tablet: the clear dome over the bare card."""
    from simgen.scenes.inspection.products import pocket

    dome = pocket(c, card_top)
    return _coloured(dome.vertices, dome.faces, np.tile([0.93, 0.94, 0.96], (len(dome.faces), 1)))


def moved_component(rng, c: Component, board_top: float, severity: float) -> trimesh.Trimesh:
    """The component shifted by 1.5..5 mm and turned by 10..40 degrees off its place."""
    from simgen.scenes.inspection.products import _box

    shift = (0.0015 + 0.0035 * severity) * np.array([np.cos(a := rng.uniform(0, 2 * np.pi)), np.sin(a)])
    yaw = c.yaw + rng.choice([-1, 1]) * np.deg2rad(10 + 30 * severity)
    box = _box(c.centre + shift, yaw, c.size, board_top + 0.00005)
    return _coloured(box.vertices, box.faces, np.tile(c.color, (len(box.faces), 1)))


DECALS = {"scratch": scratch, "crack": crack, "stain": stain, "misprint": misprint}
CUTS = {"dent": dent, "chip": chip}
