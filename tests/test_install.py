"""Installing on an unsupported Python fails at once with one line (setup.py), and the versions
it names are those of pyproject.toml's requires-python."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from helpers import REPO, run_command
from packaging.specifiers import SpecifierSet


def _setup_module():
    spec = importlib.util.spec_from_file_location("simgen_setup", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not as __main__: setup() is not called
    return module


def test_supported_versions_match_requires_python():
    text = (REPO / "pyproject.toml").read_text()  # tomllib is not in Python 3.10
    requires = SpecifierSet(re.search(r'^requires-python = "([^"]+)"', text, re.M).group(1))
    supported = _setup_module().SUPPORTED
    for minor in range(6, 16):
        assert ((3, minor) in supported) == (f"3.{minor}" in requires), minor


@pytest.mark.parametrize("version", [(3, 12), (3, 13), (3, 9)])
def test_unsupported_python_is_refused_in_one_line(version):
    with pytest.raises(SystemExit) as info:
        _setup_module().check_python(version)
    message = str(info.value)
    assert message.startswith(f"simgen: error: Python {version[0]}.{version[1]} is not supported; "
                              "simgen needs Python 3.10 or 3.11") and "\n" not in message


def test_the_build_hook_passes_on_this_python():
    _setup_module().check_python()
    proc = run_command([sys.executable, "setup.py", "--name"], cwd=REPO, timeout=60, expect=0)
    assert proc.stdout.strip().splitlines()[-1] == "simgen"
