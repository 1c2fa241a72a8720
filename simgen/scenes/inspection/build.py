"""A product with its defects, as meshes: the asset builders of the inspection kind.

The whole of it is a function of a flat tuple of floats (:meth:`Inspected.params`), which is
what a body's ``AssetRef(kind="procedural").size`` holds, so a recorded SceneSpec rebuilds the
same meshes. Two procedural shapes read it: ``inspection_product`` (the product, less what its
defects took out of it) and ``inspection_defect`` (defect ``k``'s mesh, ``size = (k, *params)``).
Both come from one cached build per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import trimesh

from simgen.assets.procedural import register
from simgen.scenes.inspection import defects as df
from simgen.scenes.inspection.products import PRODUCTS, make_product

PER_DEFECT = 6  # floats per defect in the params: kind code, severity, seed, aim (3)


@dataclass(frozen=True)
class Inspected:
    """What to build: ``product`` kind made from ``seed``, carrying ``defects``."""

    product: str
    seed: int
    defects: tuple[df.Defect, ...] = ()

    def params(self) -> tuple[float, ...]:
        """The flat float tuple a procedural AssetRef holds (integers stay exact in float64)."""
        out = [float(PRODUCTS.index(self.product)), float(self.seed), float(len(self.defects))]
        for d in self.defects:
            out += [float(df.DEFECTS.index(d.kind)), float(d.severity), float(d.seed), *map(float, d.aim)]
        return tuple(out)

    @classmethod
    def from_params(cls, p: tuple[float, ...]) -> Inspected:
        n = int(p[2])
        items = []
        for k in range(n):
            q = p[3 + PER_DEFECT * k: 3 + PER_DEFECT * (k + 1)]
            items.append(df.Defect(df.DEFECTS[int(q[0])], float(q[1]), int(q[2]), (q[3], q[4], q[5])))
        return cls(PRODUCTS[int(p[0])], int(p[1]), tuple(items))


@dataclass
class Built:
    """The meshes of an :class:`Inspected`, link frame, with face colours: the product, and per
    defect its mesh or None where it found no surface to lie on."""

    product: trimesh.Trimesh
    defects: list[trimesh.Trimesh | None]


def _fresh(colours: np.ndarray) -> np.ndarray:
    """The colour of freshly broken material: lighter, less saturated."""
    return 0.45 * colours + 0.5


@lru_cache(maxsize=8)
def built(params: tuple[float, ...]) -> Built:
    """Build the product and its defects: components left out or moved first (boards), then
    chips (booleans need the closed product), then dents, then decals on what is left."""
    plan = Inspected.from_params(params)
    out: list[trimesh.Trimesh | None] = [None] * len(plan.defects)
    rngs = [np.random.default_rng(d.seed) for d in plan.defects]
    product = make_product(plan.product, plan.seed)
    taken: dict[int, int] = {}  # defect -> component it takes
    for k, d in enumerate(plan.defects):
        if d.kind in ("missing", "misplaced") and product.components:
            free = [c for c in range(len(product.components)) if c not in taken.values()]
            if free:
                taken[k] = int(rngs[k].choice(free))
    if taken:
        product = make_product(plan.product, plan.seed, frozenset(taken.values()))
    for k, c in taken.items():
        comp = product.components[c]
        if plan.defects[k].kind == "missing" and product.kind == "blister":
            out[k] = df.empty_pocket(comp, product.board_top)
        elif plan.defects[k].kind == "missing":
            out[k] = df.pads(comp, product.board_top)
        else:
            out[k] = df.moved_component(rngs[k], comp, product.board_top, plan.defects[k].severity)
    mesh = product.mesh.copy()
    closed = product.watertight  # one chip per product: the next boolean would need a closed mesh
    for phase in ("chip", "dent"):
        for k, d in enumerate(plan.defects):
            if d.kind == phase and (phase != "chip" or closed):
                mesh, part = df.CUTS[phase](rngs[k], product, mesh, d)
                if part is not None:
                    colours = product.paint(part.triangles_center)
                    out[k] = df._coloured(part.vertices, part.faces, _fresh(colours) if phase == "chip" else colours)
                    closed = closed and phase != "chip"
    if plan.product != "board":  # a board's parts keep their own colours
        mesh = df.repaint(mesh, product)
    for k, d in enumerate(plan.defects):
        if d.kind in df.DECALS:
            out[k] = df.DECALS[d.kind](rngs[k], product, mesh, d)
    out = [m if m is not None and len(m.faces) else None for m in out]
    return Built(product=mesh, defects=out)


@register("inspection_product")
def inspection_product(size: tuple[float, ...]) -> trimesh.Trimesh:
    """The product of :class:`Inspected` parameters ``size``, less what its defects took."""
    return built(tuple(size)).product


@register("inspection_defect")
def inspection_defect(size: tuple[float, ...]) -> trimesh.Trimesh:
    """Defect ``size[0]`` of the product of parameters ``size[1:]``."""
    mesh = built(tuple(size[1:])).defects[int(size[0])]
    return mesh if mesh is not None else trimesh.Trimesh()
