"""SceneState: a scene after physics, the data the render and annotate stages read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simgen.assets.geometry import LoadedAsset, load_asset
from simgen.core.spec import BodySpec, SceneSpec


@dataclass
class SceneState:
    """Bodies still in the scene with their settled link-frame world poses (4, 4), metres.

    ``removed`` lists instance ids of objects dropped after settling (fell off the support).
    """

    spec: SceneSpec
    bodies: list[BodySpec]
    poses: dict[int, np.ndarray]
    assets: dict[int, LoadedAsset]
    steps: int = 0
    resting: bool = True
    removed: list[int] = field(default_factory=list)

    def objects(self) -> list[BodySpec]:
        """Labeled bodies (those with a category)."""
        return [b for b in self.bodies if b.category is not None]

    def lowest_point(self, instance_id: int) -> float:
        """World z (metres) of the lowest vertex of a body's visual mesh."""
        T = self.poses[instance_id]
        return float((self.assets[instance_id].vertices @ T[2, :3] + T[2, 3]).min())


def posed_state(spec: SceneSpec) -> SceneState:
    """The scene exactly as specified, without simulation: for analytic tests, kinematic
    sequences and re-rendering a recorded spec."""
    return SceneState(
        spec=spec,
        bodies=list(spec.bodies),
        poses={b.instance_id: np.asarray(b.pose, float) for b in spec.bodies},
        assets={b.instance_id: load_asset(b.asset) for b in spec.bodies},
        steps=0,
    )
