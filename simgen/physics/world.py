"""One pybullet client per worker, reset between scenes.

pybullet places a body's link frame when it is created but reports the pose of its inertial
frame (centre of mass). :meth:`PhysicsWorld.link_pose` converts back, in this one place.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from simgen.assets.geometry import LoadedAsset, load_asset
from simgen.config.schema import PhysicsConfig
from simgen.core.bullet import pb
from simgen.core.poses import pose_matrix
from simgen.core.spec import BodySpec, SceneSpec
from simgen.physics.shapes import collision_shape
from simgen.physics.state import SceneState

GRAVITY = -9.81
DEFAULT_FRICTION = 0.8
# pybullet keeps every mesh file it parses (OBJ shapes of URDFs, convex hulls) in one cache per
# process that nothing else empties, and a generated shape's hull is a new file per body: the
# cache is emptied between scenes once the assets met since it was last emptied pass this many.
FILE_CACHE_ASSETS = 64


def empty_file_cache(client: int) -> None:
    """Drop pybullet's process-wide cache of parsed mesh files (switching its file caching off
    empties it; it is switched on again at once). Bodies already made keep their shapes."""
    pb.setPhysicsEngineParameter(enableFileCaching=0, physicsClientId=client)
    pb.setPhysicsEngineParameter(enableFileCaching=1, physicsClientId=client)


def _quat(R: np.ndarray) -> list[float]:
    return Rotation.from_matrix(R).as_quat().tolist()  # x, y, z, w as pybullet wants


def _matrix(position, quaternion) -> np.ndarray:
    return pose_matrix(position, Rotation.from_quat(quaternion).as_matrix())


class PhysicsWorld:
    """A DIRECT-mode pybullet client that builds, settles and reads back one scene at a time."""

    def __init__(self) -> None:
        self.client = pb.connect(pb.DIRECT)
        self._ids: dict[int, int] = {}  # instance id -> pybullet body id
        self._cfg = PhysicsConfig()
        self._files_met: set = set()  # assets whose mesh files pybullet may hold since it was emptied

    def close(self) -> None:
        if self.client is not None and pb.isConnected(self.client):
            pb.disconnect(self.client)
        self.client = None

    def reset(self, cfg: PhysicsConfig) -> None:
        """Empty world: results never depend on a previous scene."""
        pb.resetSimulation(physicsClientId=self.client)
        if len(self._files_met) > FILE_CACHE_ASSETS:
            empty_file_cache(self.client)
            self._files_met.clear()
        pb.setGravity(0, 0, GRAVITY, physicsClientId=self.client)
        pb.setPhysicsEngineParameter(fixedTimeStep=cfg.time_step, numSolverIterations=cfg.solver_iterations,
                                     physicsClientId=self.client)
        self._ids.clear()
        self._cfg = cfg

    def add(self, body: BodySpec, asset: LoadedAsset) -> int:
        c = self.client
        R, t = body.pose[:3, :3], body.pose[:3, 3].tolist()
        ref = asset.ref
        if ref.kind != "primitive" or ref.shape == "cone":
            self._files_met.add(ref)
        if ref.kind == "urdf":
            bid = pb.loadURDF(ref.path, t, _quat(R), useFixedBase=body.static, globalScaling=ref.scale, physicsClientId=c)
        else:
            mass = 0.0 if body.static else (body.mass if body.mass is not None else asset.mass)
            bid = pb.createMultiBody(
                baseMass=mass,
                baseCollisionShapeIndex=collision_shape(c, asset),
                baseVisualShapeIndex=-1,  # no visual shape: pyrender draws the scene
                basePosition=t,
                baseOrientation=_quat(R),
                baseInertialFramePosition=asset.center_of_mass.tolist(),
                physicsClientId=c,
            )
        if not body.static:
            friction = DEFAULT_FRICTION if body.friction is None else body.friction
            pb.changeDynamics(bid, -1, lateralFriction=friction, rollingFriction=self._cfg.rolling_friction,
                              spinningFriction=self._cfg.spinning_friction, physicsClientId=c)
        self._ids[body.instance_id] = bid
        return bid

    def link_pose(self, instance_id: int) -> np.ndarray:
        """World pose (4, 4) of a body's link frame, the frame its visual mesh is given in."""
        bid = self._ids[instance_id]
        com = _matrix(*pb.getBasePositionAndOrientation(bid, physicsClientId=self.client))
        local = pb.getDynamicsInfo(bid, -1, physicsClientId=self.client)[3:5]
        return com @ np.linalg.inv(_matrix(*local))

    def _speeds(self) -> tuple[float, float]:
        lin, ang = 0.0, 0.0
        for bid in self._ids.values():
            v, w = pb.getBaseVelocity(bid, physicsClientId=self.client)
            lin, ang = max(lin, float(np.linalg.norm(v))), max(ang, float(np.linalg.norm(w)))
        return lin, ang

    def settle(self, cfg: PhysicsConfig, chunk: int = 10) -> tuple[int, bool]:
        """Step until every body rests (below both rest speeds) or ``max_steps``; (steps, rested)."""
        steps = 0
        while steps < cfg.max_steps:
            for _ in range(chunk):
                pb.stepSimulation(physicsClientId=self.client)
            steps += chunk
            if steps >= cfg.min_steps:
                lin, ang = self._speeds()
                if lin < cfg.rest_linear_speed and ang < cfg.rest_angular_speed:
                    return steps, True
        return steps, False

    def remove(self, instance_id: int) -> None:
        pb.removeBody(self._ids.pop(instance_id), physicsClientId=self.client)

    def simulate(self, spec: SceneSpec, cfg: PhysicsConfig) -> SceneState:
        """Build ``spec``, drop and settle it, and read every body's link pose back exactly."""
        self.reset(cfg)
        assets = {b.instance_id: load_asset(b.asset) for b in spec.bodies}
        for body in spec.bodies:
            self.add(body, assets[body.instance_id])
        steps, rested = self.settle(cfg)
        poses = {b.instance_id: self.link_pose(b.instance_id) for b in spec.bodies}
        state = SceneState(spec=spec, bodies=list(spec.bodies), poses=poses, assets=assets, steps=steps, resting=rested)
        if spec.keep_above is not None:
            for body in state.objects():
                if state.lowest_point(body.instance_id) < spec.keep_above:
                    state.removed.append(body.instance_id)
        for iid in state.removed:
            self.remove(iid)
            del state.poses[iid], state.assets[iid]
        state.bodies = [b for b in state.bodies if b.instance_id not in state.removed]
        return state
