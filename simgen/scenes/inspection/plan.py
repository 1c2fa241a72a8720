"""Which scenes hold a defective product, and which defect kinds it carries: from (config,
seed, scene index) alone.

Scene ``i`` is defective when ``frac(u_0 + i * ALPHA) < defect_rate``, with ``u_0`` from the
seed and ``ALPHA`` = sqrt(2) - 1: the points of this sequence spread evenly over [0, 1) for
every run of consecutive scenes, so the share of defective scenes in any range of ``n``
scenes (the whole job, a shard) is within about ``2 / n`` of the rate, not a binomial
``sqrt(rate (1 - rate) / n)`` off it (3.5 points at 200 scenes), and ``defect_rate=0.001``
still gives its one scene in a thousand. Nothing depends on which worker builds a scene.

The kinds follow ``balance.classes`` over defect classes when it is set (the systematic
plan of :mod:`simgen.randomizers.balance`), else ``defect_weights``; the product is then
drawn among those that can carry the first kind.
"""

from __future__ import annotations

import numpy as np

from simgen.core.seeding import weighted_index
from simgen.randomizers.balance import class_plan
from simgen.scenes.inspection.defects import ALLOWED

ALPHA = float(np.sqrt(2.0) - 1.0)
PLASTIC = 0.7548776662466927  # 1 / the plastic number: the seed's start, apart from balance's golden steps


def is_defective(seed: int, scene_index: int, rate: float) -> bool:
    """Whether scene ``scene_index`` of a job with ``seed`` holds a defective product."""
    start = ((int(seed) + 1) * PLASTIC) % 1.0
    return bool((start + int(scene_index) * ALPHA) % 1.0 < rate)


def _weighted(rng: np.random.Generator, weights: dict[str, float], among) -> str | None:
    names = [n for n in among if weights.get(n, 0.0) > 0]
    return names[weighted_index(rng, [weights[n] for n in names])] if names else None


def product_and_defects(rng: np.random.Generator, ctx, scene_index: int, seed: int, defective: bool) -> tuple[str, list[str]]:
    """The product kind and its defect kinds (empty when not ``defective``). The first kind is
    drawn with ``defect_weights``, or with ``balance.classes`` it is the plan's kind for this
    scene (systematic over scenes, so its shares hold over any run of scenes); the product is
    one that can carry it, and further kinds are drawn among those the product can carry, by
    the same weights or target shares."""
    s = ctx.scene
    if not defective:
        return _weighted(rng, s.products, s.products), []
    n = int(rng.integers(s.defects_min, s.defects_max + 1))
    plan = class_plan(ctx.balance, s, seed, ctx.yields)
    weights = dict(s.defect_weights) if plan is None else dict(zip(plan.names, plan.shares, strict=True))
    first = plan.quota(scene_index, 1)[0] if plan is not None else _weighted(rng, weights, weights)
    product = _weighted(rng, s.products, [p for p in s.products if first in ALLOWED[p]])
    if product is None:  # no product of weight > 0 carries it: any product, kinds it carries
        product, first = _weighted(rng, s.products, s.products), None
    kinds = [first] if first is not None else []
    while len(kinds) < n:
        kind = _weighted(rng, weights, ALLOWED[product])
        if kind is None:
            break
        kinds.append(kind)
    return product, kinds
