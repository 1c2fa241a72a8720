"""PathTracer: one Mitsuba scene per simgen scene, drawn from any camera; one per process.

A provider of the ``color`` pass: labels never come from here (ids, depth and coverage stay
on the raster's exact passes). :meth:`PathTracer.shape_ids` exists to check that both engines
see the same pixels.
"""

from __future__ import annotations

import gc
import time

import numpy as np

from simgen.config.pathtrace import PathTraceConfig
from simgen.core.camera import mitsuba_perspective
from simgen.core.errors import ConfigError
from simgen.core.spec import CameraSpec
from simgen.physics.state import SceneState
from simgen.render.pathtrace import image, lights, shapes
from simgen.render.pathtrace.backend import import_mitsuba, import_oidn
from simgen.render.pathtrace.geometry import BodyMesh, body_mesh, posed

STAGES = ("build", "jit", "render", "denoise")


class PathTracer:
    """Path-traced colour images of SceneStates at ``width`` x ``height`` pixels.

    ``timings``: seconds spent, accumulated over calls, in ``build`` (scene translation),
    ``jit`` (kernel compilation), ``render`` (tracing, less compilation) and ``denoise``.
    """

    def __init__(self, cfg: PathTraceConfig, width: int, height: int) -> None:
        cfg.check()
        self.cfg, self.width, self.height = cfg, width, height
        self.mi = mi = import_mitsuba(cfg.variant())
        import drjit as dr

        self._dr = dr
        if cfg.threads:
            dr.set_thread_count(cfg.threads)
        dr.set_flag(dr.JitFlag.KernelHistory, True)
        self._oidn = import_oidn() if cfg.denoise else None
        self.timings = dict.fromkeys(STAGES, 0.0)
        film = {"type": "hdrfilm", "width": width, "height": height, "rfilter": {"type": "box"},
                "pixel_format": "rgba"}
        self._sensor = mi.load_dict({"type": "perspective", "film": film,
                                     "sampler": {"type": "independent", "sample_count": cfg.spp}})
        # Shape ids: one unjittered sample at each pixel centre, kept by a box filter.
        centres = {"type": "stratified", "sample_count": 1, "jitter": False}
        self._id_sensor = mi.load_dict({"type": "perspective", "film": film, "sampler": centres})
        path = {"type": "path", "max_depth": cfg.max_depth, "hide_emitters": True}
        self._integrator = mi.load_dict(path)
        # The denoiser's guides in a render of their own: one intersection per sample. Nested in
        # the aov integrator, the path tracer ran twice as long (a 10-channel film).
        guides = {"type": "aov", "aovs": "albedo:albedo,normal:sh_normal"}
        self._guides = mi.load_dict(guides) if cfg.denoise else None
        self._id_integrator = mi.load_dict({"type": "aov", "aovs": "sid:shape_index"})
        self._shared_bsdf = shapes.shared_bsdf(mi)
        self._scene = None
        self._params = None
        self._bodies: dict[int, BodyMesh] = {}
        self._background = (0.0, 0.0, 0.0)
        self._id_of_index = np.zeros(1, np.int32)

    # ---- the scene ----

    def load(self, state: SceneState) -> None:
        """Build the Mitsuba scene of ``state``: a mesh per body at its pose, the lights, the
        hemisphere ambient as an environment emitter, the background colour."""
        mi, start = self.mi, time.perf_counter()
        spec = state.spec
        # Free the last scene first: its objects' registry ids are then reused, and kernels
        # compiled for a scene of the same make-up are found again.
        self._scene = self._params = None
        gc.collect()
        self._bodies = {b.instance_id: body_mesh(state, b.instance_id) for b in state.bodies}
        scene = {"type": "scene", "environment": lights.environment(mi, spec)}
        for body in self._bodies.values():
            if len(body.faces):
                pose = state.poses[body.instance_id]
                scene[shapes.shape_name(body.instance_id)] = shapes.mesh(mi, body, pose, self._shared_bsdf)
        for k, light in enumerate(spec.lights):
            scene[f"light{k}"] = lights.emitter(mi, light)
        self._scene = mi.load_dict(scene)
        self._params = mi.traverse(self._scene)
        self._background = tuple(spec.background)
        index = {}
        for shape in self._scene.shapes():
            iid = int(shape.id().removeprefix("body"))
            index[int(self._dr.reinterpret_array(mi.UInt32, mi.ShapePtr(shape))[0])] = iid
        self._id_of_index = np.zeros(max(index, default=0) + 1, np.int32)
        for k, iid in index.items():
            self._id_of_index[k] = iid
        self.timings["build"] += time.perf_counter() - start

    def set_pose(self, instance_id: int, pose: np.ndarray) -> None:
        """Move body ``instance_id`` to world ``pose`` (4, 4) without rebuilding the scene."""
        start = time.perf_counter()
        body = self._bodies[instance_id]
        if not len(body.faces):
            return
        positions, normals = posed(body, pose)
        name = shapes.shape_name(instance_id)
        self._params[f"{name}.vertex_positions"] = positions.ravel()
        if normals is not None:
            self._params[f"{name}.vertex_normals"] = normals.ravel()
        self._params.update()
        self.timings["build"] += time.perf_counter() - start

    # ---- drawing ----

    def _aim(self, sensor, cam: CameraSpec) -> None:
        if self._scene is None:
            raise RuntimeError("PathTracer.load() a scene before drawing it")
        if (cam.width, cam.height) != (self.width, self.height):
            raise ValueError(f"camera is {cam.width}x{cam.height} but the path tracer is "
                             f"{self.width}x{self.height}")
        try:
            settings = mitsuba_perspective(cam.K, cam.width, cam.height, cam.cam_to_world)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        params = self.mi.traverse(sensor)
        params["x_fov"] = settings["x_fov"]
        params["principal_point_offset_x"] = settings["principal_point_offset_x"]
        params["principal_point_offset_y"] = settings["principal_point_offset_y"]
        params["to_world"] = self.mi.Transform4f(settings["to_world"])
        params["near_clip"], params["far_clip"] = float(cam.znear), float(cam.zfar)
        params.update()

    def _render(self, sensor, integrator, seed: int, spp: int) -> np.ndarray:
        """(H, W, C) float32 of one render; compilation and tracing time added to timings."""
        dr, start = self._dr, time.perf_counter()
        dr.kernel_history()  # forget kernels launched before this render
        out = np.array(self.mi.render(self._scene, sensor=sensor, integrator=integrator, seed=seed, spp=spp))
        wall = time.perf_counter() - start
        compile_ms = sum(k.get("codegen_time", 0.0) + k.get("backend_time", 0.0) for k in dr.kernel_history())
        jit = min(compile_ms / 1000.0, wall)
        self.timings["jit"] += jit
        self.timings["render"] += wall - jit
        return out

    def radiance(self, cam: CameraSpec, seed: int, spp: int | None = None) -> np.ndarray:
        """(H, W, C) float32 of view ``cam``: linear RGB radiance (3), coverage alpha (1) and,
        with denoising on, the albedo (3) and world normal (3) guides; ``spp`` samples per
        pixel (default the settings')."""
        self._aim(self._sensor, cam)
        seed, spp = seed & 0xFFFFFFFF, spp or self.cfg.spp
        out = self._render(self._sensor, self._integrator, seed, spp)
        if self._guides is None:
            return out
        return np.concatenate([out, self._render(self._sensor, self._guides, seed, spp)], axis=2)

    def color(self, cam: CameraSpec, seed: int, spp: int | None = None) -> np.ndarray:
        """(H, W, 3) uint8 colour image of view ``cam``, sampled from ``seed`` (same seed, same
        bytes on one machine and variant), denoised where the settings say so; ``spp``
        overrides the settings' samples per pixel."""
        out = self.radiance(cam, seed, spp)
        rgb, alpha = out[..., :3], out[..., 3]
        if self._oidn is not None:
            start = time.perf_counter()
            rgb = image.denoise(self._oidn, rgb, out[..., 4:7], out[..., 7:10])
            self.timings["denoise"] += time.perf_counter() - start
        return image.to_bytes(rgb, alpha, self._background)

    @property
    def background(self) -> tuple[float, float, float]:
        """The loaded scene's background colour (output values, as the raster clears to)."""
        return self._background

    def shape_ids(self, cam: CameraSpec) -> np.ndarray:
        """(H, W) int32 instance id of the surface at each pixel centre, 0 = nothing."""
        self._aim(self._id_sensor, cam)
        out = self._render(self._id_sensor, self._id_integrator, 0, 1)
        index = np.rint(out[..., 0]).astype(np.int64)
        index[(index < 0) | (index >= len(self._id_of_index))] = 0
        return self._id_of_index[index]
