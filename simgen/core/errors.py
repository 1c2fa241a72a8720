"""Errors the user can act on: each prints as one line, names the setting or file, exits non-zero."""


class SimgenError(Exception):
    """Base class for errors shown to the user as a single line (no traceback)."""

    exit_code = 2


class ConfigError(SimgenError):
    """A configuration value is outside what is allowed."""


class AssetError(SimgenError):
    """A mesh or URDF cannot be used."""


class DatasetError(SimgenError):
    """An output directory or dataset is not in the state an operation needs."""


class FarmError(SimgenError):
    """Scenes of a job failed after their retries; the rest of the job is kept for a rerun."""

    exit_code = 1


def require(ok: bool, key: str, value, allowed: str) -> None:
    """Raise ConfigError ``key=value: allowed`` unless ``ok``: the one shape of a value check."""
    if not ok:
        raise ConfigError(f"{key}={value!r}: {allowed}")


def first_line(exc: BaseException, limit: int | None = None, with_type: bool = False) -> str:
    """The first line of ``exc``'s message (prefixed by its type with ``with_type``), cut to
    ``limit`` characters: how a library's multi-line error is shown in one of ours."""
    text = str(exc).strip()
    text = (f"{type(exc).__name__}: {text}" if with_type else text).splitlines()[0] if text or with_type else ""
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def one_line(exc: BaseException) -> str:
    """An unexpected error (a worker's, a scene's) as one line: its type and first line."""
    return first_line(exc, limit=200, with_type=True)
