"""Build hook: refuse an unsupported Python at once.

pip checks ``requires-python`` only after resolving every dependency, which on Python 3.12 and
later means downloading pybullet's source and backtracking for many minutes. This file runs
first (while pip asks for build requirements), so the refusal comes in seconds. Everything else
about the package is in pyproject.toml.
"""

import sys

SUPPORTED = ((3, 10), (3, 11))  # pybullet 3.2.7 publishes wheels for these; keep requires-python in step


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:2])) -> None:
    """Exit with one line naming the supported versions unless ``version`` (major, minor) is one."""
    if tuple(version[:2]) in SUPPORTED:
        return
    names = " or ".join(f"{a}.{b}" for a, b in SUPPORTED)
    raise SystemExit(f"simgen: error: Python {version[0]}.{version[1]} is not supported; simgen needs Python {names} "
                     f"(pybullet 3.2.7 has wheels only for those). Make an environment with one, "
                     f"e.g. python3.11 -m venv .venv && .venv/bin/pip install -e .")


if __name__ == "__main__":
    check_python()
    from setuptools import setup

    setup()
