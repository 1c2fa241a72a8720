"""Static unlabeled boxes (floors, table tops and legs, bin walls) that several kinds build."""

from __future__ import annotations

from simgen.core.poses import pose_matrix
from simgen.core.spec import AssetRef, BodySpec, SceneSpec

FLOOR_SIZE = 12.0  # metres: reaches past every view of a table or a bin


def static_box(spec: SceneSpec, size, centre, support_top: float | None) -> BodySpec:
    """Add a static box of ``size`` (x, y, z metres) centred at ``centre`` to ``spec``;
    ``support_top``: the z of its top face when nothing it carries can be hidden under it."""
    body = BodySpec(
        instance_id=spec.next_instance_id(),
        asset=AssetRef(kind="primitive", shape="box", size=tuple(float(s) for s in size)),
        pose=pose_matrix(centre),
        static=True,
        support_top=support_top,
    )
    spec.bodies.append(body)
    return body


def floor_slab(spec: SceneSpec) -> BodySpec:
    """The floor slab: 10 cm thick, its top at z = 0."""
    return static_box(spec, (FLOOR_SIZE, FLOOR_SIZE, 0.1), (0.0, 0.0, -0.05), support_top=0.0)
