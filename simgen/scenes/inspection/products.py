"""Procedural products for inspection: a bottle, a can, a machined bracket, a circuit board, a
blister pack.

Each product is built from one integer seed in its own link frame: centred on the z axis, its
bottom face on z = 0, metres. A :class:`Product` carries a closed mesh (bottle, can and bracket
are watertight, so a chip can be cut out of them with a boolean) and a ``paint`` function that
gives the colour of any surface point (a bottle's label band, a can's print), so faces that a
defect cuts or displaces are coloured again from their new positions. A board also lists its
components, which a defect can leave out or move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import trimesh

PRODUCTS = ("bottle", "can", "bracket", "board", "blister")
SECTIONS = 64  # facets around a bottle or a can

Paint = Callable[[np.ndarray], np.ndarray]  # (n, 3) points, metres -> (n, 3) RGB in [0, 1]


@dataclass(frozen=True)
class Component:
    """A board component: a box of ``size`` (l, w, h, metres) standing at ``centre`` (x, y on
    the board top), turned by ``yaw`` radians, of colour ``color``."""

    centre: tuple[float, float]
    yaw: float
    size: tuple[float, float, float]
    color: tuple[float, float, float]


@dataclass
class Product:
    """One product: ``mesh`` (its faces, link frame), ``paint``, and for a board its ``components`` (drawn into ``mesh`` unless left out) on the
    board's top face at ``board_top``. ``watertight``: booleans may cut it. ``print_band``: the
    z range of its printed label (bottle, can), where a misprint can be."""

    kind: str
    mesh: trimesh.Trimesh
    paint: Paint
    watertight: bool
    components: list[Component] = field(default_factory=list)
    board_top: float = 0.0
    print_band: tuple[float, float] | None = None  # z range (m) of a printed label, if any


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    import colorsys

    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v))


def _revolved(profile: list[tuple[float, float]], step: float) -> trimesh.Trimesh:
    """A closed solid of revolution about z from a profile of (radius, z) points that starts
    and ends on the axis; straight runs are cut every ``step`` metres so decals and dents find
    fine faces."""
    pts = [profile[0]]
    for a, b in zip(profile[:-1], profile[1:], strict=True):
        n = max(1, int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1]) / step)))
        for t in np.linspace(0, 1, n + 1)[1:]:
            pts.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return trimesh.creation.revolve(np.array(pts), sections=SECTIONS)


def bottle(rng: np.random.Generator) -> Product:
    """A PET bottle: body, shoulder, neck and cap, with a printed label band on the body."""
    r = rng.uniform(0.025, 0.035)
    h = rng.uniform(0.10, 0.14)
    neck_r, neck_h = r * rng.uniform(0.35, 0.45), rng.uniform(0.018, 0.026)
    shoulder = h * rng.uniform(0.62, 0.72)
    top = h + neck_h
    profile = [(0.0, 0.0), (r * 0.92, 0.0), (r, 0.004), (r, shoulder), (neck_r, h), (neck_r, top - 0.004),
               (neck_r * 0.9, top), (0.0, top)]
    mesh = _revolved(profile, 0.004)
    band = (rng.uniform(0.18, 0.3) * h, rng.uniform(0.5, 0.6) * h)
    glass = _hsv(rng.uniform(0.25, 0.6), rng.uniform(0.2, 0.6), rng.uniform(0.45, 0.8))
    label, ink = _hsv(rng.uniform(), rng.uniform(0.5, 0.9), rng.uniform(0.7, 1.0)), _hsv(rng.uniform(), 0.8, 0.35)
    cap = _hsv(rng.uniform(), rng.uniform(0.4, 0.9), rng.uniform(0.4, 0.9))
    stripe = band[0] + (band[1] - band[0]) * np.array([0.4, 0.55])

    def paint(p: np.ndarray) -> np.ndarray:
        z = p[:, 2]
        out = np.tile(glass, (len(p), 1))
        on_band = (z >= band[0]) & (z <= band[1])
        out[on_band] = label
        out[on_band & (z >= stripe[0]) & (z <= stripe[1])] = ink
        out[z >= top - 0.012] = cap
        return out

    return Product("bottle", mesh, paint, watertight=True, print_band=band)


def can(rng: np.random.Generator) -> Product:
    """A drinks can: a printed side between bare metal rims."""
    r, h = rng.uniform(0.028, 0.034), rng.uniform(0.09, 0.125)
    profile = [(0.0, 0.0), (r * 0.8, 0.0), (r, 0.008), (r, h - 0.01), (r * 0.85, h - 0.002), (r * 0.85, h),
               (0.0, h)]
    mesh = _revolved(profile, 0.004)
    base, second = _hsv(rng.uniform(), rng.uniform(0.5, 0.95), rng.uniform(0.5, 0.9)), _hsv(rng.uniform(), 0.3, 0.95)
    metal = np.array([0.8, 0.8, 0.82])
    wave_phase = rng.uniform(0, 2 * np.pi)

    def paint(p: np.ndarray) -> np.ndarray:
        z, theta = p[:, 2], np.arctan2(p[:, 1], p[:, 0])
        out = np.tile(metal, (len(p), 1))
        side = (z > 0.009) & (z < h - 0.011)
        out[side] = base
        wave = h * (0.5 + 0.15 * np.sin(2 * theta + wave_phase))
        out[side & (np.abs(z - wave) < 0.008)] = second
        return out

    return Product("can", mesh, paint, watertight=True, print_band=(0.009, h - 0.011))


def bracket(rng: np.random.Generator) -> Product:
    """A machined L bracket: a base plate and an upright flange, each with bolt holes."""
    length, width = rng.uniform(0.06, 0.09), rng.uniform(0.04, 0.06)
    t, flange_h = rng.uniform(0.005, 0.008), rng.uniform(0.03, 0.05)
    base = trimesh.creation.box((length, width, t))
    base.apply_translation((0, 0, t / 2))
    upright = trimesh.creation.box((t, width, flange_h))
    upright.apply_translation((-length / 2 + t / 2, 0, flange_h / 2))
    solid = trimesh.boolean.union([base, upright], engine="manifold")
    hole_r = rng.uniform(0.003, 0.0045)
    holes = []
    for y in (-width / 4, width / 4):
        c = trimesh.creation.cylinder(radius=hole_r, height=3 * t, sections=24)
        c.apply_translation((length / 4, y, t / 2))
        holes.append(c)
    c = trimesh.creation.cylinder(radius=hole_r, height=3 * t, sections=24)
    c.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (0, 1, 0)))
    c.apply_translation((-length / 2 + t / 2, 0, flange_h * 0.65))
    holes.append(c)
    mesh = trimesh.boolean.difference([solid, *holes], engine="manifold")
    metal = np.full(3, rng.uniform(0.55, 0.8)) * _hsv(rng.uniform(0.5, 0.65), rng.uniform(0.0, 0.12), 1.0)

    def paint(p: np.ndarray) -> np.ndarray:
        return np.tile(metal, (len(p), 1))

    return Product("bracket", mesh, paint, watertight=True)


def _box(centre_xy, yaw: float, size, z0: float) -> trimesh.Trimesh:
    box = trimesh.creation.box(size)
    box.apply_translation((0, 0, size[2] / 2))
    box.apply_transform(trimesh.transformations.rotation_matrix(yaw, (0, 0, 1)))
    box.apply_translation((centre_xy[0], centre_xy[1], z0))
    return box


def board_components(rng: np.random.Generator, length: float, width: float) -> list[Component]:
    """Chips, capacitors and resistors on a grid of free cells of the board."""
    cols, rows = 4, 3
    out = []
    for i in range(cols):
        for j in range(rows):
            if rng.random() < 0.25:
                continue
            cx = (i + 0.5) / cols * length - length / 2
            cy = (j + 0.5) / rows * width - width / 2
            kind = rng.integers(3)
            cell = min(length / cols, width / rows)
            if kind == 0:  # a chip
                size = (cell * rng.uniform(0.5, 0.75), cell * rng.uniform(0.4, 0.6), 0.0015)
                color = (0.05, 0.05, 0.06)
            elif kind == 1:  # a capacitor
                size = (cell * 0.35, cell * 0.35, cell * rng.uniform(0.3, 0.5))
                color = tuple(_hsv(rng.uniform(0.55, 0.7), 0.6, 0.5))
            else:  # a resistor
                size = (cell * 0.45, cell * 0.2, 0.001)
                color = (0.55, 0.45, 0.3)
            out.append(Component((cx, cy), float(rng.choice([0.0, np.pi / 2])), size, color))
    if not out:
        out.append(Component((0.0, 0.0), 0.0, (0.01, 0.008, 0.0015), (0.05, 0.05, 0.06)))
    return out


def board(rng: np.random.Generator, leave_out: frozenset[int] = frozenset()) -> Product:
    """A circuit board with its components (those in ``leave_out`` not drawn)."""
    length, width, t = rng.uniform(0.07, 0.1), rng.uniform(0.05, 0.07), 0.0016
    green = _hsv(rng.uniform(0.3, 0.4), rng.uniform(0.6, 0.9), rng.uniform(0.25, 0.45))
    slab = trimesh.creation.box((length, width, t))
    slab.apply_translation((0, 0, t / 2))
    slab.visual.face_colors = np.append(green * 255, 255).astype(np.uint8)
    components = board_components(rng, length, width)
    parts = [slab]
    for k, c in enumerate(components):
        if k in leave_out:
            continue
        box = _box(c.centre, c.yaw, c.size, t)
        box.visual.face_colors = np.append(np.asarray(c.color) * 255, 255).astype(np.uint8)
        parts.append(box)
    mesh = trimesh.util.concatenate(parts)
    drawn = [c for k, c in enumerate(components) if k not in leave_out]

    def paint(p: np.ndarray) -> np.ndarray:  # a component's colour on and above its footprint
        out = np.tile(green, (len(p), 1))
        for c in drawn:
            d = p[:, :2] - c.centre
            along = d @ [np.cos(c.yaw), np.sin(c.yaw)]
            across = d @ [-np.sin(c.yaw), np.cos(c.yaw)]
            on = (np.abs(along) <= c.size[0] / 2 + 1e-6) & (np.abs(across) <= c.size[1] / 2 + 1e-6) & (p[:, 2] > t + 1e-6)
            out[on] = c.color
        return out

    return Product("board", mesh, paint, watertight=False, components=components, board_top=t)


def pocket(c: Component, card_top: float) -> trimesh.Trimesh:
    """A blister's pocket: a closed half-ellipsoid dome of footprint radius ``c.size[0] / 2``
    and height ``c.size[2]`` standing on the card at ``c.centre``."""
    r, h = c.size[0] / 2, c.size[2]
    theta = np.linspace(0.0, np.pi / 2, 9)[:-1]
    profile = [(0.0, 0.0), *zip(r * np.cos(theta), h * np.sin(theta), strict=True), (0.0, h)]
    dome = trimesh.creation.revolve(np.array(profile), sections=24)
    dome.apply_translation((c.centre[0], c.centre[1], card_top))
    return dome


def blister(rng: np.random.Generator, leave_out: frozenset[int] = frozenset()) -> Product:
    """A blister pack: a card with rows of clear pockets, each showing its tablet (the
    raster has no transparency: a pocket takes its tablet's colour, lightened by the plastic)."""
    cols, rows = int(rng.integers(4, 6)), int(rng.integers(2, 4))
    pitch = rng.uniform(0.014, 0.018)
    length, width, t = cols * pitch + 0.012, rows * pitch + 0.02, 0.0008
    card = np.array([0.85, 0.85, 0.88]) * rng.uniform(0.9, 1.0)
    tablet = 0.25 + 0.75 * _hsv(rng.uniform(), rng.uniform(0.0, 0.6), rng.uniform(0.85, 1.0))
    r, h = pitch * rng.uniform(0.3, 0.4), pitch * rng.uniform(0.2, 0.3)
    pockets = [Component((-length / 2 + 0.006 + (i + 0.5) * pitch, -width / 2 + 0.006 + (j + 0.5) * pitch), 0.0,
                         (2 * r, 2 * r, h), tuple(tablet)) for i in range(cols) for j in range(rows)]
    slab = trimesh.creation.box((length, width, t))
    slab.apply_translation((0, 0, t / 2))
    parts = [slab] + [pocket(c, t) for k, c in enumerate(pockets) if k not in leave_out]
    mesh = trimesh.util.concatenate(parts)

    def paint(p: np.ndarray) -> np.ndarray:
        out = np.tile(card, (len(p), 1))
        for c in pockets:
            on = (np.hypot(p[:, 0] - c.centre[0], p[:, 1] - c.centre[1]) <= r + 1e-6) & (p[:, 2] > t + 1e-6)
            out[on] = tablet
        return out

    mesh = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    return Product("blister", mesh, paint, watertight=False, components=pockets, board_top=t)


BUILDERS = {"bottle": bottle, "can": can, "bracket": bracket, "board": board, "blister": blister}


@lru_cache(maxsize=16)
def make_product(kind: str, seed: int, leave_out: frozenset[int] = frozenset()) -> Product:
    """Product ``kind`` of ``seed`` (its sizes and colours); a board leaves out the components
    ``leave_out`` (a blister its pockets). Cached: callers copy its mesh before changing it."""
    rng = np.random.default_rng(int(seed))
    if kind in ("board", "blister"):
        return BUILDERS[kind](rng, leave_out)
    return BUILDERS[kind](rng)
