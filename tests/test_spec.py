"""SceneSpec.from_dict rebuilds what to_dict recorded, also through JSON, for every scene kind
and a spec built by hand, so a frame can be re-rendered from its record."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from helpers import HEIGHT, WIDTH, make_box, make_camera, make_spec, translation
from omegaconf import OmegaConf

from simgen.config.schema import SequenceConfig
from simgen.core.spec import (
    AssetRef,
    Atmosphere,
    BodySpec,
    FrameSpec,
    LightSpec,
    Material,
    SceneContext,
    SceneSpec,
    Texture,
)
from simgen.physics.state import posed_state
from simgen.randomizers import RecipeContext, build_scene
from simgen.recipes import load_recipe
from simgen.scenes.driving.context import DrivingContext


def _recipe_spec(name: str, index: int, **overrides) -> SceneSpec:
    from simgen.config.paths import RECIPE_DIR

    node = load_recipe(RECIPE_DIR / f"{name}.yaml")
    for key, value in overrides.items():
        OmegaConf.update(node, key, value)
    scene = OmegaConf.to_object(node)
    sequence = SequenceConfig(length=3, time_step=0.1) if name == "driving" else None
    return build_scene(index, 11, RecipeContext(scene=scene, width=WIDTH, height=HEIGHT, sequence=sequence))


def _hand_built() -> SceneSpec:
    """Every field away from its default: textures, all light kinds, frames, atmosphere."""
    table = make_box(1, (0.8, 0.8, 0.04), translation(0, 0, -0.02), category=None, static=True, support_top=0.0)
    table.friction = 0.9
    mug = BodySpec(instance_id=2, asset=AssetRef(kind="mesh", path="/data/mug.obj", scale=0.01, collision="/c/mug.obj"),
                   pose=translation(0.1, 0.0, 0.05), category="mug", mass=0.3,
                   material=Material(base_color=(0.8, 0.1, 0.1, 1.0), metallic=0.2, roughness=0.4,
                                     texture=Texture(kind="checker", colors=((1.0, 1.0, 1.0), (0.0, 0.0, 0.0)), tile=0.02,
                                                     seed=7)))
    ball = make_box(3, (0.05, 0.05, 0.05), translation(-0.1, 0.05, 0.025))
    ball.asset = AssetRef(kind="primitive", shape="sphere", size=(0.025,))
    cam = make_camera((0.5, 0.3, 0.4), (0, 0, 0))
    spec = make_spec([table, mug, ball], [cam])
    spec.index, spec.seed = 4, 99
    spec.lights += [LightSpec(kind="spot", color=(1.0, 0.9, 0.8), intensity=30.0, pose=translation(0, 0, 2),
                              inner_cone=0.1, outer_cone=0.5),
                    LightSpec(kind="point", color=(0.5, 0.5, 1.0), intensity=5.0, pose=translation(1, 1, 1))]
    spec.ambient, spec.ambient_ground, spec.background = (0.3, 0.3, 0.35), (0.1, 0.1, 0.08), (0.2, 0.4, 0.8)
    spec.keep_above = -0.5
    spec.frames = [FrameSpec(time=0.0, cameras=[cam]),
                   FrameSpec(time=0.5, poses={3: translation(-0.05, 0.05, 0.025)}, cameras=[cam])]
    spec.atmosphere = Atmosphere(fog_density=0.02, fog_color=(0.6, 0.6, 0.6), rain=0.3)
    return spec


SPECS = {
    "tabletop": lambda: _recipe_spec("tabletop", 0),
    "bin_picking": lambda: _recipe_spec("bin_picking", 1),
    "driving": lambda: _recipe_spec("driving", 2),
    "driving_night_rain": lambda: _recipe_spec("driving", 3, **{"conditions.night": 1.0, "conditions.rain": 1.0}),
    "by_hand": _hand_built,
}


def _same(a, b, where: str = "spec") -> None:
    """``b`` equals ``a`` in value and in type (tuples stay tuples, arrays float arrays, instance
    ids int keys), field by field, so the rebuilt spec is the recorded one and not a lookalike."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and b.dtype == np.float64 and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert type(b) is dict and list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(b) is type(a) and len(a) == len(b), (where, type(a), type(b))
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{k}]")
    else:
        assert a == b and isinstance(b, bool) == isinstance(a, bool), (where, a, b)


@pytest.mark.parametrize("name", list(SPECS))
def test_from_dict_rebuilds_what_to_dict_recorded(name):
    spec = SPECS[name]()
    record = spec.to_dict()
    _same(spec, SceneSpec.from_dict(record))
    assert SceneSpec.from_dict(record).to_dict() == record
    text = json.dumps(record, sort_keys=True)
    back = SceneSpec.from_dict(json.loads(text))  # as read back from a file: str keys, lists
    _same(spec, back)
    assert json.dumps(back.to_dict(), sort_keys=True) == text
    if name.startswith("driving"):
        assert isinstance(back.context, DrivingContext) and back.context.tracks and back.frames
        assert back.context.street.lanes() == spec.context.street.lanes()
    if name == "driving_night_rain":
        assert back.context.drawn_conditions()["time_of_day"] == "night" and back.context.lamps


@pytest.mark.parametrize("name", ["tabletop", "bin_picking", "driving_night_rain"])
def test_a_frame_renders_the_same_from_its_record(renderer, name):
    spec = SPECS[name]()
    back = SceneSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    drawn = []
    for s in (spec, back):
        renderer.load(posed_state(s))
        p = renderer.render(s.sequence()[-1].cameras[0], ("color", "ids", "depth"))
        drawn.append((p["color"].copy(), p["depth"].copy(), p["ids"].copy()))
    for x, y in zip(*drawn, strict=True):
        np.testing.assert_array_equal(x, y)
    assert len(np.unique(drawn[0][2])) > 3


def test_an_unknown_context_kind_names_what_is_known():
    record = _hand_built().to_dict()
    record["context"] = {"kind": "orchard", "trees": []}
    with pytest.raises(ValueError, match="'orchard' is unknown here.*'driving'"):
        SceneSpec.from_dict(record)
    assert SceneContext.rebuild(None) is None
