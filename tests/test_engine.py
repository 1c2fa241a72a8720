"""The colour engine setting: raster or path traced per scene, labels the same either way."""

from __future__ import annotations

import hashlib
import importlib.util
import json

import pytest
from helpers import config_error, load_test_job

from simgen.config.schema import RendererConfig
from simgen.farm.runner import run_job
from simgen.render import engines
from simgen.render.pathtrace import backend


def _engine_missing() -> str:
    try:
        backend.check_installed("cpu", denoise=False)
    except Exception as exc:  # the one-line reason
        return str(exc)
    return ""


needs_engine = pytest.mark.skipif(bool(_engine_missing()), reason=_engine_missing() or "engine present")


def test_the_engine_is_chosen_per_scene_from_the_seed():
    cfg = RendererConfig(engine="pathtrace")
    cfg.pathtrace.share = 0.5
    picks = [engines.scene_engine(cfg, 3, i) for i in range(400)]
    assert picks == [engines.scene_engine(cfg, 3, i) for i in range(400)]  # a function of (seed, index)
    assert 0.43 < picks.count("pathtrace") / 400 < 0.57
    assert picks != [engines.scene_engine(cfg, 4, i) for i in range(400)]  # another seed, other scenes
    cfg.pathtrace.share = 0.0
    assert {engines.scene_engine(cfg, 3, i) for i in range(50)} == {"raster"}
    cfg.pathtrace.share = 1.0
    assert {engines.scene_engine(cfg, 3, i) for i in range(50)} == {"pathtrace"}
    assert {engines.scene_engine(RendererConfig(), 3, i) for i in range(50)} == {"raster"}
    assert engines.sampler_seed(3, 5, 0) == engines.sampler_seed(3, 5, 0) != engines.sampler_seed(3, 5, 1)


def test_engine_settings_are_checked_in_one_line():
    assert config_error("renderer.engine=cycles") == "renderer.engine='cycles': allowed: raster, pathtrace"
    assert config_error("renderer.pathtrace.share=1.5") == "renderer.pathtrace.share=1.5: must lie in [0, 1]"
    assert config_error("renderer.pathtrace.spp=0").startswith("renderer.pathtrace.spp=0")


def test_a_missing_extra_is_one_line_naming_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mitsuba" else real(name, *a))
    message = config_error("renderer.engine=pathtrace")
    assert message == ('renderer.engine=pathtrace needs the photoreal extra: pip install -e ".[photoreal]" '
                       "(mitsuba missing)")
    load_test_job("renderer.engine=pathtrace", "renderer.pathtrace.share=0")  # nothing path-traced: no extra needed


def _files(root):
    """sha256 of every annotation and label-layer file, by dataset-relative path."""
    paths = [*root.glob("annotations/*.json"), *root.glob("layers/*/*.png")]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _without_engine(path):
    """A COCO file with each image record's ``engine`` left out."""
    doc = json.loads(path.read_text())
    return [{k: v for k, v in img.items() if k != "engine"} for img in doc["images"]], doc["annotations"]


@pytest.mark.e2e  # about 30 s a scene kind on 2 cores, most of it the path tracer's first compile
@needs_engine
@pytest.mark.parametrize("scene", ["tabletop", "bin_picking", "driving"])
def test_path_traced_datasets_have_the_raster_labels_byte_for_byte(tmp_path, renderer, scene):
    common = [f"scene={scene}", "frames=2", "renderer.width=160", "renderer.height=120", "scene.views_per_scene=2",
              "report=false", "validate=false", "farm.workers=1", "seed=5", "export.layers=[depth,object_ids,semantic,normals]",
              "renderer.pathtrace.spp=2", "renderer.pathtrace.denoise=false"]
    if scene == "driving":
        common[4] = "sequence.length=2"
    roots = {}
    for engine in ("raster", "pathtrace"):
        roots[engine] = tmp_path / engine
        typed, job = load_test_job(*common, f"renderer.engine={engine}", f"output_dir={roots[engine]}")
        run_job(typed, job, roots[engine], progress=False)
    raster, traced = (_files(roots[e]) for e in ("raster", "pathtrace"))
    layers = {k: v for k, v in raster.items() if k.startswith("layers/")}
    assert len(layers) == 8 and all(traced[k] == v for k, v in layers.items())
    for name in (k for k in raster if k.startswith("annotations/")):
        assert _without_engine(roots["raster"] / name) == _without_engine(roots["pathtrace"] / name)
    images = {e: sorted(roots[e].glob("images/*/*.png")) for e in roots}
    assert [p.name for p in images["raster"]] == [p.name for p in images["pathtrace"]]
    assert all(a.read_bytes() != b.read_bytes() for a, b in zip(images["raster"], images["pathtrace"], strict=True))


def test_a_raster_job_keeps_its_config_hash_and_folder():
    """Engine settings enter a job's record and hash only when the path tracer may draw, and
    material kinds' weights only when a kind other than principled is drawn: a raster job of
    principled materials keeps the folder and record it had before either existed."""
    from simgen.config.canonical import dataset_config, default_output_dir

    typed, _ = load_test_job("seed=0")
    assert "engine" not in dataset_config(typed)["renderer"] and "pathtrace" not in dataset_config(typed)["renderer"]
    assert default_output_dir(typed).name == "tabletop-seed0-c7b76484"  # the README's Quick start folder
    traced, _ = load_test_job("seed=0", "renderer.engine=pathtrace", "renderer.pathtrace.share=0")
    assert dataset_config(traced)["renderer"]["pathtrace"]["share"] == 0.0
    assert default_output_dir(traced) != default_output_dir(typed)
    kinds, _ = load_test_job("seed=0", "scene.materials.glass=0.5")  # material kinds drawn: another dataset
    assert dataset_config(kinds)["scene"]["materials"]["glass"] == 0.5
    assert default_output_dir(kinds) != default_output_dir(typed)


@pytest.mark.e2e
@needs_engine
def test_a_mixed_dataset_names_each_image_s_engine(tmp_path, renderer):
    """``renderer.pathtrace.share=0.5``: the scenes the seed picks are path traced, the rest
    rasterized, and every image record says which."""
    overrides = ["scene=tabletop", "frames=8", "scene.views_per_scene=1", "renderer.width=160", "renderer.height=120",
                 "report=false", "validate=false", "farm.workers=1", "seed=5", "renderer.engine=pathtrace",
                 "renderer.pathtrace.share=0.5", "renderer.pathtrace.spp=2", "renderer.pathtrace.denoise=false"]
    typed, job = load_test_job(*overrides, f"output_dir={tmp_path}")
    expected = {i + 1: engines.scene_engine(job.renderer, job.seed, i) for i in range(8)}
    assert set(expected.values()) == {"raster", "pathtrace"}  # this seed gives both
    run_job(typed, job, tmp_path, progress=False)
    named = {img["id"]: img["engine"] for path in tmp_path.glob("annotations/*.json")
             for img in json.loads(path.read_text())["images"]}
    assert named == expected
