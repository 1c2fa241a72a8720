"""Settings checked before anything runs: export formats that combine, ranges of every numeric
scene setting, keys no schema knows, the default output folder, writers' warnings. In-process,
no rendering."""

from __future__ import annotations

import copy
import math

import pytest
from helpers import config_error, load_test_job
from omegaconf import OmegaConf

from simgen.config.canonical import default_output_dir
from simgen.config.ranges import numeric_fields, partner, rule
from simgen.core.errors import ConfigError
from simgen.export.writers import config_warnings
from simgen.job import check_scene
from simgen.recipes import load_recipe, recipe_files


def load_job(overrides: list[str]):
    return load_test_job(*overrides)


def _error(overrides: list[str]) -> str:
    return config_error(*overrides)


@pytest.mark.parametrize("overrides", [
    ["scene=bin_picking", "export=[bop,kitti]"],
    ["scene=bin_picking", "export=[kitti,bop]"],
    ["scene=bin_picking", "export.formats=[coco,bop,kitti]", "labels.amodal_masks=true"],
    ["scene=bin_picking", "export=bop", "export.formats=[kitti]"],
])
def test_export_groups_and_formats_combine(overrides):
    typed, job = load_job(overrides)
    assert job.export.formats == ["coco", "bop", "kitti"]
    assert typed.labels.amodal_masks  # the bop group's own setting survives the kitti group


def test_export_default_and_single_group():
    assert load_job([])[1].export.formats == ["coco"]
    assert load_job(["export=kitti"])[1].export.formats == ["coco", "kitti"]


def test_unknown_format_and_sweep_syntax_are_one_line_errors():
    assert _error(["export=[bop,nope]"]) == "export=nope is not available; choose one of: bop, coco, kitti, mvtec, yolo"
    assert _error(["export.formats=[coco,nope]"]).startswith("export.formats='nope': allowed: ")
    message = _error(["export=coco,kitti"])
    assert "export=[coco,kitti]" in message and "sweep" in message and "Ambiguous" not in message


@pytest.mark.parametrize("overrides, start", [
    (["scene.table_size=[0,1]"], "scene.table_size[0]=0.0: must be > 0 metres"),
    (["scene.table_height=-1"], "scene.table_height=-1.0: must be > 0 metres"),
    (["+scene.bogus=1"], "scene.bogus: not a setting of scene kind tabletop"),
    (["+bogus=1"], "bogus: not a setting"),
    (["+renderer.bogus=1"], "renderer.bogus: not a setting"),
    (["scene=driving", "+scene.rig.cameras.0.bogus=1"], "scene.rig.cameras[0].bogus: not a setting"),
    (["scene.camera.radius_min=2"], "scene.camera.radius_max=1.3: must be >= scene.camera.radius_min (2.0)"),
    (["scene.lights.ambient_max=1.5"], "scene.lights.ambient_max=1.5: must lie in [0, 1]"),
    (["scene=bin_picking", "scene.bin.wall_thickness=0"], "scene.bin.wall_thickness=0.0: must be > 0 metres"),
    (["scene=driving", "scene.road.turn_max_deg=270"], "scene.road.turn_max_deg=270.0: must lie in [0, 180] degrees"),
])
def test_values_the_types_let_through_are_refused(overrides, start):
    assert _error(overrides).startswith(start)


@pytest.mark.parametrize("overrides, expected", [
    (["scnee=tabletop"], "scnee: not a setting; did you mean scene? simgen's settings: scene, frames, "),
    (["lookz=flat"], "lookz: not a setting; did you mean looks? "),
    (["renderer.widht=10"], "renderer.widht: not a setting; did you mean renderer.width? renderer's settings: "
                            "width, height, msaa, "),
    (["scene.max_objectz=3"], "scene.max_objectz: not a setting of scene kind tabletop; did you mean "
                              "scene.max_objects? scene's settings: name, kind, "),
    (["scene.conditions.night=1"], "scene.conditions: not a setting of scene kind tabletop; scene's settings: "),
    (["scene=driving", "scene.conditions.nigth=1"], "scene.conditions.nigth: not a setting; did you mean "
                                                    "scene.conditions.night? scene.conditions's settings: night, dawn"),
    (["frames=ten"], "frames='ten': must be a whole number"),
    (["renderer.width=1.5"], "renderer.width='1.5': must be a whole number"),
    (["labels.min_visibility=abc"], "labels.min_visibility='abc': must be a number"),
    (["validate=maybe"], "validate='maybe': must be true or false"),
])
def test_typos_and_wrong_types_are_said_in_simgens_words(overrides, expected):
    """The setting, what is allowed, the nearest valid name: never OmegaConf's class names
    (``Key 'scnee' not in 'SimgenConfig'``) or Hydra's advice to append with ``+``."""
    message = _error(overrides)
    assert message.startswith(expected), message
    assert not any(w in message for w in ("Config'", "Integer", "Float", "To append", "Could not override"))


def _scenes() -> list:
    return [OmegaConf.to_object(load_recipe(path)) for path in recipe_files().values()]


@pytest.mark.parametrize("scene", _scenes(), ids=lambda s: s.name)
def test_every_numeric_scene_setting_has_a_range_the_recipe_meets(scene):
    found = list(numeric_fields(scene, "scene"))
    assert len(found) > 20
    missing = [key for key, cls, name, _ in found if rule(cls, name) is None]
    assert missing == []
    check_scene(scene)  # the shipped recipe itself is within every range


def _outside(r, value):
    """Values just outside range ``r``, of ``value``'s type."""
    cast = int if isinstance(value, int) else float
    out = []
    if math.isfinite(r.lo):
        out.append(cast(r.lo) if r.open_lo else (cast(r.lo - 1) if cast is int else r.lo - 0.5))
    if math.isfinite(r.hi):
        out.append(cast(r.hi + 1))
    return out


def _set(obj, dotted: str, value):
    """Set ``scene.a.b[2].c`` (the leading ``scene.`` dropped) on a dataclass tree."""
    *path, leaf = dotted.split(".")[1:]
    for part in path:
        name, _, index = part.partition("[")
        obj = getattr(obj, name)
        if index:
            obj = obj[int(index[:-1])]
    setattr(obj, leaf, value)


@pytest.mark.parametrize("scene", _scenes(), ids=lambda s: s.name)
def test_every_range_is_enforced_with_the_setting_named(scene):
    checked = 0
    for key, cls, name, value in numeric_fields(scene, "scene"):
        r = rule(cls, name)
        first = value[0] if isinstance(value, list) else value
        for bad in _outside(r, first):
            broken = copy.deepcopy(scene)
            _set(broken, key, [bad, *value[1:]] if isinstance(value, list) else bad)
            with pytest.raises(ConfigError) as info:
                check_scene(broken)
            names = {name, partner(name) or name, name.replace("max", "min")}
            assert any(n in str(info.value) for n in names), (key, bad, str(info.value))
            checked += 1
    assert checked > 30


def test_default_output_dir_follows_the_job_but_not_its_size():
    a, _ = load_job(["frames=4"])
    b, _ = load_job(["frames=8", "farm.workers=1"])
    assert default_output_dir(a) == default_output_dir(b)
    assert default_output_dir(a).parent.name == "outputs"
    assert default_output_dir(a).name.startswith("tabletop-seed0-")
    assert default_output_dir(load_job(["seed=3"])[0]).name.startswith("tabletop-seed3-")
    assert default_output_dir(load_job(["renderer.msaa=0"])[0]) != default_output_dir(a)


def test_kitti_on_a_scene_without_kitti_types_warns():
    _, job = load_job(["export=kitti"])
    (warning,) = config_warnings(job.writer_context())
    assert "label_2 file will be empty" in warning and "+export.kitti.types.duck=Misc" in warning
    _, job = load_job(["export=kitti", "+export.kitti.types.duck=Misc"])
    assert config_warnings(job.writer_context()) == []
    _, job = load_job(["scene=driving", "export=kitti"])
    assert config_warnings(job.writer_context()) == []
    _, job = load_job([])
    assert config_warnings(job.writer_context()) == []


def test_cfg_job_explains_sections_and_settings_and_loads_back(monkeypatch, capsys):
    """`simgen --cfg job` printed about 400 lines of bare keys: each section now carries its
    schema's first sentence and each setting its schema comment, and the YAML is unchanged."""
    import sys

    import yaml
    from hydra import compose, initialize_config_dir

    from simgen.config.paths import CONFIG_DIR
    from simgen.tools import cli

    monkeypatch.setattr(sys, "argv", ["simgen", "--cfg", "job", "renderer.width=320"])
    cli.main()
    text = capsys.readouterr().out
    assert "# Which objects get a training annotation.\nlabels:\n" in text
    assert "  workers: 0  # 0 = all local cores (or the whole cluster); 1 = in-process\n" in text
    assert "MaterialsConfig(" not in text and ":mod:" not in text
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="simgen"):
        cfg = compose(config_name="config", overrides=["renderer.width=320"])
    assert yaml.safe_load(text) == OmegaConf.to_container(cfg, resolve=False)
    assert yaml.safe_load(text)["renderer"]["width"] == 320


def test_a_time_of_day_set_alone_makes_the_others_give_way():
    typed, _ = load_test_job("scene=driving", "scene.conditions.night=1.0")
    c = typed.scene.conditions
    assert (c.night, c.dawn, c.dusk) == (1.0, 0.0, 0.0)
    typed, _ = load_test_job("scene=driving", "looks=randomized", "scene.conditions.night=0.9")
    c = typed.scene.conditions
    assert (c.night, c.dawn, c.dusk) == pytest.approx((0.9, 0.05, 0.05))
    typed, _ = load_test_job("scene=driving", "scene.conditions.night=0.5")  # fits: nothing moves
    assert (typed.scene.conditions.dawn, typed.scene.conditions.dusk) == (0.05, 0.05)
    message = config_error("scene=driving", "scene.conditions.night=0.7", "scene.conditions.dawn=0.6")
    assert message.startswith("scene.conditions") and "give way" in message
