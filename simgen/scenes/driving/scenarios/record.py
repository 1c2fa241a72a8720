"""What a staged scenario leaves in the scene's context: its name, its actors and their roles,
the phase of every frame and the planned visibility of its key actor (the labels' and the
in-view measure's source)."""

from __future__ import annotations

from dataclasses import dataclass

from simgen.core.spec import ScenarioTag


@dataclass
class StagedScenario:
    """``roles``: instance id -> role (the key actor first); ``phases``: before, onset or after
    per frame of the sequence; ``visibility``: per frame, the planned share of the key actor
    the first rig camera sees (from the geometry: the image's bounds and the boxes of what was
    placed before traffic, see :mod:`simgen.scenes.driving.scenarios.stage`); ``in_view``:
    whether the planned event is in view at its onset."""

    name: str
    roles: dict[int, str]
    phases: list[str]
    visibility: list[float]
    in_view: bool
    variant: str = ""

    def tag(self, frame_index: int) -> ScenarioTag:
        phase = self.phases[min(frame_index, len(self.phases) - 1)]
        return ScenarioTag(name=self.name, phase=phase, actors=list(self.roles), roles=dict(self.roles))

    def to_dict(self) -> dict:
        return {"name": self.name, "roles": {str(k): v for k, v in self.roles.items()}, "phases": list(self.phases),
                "visibility": [round(float(v), 4) for v in self.visibility], "in_view": self.in_view,
                "variant": self.variant}

    @classmethod
    def from_dict(cls, d: dict) -> StagedScenario:
        return cls(name=d["name"], roles={int(k): v for k, v in d["roles"].items()}, phases=list(d["phases"]),
                   visibility=[float(v) for v in d["visibility"]], in_view=bool(d["in_view"]), variant=d.get("variant", ""))
