"""Balance by design: per-scene class quotas from (config, seed, scene index) alone."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import config_error, load_test_job, run_simgen

from simgen.config.canonical import dataset_config
from simgen.core.errors import ConfigError
from simgen.randomizers import RecipeContext, build_scene
from simgen.randomizers.balance import class_plan, targets

SCENES = 200
CASES = {
    "tabletop": {"duck": 0.3, "sphere": 0.2, "mug": 0.05},
    "bin_picking": {"duck": 0.25, "cube": 0.25, "mug": 0.1},
    "driving": {"car": 0.25, "pedestrian": 0.25, "cyclist": 0.1, "bus": 0.05, "traffic_light": 0.1},
}


def _job(scene: str, shares: dict[str, float], *more: str):
    return load_test_job(f"scene={scene}", *(f"+balance.classes.{k}={v}" for k, v in shares.items()), *more)


def _categories(job, indices) -> dict[int, list[str]]:
    ctx = RecipeContext(scene=job.scene, width=320, height=240, sequence=job.sequence, balance=job.balance)
    return {i: [b.category for b in build_scene(i, job.seed, ctx).bodies if b.category] for i in indices}


# 200 driving scenes take about half a minute of CPU (streets and road users are built in full):
# end-to-end tier; the two other kinds keep the property in the fast one.
@pytest.mark.parametrize("scene", [pytest.param(s, marks=pytest.mark.e2e) if s == "driving" else s for s in sorted(CASES)])
def test_shares_within_two_points_over_200_scenes(scene):
    typed, job = _job(scene, CASES[scene])
    want = targets(typed.balance, typed.scene)
    assert sum(want.values()) == pytest.approx(1.0)
    placed = _categories(job, range(SCENES))
    counts = Counter(c for cats in placed.values() for c in cats)
    total = sum(counts.values())
    for name, share in want.items():
        assert abs(counts[name] / total - share) <= 0.02, (name, counts[name] / total, share)
    if scene != "driving":  # every scene holds floor or ceil of n x share of each class
        for cats in placed.values():
            n = len(cats)
            for name, share in want.items():
                assert abs(cats.count(name) - n * share) < 1.0 + 1e-9, (name, cats)
    # and any contiguous range of scenes (a shard, a slice) is balanced too
    plan = class_plan(typed.balance, typed.scene, typed.seed)
    n = 8
    for start in (0, 37, 120):
        got = Counter(c for i in range(start, start + 50) for c in plan.quota(i, n))
        for name, share in zip(plan.names, plan.shares, strict=True):
            assert abs(got[name] / (50 * n) - share) <= 0.01, (start, name)


def test_quota_is_a_function_of_the_scene_index():
    _, job = _job("tabletop", CASES["tabletop"])
    forward = _categories(job, range(12))
    backward = _categories(job, reversed(range(12)))  # another worker order, another process state
    assert forward == backward
    _, other_seed = _job("tabletop", CASES["tabletop"], "seed=1")
    assert _categories(other_seed, range(12)) != forward


def test_empty_balance_keeps_the_job_hash_and_the_recipe_draws():
    typed, job = load_test_job("scene=tabletop")
    assert "balance" not in dataset_config(typed)
    assert "report" not in dataset_config(typed)
    balanced, _ = _job("tabletop", {"duck": 0.5})
    assert dataset_config(balanced)["balance"]["classes"] == {"duck": 0.5}
    ctx = RecipeContext(scene=job.scene, width=320, height=240, sequence=job.sequence)
    unbalanced = [[b.category for b in build_scene(i, 0, ctx).bodies] for i in range(5)]
    assert _categories(job, range(5)) == {i: [c for c in cats if c] for i, cats in enumerate(unbalanced)}


@pytest.mark.parametrize("override, key", [
    ("+balance.classes.unicorn=0.5", "balance.classes.unicorn"),
    ("+balance.classes.duck=1.5", "balance.classes.duck"),
    ("++balance.classes={duck:0.7,mug:0.6}", "balance.classes"),
    ("++balance.conditions={rain:0.5}", "balance.conditions"),
])
def test_bad_balance_settings_are_one_line_errors(override, key):
    assert config_error("scene=tabletop", override, error=ConfigError).startswith(key)


@pytest.mark.e2e
def test_one_and_two_workers_give_the_same_balanced_dataset(tmp_path):
    args = ["scene=tabletop", "frames=12", "renderer.width=160", "renderer.height=120", "scene.views_per_scene=2",
            "scene.min_objects=2", "scene.max_objects=4", "+balance.classes.duck=0.4", "+balance.classes.box=0.3",
            "validate=false", "report=false"]
    files = {}
    for workers, shard in ((1, 6), (2, 1)):
        out = tmp_path / f"w{workers}"
        proc = run_simgen(*args, f"farm.workers={workers}", f"farm.scenes_per_shard={shard}", f"output_dir={out}",
                          cwd=tmp_path, expect=0)
        assert "simgen: balance: most " in proc.stdout
        files[workers] = [p.read_bytes() for p in sorted((out / "annotations").glob("instances_*.json"))]
    assert files[1] == files[2] and files[1]

