"""Road users and signals built from trimesh parts, with the dimensions they are asked for.

Every builder takes ``size = (L, W, H, ...)``: length along the link x axis (the way it faces
or travels), width along y, height along z, in metres, then colour parameters. The link frame's
origin is the centre of the bottom face: the body stands on the ground at its pose, and the
mesh bounds are exactly ``[-L/2, L/2] x [-W/2, W/2] x [0, H]`` (so a 3D box is the object's
size). Colours are RGB in [0, 1], linear.
"""

from __future__ import annotations

import numpy as np

from simgen.assets.procedural import Parts, fit_bounds, register

GLASS = (0.04, 0.05, 0.07)
TYRE = (0.03, 0.03, 0.03)
CHASSIS = (0.05, 0.05, 0.05)
HEADLIGHT = (0.95, 0.92, 0.8)
TAILLIGHT = (0.7, 0.02, 0.02)
WHITE = (0.92, 0.92, 0.92)
SIGN_RED = (0.75, 0.03, 0.03)
SIGN_BLUE = (0.02, 0.12, 0.6)
SIGN_YELLOW = (0.9, 0.7, 0.05)
METAL_BACK = (0.45, 0.45, 0.45)
INSET = 0.02  # metres a body panel sits inside the outermost part: no coplanar faces


def _rgb(values) -> tuple[float, float, float]:
    r, g, b = (float(np.clip(v, 0.0, 1.0)) for v in values[:3])
    return r, g, b


def _wheels(parts: Parts, xs, W: float, radius: float, width: float) -> None:
    for x in xs:
        for side in (-1.0, 1.0):
            y_out = side * W / 2
            parts.cylinder((x, y_out - side * width, radius), (x, y_out, radius), radius, TYRE, sections=20)


def _lamps(parts: Parts, L: float, W: float, z0: float, z1: float) -> None:
    """Head lamps at the front (+x) face and tail lamps at the back, reaching ``±L/2``."""
    for side in (-1.0, 1.0):
        y0, y1 = sorted((side * (W / 2 - INSET - 0.05), side * (W / 2 - INSET - 0.3)))
        parts.box((L / 2 - INSET - 0.01, y0, z0), (L / 2, y1, z1), HEADLIGHT)
        parts.box((-L / 2, y0, z0), (-L / 2 + INSET + 0.01, y1, z1), TAILLIGHT)


# Where a road user's main colour lies in its parameters (paint, shirt, frame): the white
# material leaves the look to the face colours, and the report counts colours from here.
PAINT = slice(3, 6)


@register("car", paint=PAINT)
def car(size) -> object:
    """Saloon car: (L, W, H, paint r, g, b)."""
    L, W, H = size[:3]
    paint = _rgb(size[3:6])
    parts = Parts()
    r = float(np.clip(0.21 * H, 0.26, 0.36))
    zb, belt, nose = 0.12 * H, 0.6 * H, 0.47 * H
    xf, xr, yb = L / 2 - INSET, -L / 2 + INSET, W / 2 - INSET
    body = [(x, y, z) for y in (-yb, yb) for x, z in ((xr, zb), (xr, belt), (xf, zb + 0.05), (xf, nose), (0.25 * L, belt))]
    parts.hull(body, paint)
    top = H - 0.04
    cabin = [(x, y * s, z) for s in (-1, 1) for x, y, z in ((-0.4 * L, 0.46 * W, belt), (0.2 * L, 0.46 * W, belt),
                                                            (-0.3 * L, 0.39 * W, top), (-0.02 * L, 0.39 * W, top))]
    parts.hull(cabin, GLASS)
    parts.box((-0.3 * L - 0.01, -0.39 * W - 0.01, top - 0.01), (-0.02 * L + 0.01, 0.39 * W + 0.01, H), paint)
    _wheels(parts, (-0.31 * L, 0.3 * L), W, r, 0.2)
    _lamps(parts, L, W, nose - 0.16, nose - 0.04)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("van", paint=PAINT)
def van(size) -> object:
    """Van or minibus: (L, W, H, paint r, g, b)."""
    L, W, H = size[:3]
    paint = _rgb(size[3:6])
    parts = Parts()
    r = float(np.clip(0.17 * H, 0.3, 0.38))
    zb, belt = 0.13 * H, 0.5 * H
    xf, xr, yb = L / 2 - INSET, -L / 2 + INSET, W / 2 - INSET
    nose_x = xf - 0.12 * L
    parts.hull([(x, y, z) for y in (-yb, yb) for x, z in ((xr, zb), (xr, belt), (xf, zb + 0.05), (xf, belt - 0.1), (nose_x, belt))], paint)
    parts.box((xr, -yb, belt), (nose_x, yb, H), paint)
    parts.hull([(x, y, z) for y in (-yb + 0.02, yb - 0.02) for x, z in ((nose_x - 0.01, belt), (xf - 0.02, belt), (nose_x - 0.01, H - 0.08), (nose_x + 0.1 * L, H - 0.08))], GLASS)
    for side in (-1.0, 1.0):
        y0, y1 = sorted((side * (yb - 0.01), side * (yb + 0.01)))
        parts.box((nose_x - 0.35 * L, y0, belt + 0.12), (nose_x - 0.02, y1, H - 0.2), GLASS)
    _wheels(parts, (-0.32 * L, 0.3 * L), W, r, 0.22)
    _lamps(parts, L, W, belt - 0.25, belt - 0.12)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("truck", paint=PAINT)
def truck(size) -> object:
    """Box truck: (L, W, H, cab paint r, g, b); the cargo box is a pale tint of the paint."""
    L, W, H = size[:3]
    paint = _rgb(size[3:6])
    cargo = _rgb(0.75 + 0.25 * np.asarray(paint))
    parts = Parts()
    r = 0.5
    cab = min(2.3, 0.32 * L)
    xf, xr, yb = L / 2 - INSET, -L / 2, W / 2 - INSET
    cab_top = min(H - 0.2, 2.9)
    parts.box((xf - cab, -yb, 0.55), (xf, yb, cab_top), paint)
    parts.box((xf - 0.02, -yb + 0.1, 0.55 * cab_top + 0.5), (L / 2, yb - 0.1, cab_top - 0.15), GLASS)
    parts.box((xr, -yb + 0.01, 0.95), (xf - cab - 0.15, yb - 0.01, H), cargo)
    parts.box((xr + 0.3, -0.4 * W, 0.45), (xf - 0.3, 0.4 * W, 0.95), CHASSIS)
    axles = [xf - 0.6 * cab, xr + 1.3] + ([xr + 2.6] if L > 8.0 else [])
    _wheels(parts, axles, W, r, 0.3)
    _lamps(parts, L, W, 0.7, 0.85)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("bus", paint=PAINT)
def bus(size) -> object:
    """City bus: (L, W, H, paint r, g, b) with a band of windows along both sides."""
    L, W, H = size[:3]
    paint = _rgb(size[3:6])
    parts = Parts()
    r = 0.5
    xf, xr, yb = L / 2 - INSET, -L / 2 + INSET, W / 2 - INSET
    parts.box((xr, -yb, 0.3), (xf, yb, H), paint)
    for side in (-1.0, 1.0):
        y0, y1 = sorted((side * (yb - 0.01), side * (W / 2 - 0.005)))
        parts.box((xr + 0.4, y0, 0.5 * H), (xf - 0.3, y1, 0.87 * H), GLASS)
    parts.box((xf - 0.01, -yb + 0.1, 0.35 * H), (L / 2, yb - 0.1, 0.9 * H), GLASS)
    parts.box((-L / 2, -yb + 0.2, 0.6 * H), (xr + 0.01, yb - 0.2, 0.85 * H), GLASS)
    _wheels(parts, (xf - 2.6, xr + 3.0), W, r, 0.3)
    _lamps(parts, L, W, 0.6, 0.75)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


def _limb(parts: Parts, top, bottom, half: float, color) -> None:
    """A limb as the hull of two small squares (metres) around its ends."""
    pts = [(c[0] + dx, c[1] + dy, c[2]) for c in (top, bottom) for dx in (-half, half) for dy in (-half, half)]
    parts.hull(pts, color)


@register("pedestrian", paint=PAINT)
def pedestrian(size) -> object:
    """Walking person: (L, W, H, shirt r, g, b, trousers r, g, b, skin tone).

    L is the stride (front toe to back heel), W the width across the arms.
    """
    L, W, H = size[:3]
    shirt, trousers = _rgb(size[3:6]), _rgb(size[6:9])
    tone = float(size[9]) if len(size) > 9 else 0.5
    skin = _rgb(np.array([0.85, 0.62, 0.5]) * (0.35 + 0.65 * tone))
    parts = Parts()
    head_r = 0.062 * H
    hip, shoulder = 0.5 * H, 0.81 * H
    torso_half = 0.3 * W
    step = max(L / 2 - 0.13, 0.0)
    for side, x in ((-1.0, step), (1.0, -step)):  # left foot forward, right foot back
        y = side * 0.1 * W
        _limb(parts, (0.0, y, hip), (x, y, 0.09), 0.06, trousers)
        parts.box((x - 0.13, y - 0.05, 0.0), (x + 0.13, y + 0.05, 0.09), CHASSIS)
    parts.box((-0.11, -torso_half, hip - 0.03), (0.11, torso_half, shoulder), shirt)
    swing = min(0.6 * step, L / 2 - 0.05)
    for side, x in ((-1.0, -swing), (1.0, swing)):  # arms swing against the legs
        y = side * (W / 2 - 0.045)
        _limb(parts, (0.0, y, shoulder - 0.02), (x, y, 0.47 * H), 0.045, shirt)
        parts.sphere((x, y, 0.46 * H), 0.045, skin, subdivisions=1)
    parts.cylinder((0.0, 0.0, shoulder - 0.01), (0.0, 0.0, H - 2 * head_r + 0.01), 0.045, skin, sections=10)
    parts.sphere((0.01, 0.0, H - head_r), head_r, skin, subdivisions=2)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("cyclist", paint=PAINT)
def cyclist(size) -> object:
    """Person riding a bicycle: (L, W, H, frame r, g, b, shirt r, g, b); W is the handlebar."""
    L, W, H = size[:3]
    frame, shirt = _rgb(size[3:6]), _rgb(size[6:9])
    parts = Parts()
    rw = float(np.clip(L / 5.2, 0.28, 0.36))
    rear, front = -L / 2 + rw, L / 2 - rw
    for x in (rear, front):
        parts.cylinder((x, -0.025, rw), (x, 0.025, rw), rw, TYRE, sections=24)
    crank = (rear + 0.42 * (front - rear), 0.0, 0.3)
    seat = (rear + 0.28 * (front - rear), 0.0, 0.55 * H)
    bar = (front - 0.12, 0.0, 0.58 * H)
    for a, b in (((rear, 0, rw), crank), ((rear, 0, rw), seat), (seat, crank), (crank, bar), (bar, (front, 0, rw)), (seat, bar)):
        parts.cylinder(a, b, 0.02, frame, sections=8)
    parts.cylinder((bar[0], -W / 2, bar[2]), (bar[0], W / 2, bar[2]), 0.018, CHASSIS, sections=8)
    head_r = 0.065 * H
    shoulder = (bar[0] - 0.3, 0.0, H - 2 * head_r - 0.02)
    parts.hull([(p[0] + dx, dy, p[2] + dz) for p in (seat, shoulder) for dx in (-0.1, 0.1) for dy in (-0.16, 0.16) for dz in (0.0, 0.05)], shirt)
    parts.sphere((shoulder[0] + 0.1, 0.0, H - head_r), head_r, (0.6, 0.45, 0.38), subdivisions=2)
    for side in (-1.0, 1.0):
        _limb(parts, (shoulder[0], side * 0.18, shoulder[2]), (bar[0], side * (W / 2 - 0.06), bar[2]), 0.035, shirt)
        foot = (crank[0] + side * 0.15, side * 0.12, crank[2] - side * 0.1)
        _limb(parts, (seat[0], side * 0.1, seat[2]), foot, 0.055, CHASSIS)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


def _polygon(kind: int, W: float, H: float, inset: float) -> np.ndarray:
    """(n, 2) outline (y, z) of a sign face, ``inset`` metres inside the full outline."""
    cy, cz = 0.0, H / 2
    if kind == 0:  # round
        a = np.linspace(0, 2 * np.pi, 28, endpoint=False)
        return np.stack([cy + (W / 2 - inset) * np.cos(a), cz + (H / 2 - inset) * np.sin(a)], axis=1)
    if kind == 1:  # triangle, point up
        k = inset * 2.0
        return np.array([[-W / 2 + k, k * 0.6], [W / 2 - k, k * 0.6], [0.0, H - k]])
    if kind == 3:  # octagon
        a = np.linspace(0, 2 * np.pi, 8, endpoint=False) + np.pi / 8
        rr = 1.0 / np.cos(np.pi / 8)
        return np.stack([cy + (W / 2 - inset) * rr * np.cos(a), cz + (H / 2 - inset) * rr * np.sin(a)], axis=1).clip(
            [-W / 2 + inset, inset], [W / 2 - inset, H - inset])
    return np.array([[-W / 2 + inset, inset], [W / 2 - inset, inset], [W / 2 - inset, H - inset], [-W / 2 + inset, H - inset]])


SIGN_LOOKS = {0: (SIGN_RED, WHITE), 1: (SIGN_RED, WHITE), 2: (WHITE, SIGN_BLUE), 3: (WHITE, SIGN_RED), 4: (CHASSIS, SIGN_YELLOW)}


@register("traffic_sign")
def traffic_sign(size) -> object:
    """A sign plate facing +x: (L = thickness, W, H, look): 0 round, 1 triangle, 2 blue
    rectangle, 3 octagon (stop), 4 yellow diamond-like rectangle. Its post is scenery."""
    L, W, H = size[:3]
    look = int(round(size[3])) if len(size) > 3 else 0
    outer, inner = SIGN_LOOKS.get(look, SIGN_LOOKS[0])
    shape = {0: 0, 1: 1, 2: 2, 3: 3, 4: 2}.get(look, 0)
    parts = Parts()
    ring = _polygon(shape, W, H, 0.0)
    back = np.column_stack([np.full(len(ring), -L / 2), ring])
    front = np.column_stack([np.full(len(ring), L / 2 - 0.006), ring])
    plate = Parts()
    plate.hull(np.vstack([back, front]), outer)
    mesh = plate.mesh()
    colors = np.where((mesh.face_normals[:, 0] < -0.9)[:, None], METAL_BACK, outer)
    parts.add(mesh.vertices, mesh.faces, colors)
    face = _polygon(shape, W, H, 0.12 * min(W, H))
    parts.hull(np.vstack([np.column_stack([np.full(len(face), L / 2 - 0.01), face]),
                          np.column_stack([np.full(len(face), L / 2), face])]), inner)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


LAMP_ON = {0: (1.0, 0.05, 0.02), 1: (1.0, 0.65, 0.0), 2: (0.1, 1.0, 0.35)}


@register("traffic_light")
def traffic_light(size) -> object:
    """Signal head facing +x: (L, W, H, lit lamp: 0 red, 1 amber, 2 green). Its pole is scenery."""
    L, W, H = size[:3]
    lit = int(round(size[3])) if len(size) > 3 else 0
    parts = Parts()
    parts.box((-L / 2, -W / 2, 0.0), (L / 2 - 0.03, W / 2, H), (0.04, 0.04, 0.04))
    radius = min(0.3 * W, 0.14 * H)
    for k, z in enumerate((0.8 * H, 0.5 * H, 0.2 * H)):
        on = LAMP_ON[k]
        color = on if k == lit else tuple(0.12 * c for c in on)
        parts.cylinder((L / 2 - 0.035, 0.0, z), (L / 2, 0.0, z), radius, color, sections=20)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))
