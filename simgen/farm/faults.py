"""Fault injection, an aid for testing the farm's retries: ``SIMGEN_FAULT_SCENES``.

A comma-separated list of ``SCENE[:ATTEMPTS][:exit]``: scene ``SCENE`` fails on the first
``ATTEMPTS`` attempts of its shard (every attempt when omitted), by raising
:class:`InjectedFault`, or with ``exit`` by ending the worker process abruptly. Read once by the
driver and handed to every worker, so it acts the same in-process, on local Ray and on a cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from simgen.core.errors import ConfigError

ENV = "SIMGEN_FAULT_SCENES"
EXIT_STATUS = 70


class InjectedFault(RuntimeError):
    """Raised for a scene listed in ``SIMGEN_FAULT_SCENES``."""


@dataclass(frozen=True)
class FaultPlan:
    """scene index -> (failing attempts, or None for all; "raise" or "exit")."""

    scenes: dict[int, tuple[int | None, str]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ=os.environ) -> FaultPlan:
        text = environ.get(ENV, "").strip()
        scenes: dict[int, tuple[int | None, str]] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            parts = item.split(":")
            mode = parts.pop() if parts[-1] == "exit" else "raise"
            try:
                if not 1 <= len(parts) <= 2:
                    raise ValueError(item)
                scenes[int(parts[0])] = (int(parts[1]) if len(parts) == 2 else None, mode)
            except ValueError:
                raise ConfigError(f"{ENV}={text!r}: expected SCENE[:ATTEMPTS][:exit],...") from None
        return cls(scenes)

    def check(self, scene_index: int, attempt: int) -> None:
        """Fail here if scene ``scene_index`` is to fail on attempt ``attempt`` (0-based)."""
        if scene_index not in self.scenes:
            return
        attempts, mode = self.scenes[scene_index]
        if attempts is None or attempt < attempts:
            if mode == "exit":
                os._exit(EXIT_STATUS)
            raise InjectedFault(f"injected fault ({ENV}) in scene {scene_index}, attempt {attempt + 1}")
