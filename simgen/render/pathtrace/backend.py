"""The optional engine: Mitsuba 3 and Open Image Denoise, imported on first use.

Mitsuba's CPU variant compiles its kernels with LLVM 16 or newer, loaded at run time from
``DRJIT_LIBLLVM_PATH``. An older libLLVM (Mesa's 15) makes it abort the process, so the
library is chosen before Mitsuba is imported: the path already set, else Debian's
``libllvm19`` (or another LLVM 16+) where it is installed. A missing piece is one line naming
what to install.
"""

from __future__ import annotations

import glob
import os
import re
from types import ModuleType

from simgen.core.errors import ConfigError

INSTALL_EXTRA = 'pip install -e ".[photoreal]"'
INSTALL_LLVM = "apt-get install libllvm19"
MIN_LLVM = 16
LLVM_PATTERNS = (
    "/usr/lib/x86_64-linux-gnu/libLLVM.so.*",
    "/usr/lib/aarch64-linux-gnu/libLLVM.so.*",
    "/usr/lib/llvm-*/lib/libLLVM.so.*",
    "/usr/lib64/libLLVM.so.*",
)

_variant: str | None = None


def find_llvm(patterns: tuple[str, ...] | list[str] | None = None) -> str | None:
    """Path of the newest libLLVM of version 16 or newer among ``patterns`` (glob patterns;
    default ``LLVM_PATTERNS``), or None."""
    best: tuple[int, str] | None = None
    for pattern in LLVM_PATTERNS if patterns is None else patterns:
        for path in glob.glob(pattern):
            match = re.search(r"libLLVM\.so\.(\d+)", path)
            if match and int(match.group(1)) >= MIN_LLVM and (best is None or int(match.group(1)) > best[0]):
                best = (int(match.group(1)), path)
    return None if best is None else best[1]


def _prepare_llvm() -> None:
    """Point drjit at an LLVM it can use, unless the environment already does."""
    if os.environ.get("DRJIT_LIBLLVM_PATH"):
        return
    path = find_llvm()
    if path is None:
        raise ConfigError(f"the path tracer's CPU variant needs LLVM {MIN_LLVM} or newer: {INSTALL_LLVM} "
                          "(or set DRJIT_LIBLLVM_PATH)")
    os.environ["DRJIT_LIBLLVM_PATH"] = path


def import_mitsuba(variant: str) -> ModuleType:
    """``mitsuba`` with ``variant`` set (``llvm_ad_rgb`` or ``cuda_ad_rgb``); one variant per
    process. Raises ConfigError naming what to install when the extra or LLVM is missing."""
    global _variant
    if variant.startswith("llvm"):
        _prepare_llvm()
    try:
        import mitsuba as mi
    except ImportError as exc:
        raise ConfigError(f"the path tracer needs Mitsuba 3 and Open Image Denoise: {INSTALL_EXTRA} "
                          f"({exc.name or 'mitsuba'} is missing)") from None
    if _variant is not None and _variant != variant:
        raise ConfigError(f"the path tracer already runs variant {_variant} in this process; "
                          f"cannot switch to {variant}")
    try:
        mi.set_variant(variant)
    except (ImportError, AttributeError, RuntimeError) as exc:
        hint = INSTALL_LLVM if variant.startswith("llvm") else "an NVIDIA driver with CUDA"
        raise ConfigError(f"Mitsuba variant {variant} does not start ({str(exc).strip().splitlines()[0]}): "
                          f"needs {hint}") from None
    _variant = variant
    return mi


def import_oidn() -> ModuleType:
    """``pyoidn``, or ConfigError naming the extra to install."""
    try:
        import pyoidn
    except ImportError:
        raise ConfigError(f"denoising path-traced images needs Open Image Denoise: {INSTALL_EXTRA} "
                          "(pyoidn is missing)") from None
    return pyoidn


def check_installed(device: str, denoise: bool) -> None:
    """Raise ConfigError naming what to install when the engine could not start on ``device``
    (``cpu`` or ``cuda``), without importing it: checked before a job writes anything."""
    from importlib.util import find_spec

    missing = [name for name in ("mitsuba", "drjit") + (("pyoidn",) if denoise else ()) if find_spec(name) is None]
    if missing:
        raise ConfigError(f"renderer.engine=pathtrace needs the photoreal extra: {INSTALL_EXTRA} "
                          f"({', '.join(missing)} missing)")
    if device == "cpu" and not os.environ.get("DRJIT_LIBLLVM_PATH") and find_llvm() is None:
        raise ConfigError(f"renderer.engine=pathtrace on the CPU needs LLVM {MIN_LLVM} or newer: {INSTALL_LLVM} "
                          "(or set DRJIT_LIBLLVM_PATH)")
