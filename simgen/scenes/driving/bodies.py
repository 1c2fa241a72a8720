"""Bodies of a driving scene: merged scenery, and poses of things standing on the street."""

from __future__ import annotations

import numpy as np

from simgen.assets.procedural import rotation_z
from simgen.core.poses import pose_matrix
from simgen.core.spec import AssetRef, BodySpec, SceneSpec
from simgen.scenes.driving.looks import SCENERY
from simgen.scenes.driving.scenery_meshes import SceneryParts


def ground_pose(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    """(4, 4) pose of a body whose bottom centre is at (x, y, z), turned by ``yaw`` about z."""
    return pose_matrix((x, y, z), rotation_z(yaw))


def add_scenery(spec: SceneSpec, parts: SceneryParts, support_top: float | None = None) -> BodySpec | None:
    """One static unlabeled body holding all of ``parts`` (one pyrender node, however many
    pieces: each node costs time in every pass)."""
    if not parts:
        return None
    body = BodySpec(instance_id=spec.next_instance_id(), asset=AssetRef(kind="procedural", shape="scenery", size=parts.params()),
                    pose=np.eye(4), material=SCENERY, static=True, support_top=support_top)
    spec.bodies.append(body)
    return body
