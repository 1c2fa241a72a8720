"""Balance by design: each scene's class quota from (config, seed, scene index) alone.

``balance.classes`` gives target shares of instances per class; classes it does not name share
what is left in proportion to their natural frequency (asset weights, or mean counts in
driving). Scene ``i`` with ``n`` objects gets its classes by systematic sampling of the target
distribution at the points ``(u_i + j) / n``, ``j = 0 .. n - 1``, where the offsets
``u_i = frac(u_0 + i * 0.618...)`` (golden-ratio steps from a seed-given start) spread evenly
over [0, 1) for every run of consecutive scenes. Each class so gets ``floor`` or ``ceil`` of
``n`` times its share in every scene, and the roundings cancel over any contiguous range of
scenes: the whole dataset, a shard or a slice. Nothing depends on which worker builds a scene.

Users ask for shares of their *labels*, and the label policy drops some placed objects (hidden,
too small: ignore regions) and the recipe fails to place others (no room in a street), more of
some classes than of others. So a job first measures each class's label yield (labeled
instances per planned one) on a pilot of scenes (:func:`simgen.pipeline.pilot_yields`), and the
plan places class ``c`` in proportion to ``target_c / yield_c``: the labeled shares then come
out near the targets. The yields depend only on (config, seed), so the plan stays a function of
(config, seed, scene index).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from simgen.config.schema import BalanceConfig
from simgen.core.errors import ConfigError

GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
MIN_YIELD = 0.05  # a class that the pilot saw (almost) never labeled is placed at most 20x its target


def natural_shares(scene) -> dict[str, float]:
    """Each class's expected share of a scene's labeled objects without balance: asset entry
    weights (tabletop, bin picking), or mean counts per scene (driving, parked vehicles shared
    by ``parked_weight``), or the defect kinds' weights (inspection)."""
    shares: Counter = Counter()
    if hasattr(scene, "classes"):
        parkable = [c for c in scene.classes if c.parked_weight > 0]
        total_weight = sum(c.parked_weight for c in parkable)
        parked = (scene.parked_min + scene.parked_max) / 2
        for c in scene.classes:
            shares[c.category] += (c.count_min + c.count_max) / 2
            if c in parkable:
                shares[c.category] += parked * c.parked_weight / total_weight
    elif hasattr(scene, "defect_weights"):  # inspection: the defect kinds, by weight
        shares.update({k: float(v) for k, v in scene.defect_weights.items() if v > 0})
    else:
        for entry in scene.assets:
            shares[entry.category] += entry.weight
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()} if total > 0 else dict(shares)


def targets(balance: BalanceConfig, scene) -> dict[str, float]:
    """Target share per class of the scene (all its classes, summing to 1). Raises
    ConfigError naming the setting when a name or a share is not allowed."""
    natural = natural_shares(scene)
    named = dict(balance.classes)
    for name, share in named.items():
        if name not in natural:
            raise ConfigError(f"balance.classes.{name}: not a class of scene '{scene.name}'; classes: {', '.join(natural)}")
        if not 0.0 <= float(share) <= 1.0:
            raise ConfigError(f"balance.classes.{name}={share!r}: must lie in [0, 1]")
    named_total = float(sum(named.values()))
    rest = {k: v for k, v in natural.items() if k not in named}
    rest_total = sum(rest.values())
    if named_total > 1.0 + 1e-9:
        raise ConfigError(f"balance.classes: shares sum to {named_total:g}; they must sum to at most 1")
    if rest_total <= 0 and abs(named_total - 1.0) > 1e-6:
        raise ConfigError(f"balance.classes: shares sum to {named_total:g} and no class is left to take the rest; "
                          "they must sum to 1")
    out = {k: float(named.get(k, 0.0)) for k in natural}
    for k, v in rest.items():
        out[k] = (1.0 - named_total) * v / rest_total
    return out


@dataclass(frozen=True)
class ClassPlan:
    """Class names and target shares (summing to 1), and the job's offset ``u_0``."""

    names: tuple[str, ...]
    shares: tuple[float, ...]
    offset: float

    def offset_of(self, scene_index: int) -> float:
        """``u_i`` in [0, 1): the scene's systematic-sampling offset."""
        return float((self.offset + scene_index * GOLDEN) % 1.0)

    def quota(self, scene_index: int, n: int) -> list[str]:
        """The classes of scene ``scene_index``'s ``n`` objects, in plan order (shuffle them
        with the scene's generator before use)."""
        if n <= 0:
            return []
        cumulative = np.cumsum(self.shares)
        cumulative[-1] = 1.0 + 1e-12
        points = (self.offset_of(scene_index) + np.arange(n)) / n
        return [self.names[k] for k in np.searchsorted(cumulative, points, side="right")]

    def counts(self, scene_index: int, n: int) -> Counter:
        return Counter(self.quota(scene_index, n))


def placement_shares(want: dict[str, float], yields: dict[str, float] | None) -> dict[str, float]:
    """Shares of placed objects that give the labeled shares ``want`` when class ``c`` keeps
    ``yields[c]`` of its placed objects as labels (None: place the targets as they are)."""
    if not yields:
        return dict(want)
    raw = {k: v / max(float(yields.get(k, 1.0)), MIN_YIELD) for k, v in want.items()}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()} if total > 0 else dict(want)


def class_plan(balance: BalanceConfig | None, scene, seed: int,
               yields: dict[str, float] | None = None) -> ClassPlan | None:
    """The plan of a job, or None when ``balance.classes`` is empty (the recipe's own draws).
    ``yields``: labeled per planned instance of each class (the job's pilot), or None."""
    if balance is None or not balance.classes:
        return None
    t = placement_shares(targets(balance, scene), yields)
    names = tuple(k for k, v in t.items() if v > 0)
    return ClassPlan(names=names, shares=tuple(t[k] for k in names), offset=float(((int(seed) + 1) * GOLDEN * GOLDEN) % 1.0))


PRIOR = 10.0  # instances: a class the pilot planned few of keeps a yield near the average


def label_yields(planned: Counter, labeled: Counter) -> dict[str, float]:
    """Labeled per planned instance of each planned class, drawn towards the pilot's average
    yield by :data:`PRIOR` instances (a pilot holds a handful of trucks: their own ratio is
    noise), rounded to 0.01 (so that a pixel's difference between two machines' pilots rarely
    changes a plan)."""
    total = sum(planned.values())
    mean = sum(labeled[k] for k in planned) / total if total else 1.0
    return {k: round(min((labeled[k] + PRIOR * mean) / (n + PRIOR), 1.0), 2)
            for k, n in sorted(planned.items()) if n > 0}


def planned_counts(spec, ctx) -> Counter:
    """Instances per class a scene was planned to hold: the plan's counts in driving (objects
    that did not fit in the street count as lost), else its labeled objects."""
    if hasattr(ctx.scene, "classes"):
        counts = driving_counts(spec, ctx)
        if counts is not None:
            return counts
    return Counter(b.category for b in spec.bodies if b.category)


def scene_counts(plan: ClassPlan, scene, scene_index: int) -> Counter:
    """Per-class object counts of a driving scene under ``plan``: a fixed total per scene (the
    recipe's mean count of every class, parked vehicles included), split by the plan."""
    total = sum((c.count_min + c.count_max) / 2 for c in scene.classes) + (scene.parked_min + scene.parked_max) / 2
    return plan.counts(scene_index, int(round(total)))


def check_balance(cfg) -> None:
    """Config checks of ``balance`` against the job's scene (one-line ConfigError). With
    ``balance.scenarios``, the scene's ``scenarios`` take its shares (the rest 0)."""
    balance = getattr(cfg, "balance", None)
    if balance is None:
        return
    if balance.classes:
        targets(balance, cfg.scene)
    if balance.scenarios:
        scenarios = getattr(cfg.scene, "scenarios", None)
        if scenarios is None:
            raise ConfigError(f"balance.scenarios={dict(balance.scenarios)!r}: scene '{cfg.scene.name}' stages no scenarios "
                              "(the driving kind does)")
        known = scenarios.chances()
        for name, share in balance.scenarios.items():
            if name not in known:
                raise ConfigError(f"balance.scenarios.{name}: no such scenario; choose from {', '.join(known)}")
            if not 0.0 <= float(share) <= 1.0:
                raise ConfigError(f"balance.scenarios.{name}={share}: a share must lie in [0, 1]")
        if sum(float(v) for v in balance.scenarios.values()) > 1.0 + 1e-9:
            raise ConfigError(f"balance.scenarios={dict(balance.scenarios)!r}: shares must sum to at most 1")
        for name in known:  # the shares stand in for the probabilities: categories and records follow them
            setattr(scenarios, name, float(balance.scenarios.get(name, 0.0)))
    if balance.conditions:
        raise ConfigError(f"balance.conditions={dict(balance.conditions)!r}: scene '{cfg.scene.name}' records no "
                          "conditions to balance")


def slot_pools(rng: np.random.Generator, spec, ctx, entries: list, n: int) -> list[list]:
    """For each of a scene's ``n`` labeled objects, the asset entries it may be drawn from:
    all of ``entries`` without balance (and no draw from ``rng``), else those of the class the
    plan gives the slot, the slots shuffled with the scene's generator."""
    plan = class_plan(ctx.balance, ctx.scene, spec.seed, ctx.yields)
    if plan is None:
        return [entries] * n
    return [[e for e in entries if e.category == c] for c in rng.permutation(plan.quota(spec.index, n))]


def scenario_point(seed: int, scene_index: int) -> float:
    """Where scene ``scene_index`` samples the scenario shares of ``balance.scenarios``: golden-
    ratio steps from a seed-given start (another than the class plan's), so every run of
    consecutive scenes holds each scenario at its share, give or take one sequence."""
    return float(((int(seed) + 1) * GOLDEN ** 3 + scene_index * GOLDEN) % 1.0)


def driving_counts(spec, ctx) -> Counter | None:
    """Per-class counts of a driving scene under the plan, or None without balance."""
    plan = class_plan(ctx.balance, ctx.scene, spec.seed, ctx.yields)
    return None if plan is None else scene_counts(plan, ctx.scene, spec.index)
