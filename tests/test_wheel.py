"""The wheel, installed in a fresh virtual environment outside the checkout, runs a small job
from another folder with the configs and recipes it carries (simgen/conf/, simgen/scenes/).

The venv sees the base environment's packages (``--system-site-packages``: the dependencies,
without a network), so the test checks that ``simgen`` itself is imported from the venv's own
site-packages and not from this checkout or its editable install.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from helpers import REPO, run_command
from pycocotools.coco import COCO

pytestmark = pytest.mark.e2e

PACKAGE_DATA = ("simgen/conf/config.yaml", "simgen/scenes/tabletop.yaml")
JOB = ["scene=tabletop", "frames=8", "renderer.width=160", "renderer.height=120"]


def _outside_env() -> dict[str, str]:
    """The environment of a user's shell: nothing of the checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIMGEN_FAULT_SCENES", "SIMGEN_SCENE_PATH")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout (setuptools leaves build/ and egg-info
    where it builds)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        ".git", "outputs", "multirun", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
        ".gl", ".whl"))
    run_command([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", root / "dist"], cwd=src,
                env=_outside_env(), timeout=600, expect=0)
    (found,) = (root / "dist").glob("simgen-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel: its bin/ folder."""
    root = tmp_path_factory.mktemp("venv") / "env"
    run_command([sys.executable, "-m", "venv", root], env=_outside_env(), timeout=300, expect=0)
    run_command([root / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-index", wheel],
                env=_outside_env(), timeout=300, expect=0)
    # The dependencies come from the environment running the tests (CI's own fresh venv, whose
    # base interpreter has none): a path line, after the venv's own site-packages, so simgen is
    # still the wheel's (the checkout's editable install is a .pth there, which this does not run).
    site = run_command([root / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       env=_outside_env(), timeout=60, expect=0).stdout.strip()
    (Path(site) / "simgen_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "bin"


def test_the_wheel_carries_the_configs_and_recipes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(PACKAGE_DATA) <= names
    assert {"simgen/scenes/bin_picking.yaml", "simgen/scenes/driving.yaml"} <= names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_the_venv_imports_simgen_from_its_own_site_packages(venv, tmp_path):
    code = "import simgen, simgen.config.paths as p; print(simgen.__file__); print(p.CONFIG_DIR)"
    proc = run_command([venv / "python", "-c", code], cwd=tmp_path, env=_outside_env(), timeout=120, expect=0)
    module, conf = (Path(line) for line in proc.stdout.split())
    site = Path(run_command([venv / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            env=_outside_env(), timeout=60, expect=0).stdout.strip())
    assert module == site / "simgen" / "__init__.py", module
    assert conf == site / "simgen" / "conf" and (conf / "config.yaml").is_file()
    assert REPO not in module.parents and REPO not in conf.parents


def test_the_installed_command_runs_a_job_from_another_folder(venv, tmp_path):
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    out = tmp_path / "dataset"
    proc = run_command([venv / "simgen", *JOB, f"output_dir={out}"], cwd=cwd, env=_outside_env(), timeout=600)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
    assert "no label-rule violations" in proc.stdout
    index = json.loads((out / "simgen_dataset.json").read_text())
    assert index
    files = sorted((out / "annotations").glob("instances_*.json"))
    assert files
    images = 0
    for path in files:
        coco = COCO(str(path))
        images += len(coco.getImgIds())
        for img in coco.dataset["images"]:
            assert (out / "images" / img["split"] / img["file_name"]).is_file()
    assert images == 8
    assert sorted(p.name for p in cwd.iterdir()) == []  # Hydra wrote nothing into the current folder
