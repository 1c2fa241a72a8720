"""Meshes of what only scenarios put on the road: a quadruped, debris and fallen cargo.

Like the road users' builders (:mod:`simgen.scenes.driving.road_user_meshes`), each takes
``size = (L, W, H, ...)`` in metres (length along x, the way it faces; width along y; height
along z) and its colour after that, and its mesh bounds are exactly
``[-L/2, L/2] x [-W/2, W/2] x [0, H]``.
"""

from __future__ import annotations

import numpy as np

from simgen.assets.procedural import Parts, fit_bounds, register

PAINT = slice(3, 6)
DARK = (0.04, 0.035, 0.03)


def _rgb(values, fallback) -> tuple[float, float, float]:
    v = values[:3] if len(values) >= 3 else fallback
    r, g, b = (float(np.clip(x, 0.0, 1.0)) for x in v)
    return r, g, b


@register("animal", paint=PAINT)
def animal(size) -> object:
    """A four-legged animal walking along x: (L, W, H, coat r, g, b). Legs take about half the
    height, the head sits forward on a raised neck, a short tail hangs behind."""
    L, W, H = size[:3]
    coat = _rgb(size[3:6], (0.35, 0.25, 0.15))
    parts = Parts()
    leg_top = 0.5 * H
    body_top = 0.78 * H
    body_x = 0.34 * L
    parts.hull([(x, y, z) for x in (-body_x, body_x) for y in (-W / 2 * 0.9, W / 2 * 0.9) for z in (leg_top, body_top)]
               + [(x * 1.1, 0.0, z) for x in (-body_x, body_x) for z in (leg_top + 0.05 * H, body_top - 0.05 * H)], coat)
    half = max(0.035 * H, 0.02)
    for x in (-body_x + 0.08 * L, body_x - 0.08 * L):
        for y in (-W / 2 * 0.55, W / 2 * 0.55):
            pts = [(x + dx, y + dy, z) for z in (0.0, leg_top + 0.05 * H) for dx in (-half, half) for dy in (-half, half)]
            parts.hull(pts, coat)
            parts.box((x - half, y - half, 0.0), (x + half, y + half, 0.04 * H), DARK)
    neck_base, head = (body_x, 0.0, body_top - 0.08 * H), (L / 2 - 0.1 * L, 0.0, 0.92 * H)
    parts.hull([(p[0] + dx, dy, p[2] + dz) for p in (neck_base, head) for dx in (-0.05 * L, 0.05 * L)
                for dy in (-0.09 * W, 0.09 * W) for dz in (-0.06 * H, 0.02 * H)], coat)
    parts.hull([(x, y, z) for x in (L / 2 - 0.2 * L, L / 2) for y in (-0.16 * W, 0.16 * W) for z in (0.84 * H, H)], coat)
    parts.box((L / 2 - 0.03 * L, -0.06 * W, 0.86 * H), (L / 2, 0.06 * W, 0.9 * H), DARK)
    parts.hull([(x, y, z) for x in (-L / 2, -body_x) for y in (-0.04 * W, 0.04 * W) for z in (body_top - 0.2 * H, body_top - 0.05 * H)], coat)
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("debris", paint=PAINT)
def debris(size) -> object:
    """Road debris: a flat heap of broken pieces and a lost tyre lying flat: (L, W, H, r, g, b)."""
    L, W, H = size[:3]
    tone = _rgb(size[3:6], (0.35, 0.3, 0.25))
    parts = Parts()
    r = min(L, W) * 0.3
    parts.cylinder((-L / 2 + r, -W / 2 + r, 0.0), (-L / 2 + r, -W / 2 + r, min(0.22, 0.6 * H)), r, DARK, sections=16)
    parts.hull([(x, y, 0.0) for x in (-0.1 * L, L / 2) for y in (-W / 2, W / 2)]
               + [(0.1 * L, 0.0, H), (0.3 * L, 0.2 * W, 0.7 * H), (0.2 * L, -0.25 * W, 0.5 * H)], tone)
    parts.oriented_box(-0.15 * L, 0.25 * W, 0.0, 0.6, (0.5 * L, 0.12 * W, 0.3 * H), tuple(0.7 * c for c in tone))
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))


@register("cargo", paint=PAINT)
def cargo(size) -> object:
    """Fallen cargo: crates and a sack, some tipped over: (L, W, H, crate r, g, b)."""
    L, W, H = size[:3]
    crate = _rgb(size[3:6], (0.55, 0.4, 0.22))
    parts = Parts()
    parts.box((-L / 2, -W / 2, 0.0), (0.05 * L, 0.1 * W, 0.55 * H), crate)
    parts.oriented_box(0.25 * L, -0.05 * W, 0.0, 0.35, (0.45 * L, 0.55 * W, 0.45 * H), tuple(0.8 * c for c in crate))
    parts.box((-0.4 * L, -0.3 * W, 0.55 * H), (-0.05 * L, 0.05 * W, H), tuple(0.9 * c for c in crate))
    parts.hull([(x, y, z) for x in (0.05 * L, L / 2) for y in (0.15 * W, W / 2) for z in (0.0, 0.3 * H)], (0.6, 0.58, 0.5))
    return fit_bounds(parts.mesh(), (-L / 2, -W / 2, 0.0), (L / 2, W / 2, H))
