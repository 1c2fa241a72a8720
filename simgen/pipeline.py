"""The stages of one scene, chained: recipe -> SceneSpec -> physics -> render -> image stage ->
annotate -> layers -> encode.

:class:`SceneWorker` owns one physics client and one renderer for its whole life and turns a
scene index into encoded frames. The farm (:func:`simgen.farm.runner.run_job`) drives workers
and writes the dataset.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from simgen.annotate.frame import ViewPlan, annotate_view, plan_view
from simgen.annotate.labels import FrameLabels
from simgen.annotate.lidar import label_returns
from simgen.annotate.parts import apply_context
from simgen.config.schema import LabelsConfig, RendererConfig
from simgen.core import layout
from simgen.core.errors import SimgenError
from simgen.core.lens import Lens, source_size
from simgen.core.memory import release_free_heap
from simgen.core.spec import CameraSpec, SceneSpec
from simgen.export.encode import EncodedFrame, encode_view
from simgen.export.facts import facts_path, image_look, scene_facts
from simgen.export.writers import make_writers
from simgen.job import JobSpec
from simgen.layers.base import ViewData, chosen, passes_of
from simgen.physics.state import SceneState, posed_state
from simgen.physics.world import PhysicsWorld
from simgen.randomizers import RecipeContext, build_scene
from simgen.randomizers.balance import label_yields, planned_counts
from simgen.render.engines import PATHTRACE, RASTER, sampler_seed, scene_engine
from simgen.render.lens import render_view, source_camera, through_lens
from simgen.render.renderer import Renderer
from simgen.sensor.lidar import LidarSensor
from simgen.sensor.stage import ImageStage

# "gl": waiting for the GL to finish drawing (llvmpipe threads or the GPU); the other stages are
# CPU-side work of the worker's own thread.
STAGES = ("scene", "physics", "render", "gl", "annotate", "encode", "write")
# The passes every view needs: the image and what the labels are made of.
BASE_PASSES = ("color", "ids", "depth")
LABEL_PASSES = ("ids", "depth")


@dataclass
class SceneResult:
    """A scene's frames, its per-scene files (by dataset-relative path) and stage timings (s)."""

    scene_index: int
    frames: list[EncodedFrame]
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SceneTask:
    """What the job says of one scene, worked out once: its split, the dataset's image index of
    each view it must render and the engine that draws its colour (``raster``, ``pathtrace``)."""

    index: int
    split: str
    image_indices: range
    engine: str


def draw_view(renderer: Renderer, state: SceneState, cam: CameraSpec, policy: LabelsConfig,
              layer_passes: set[str] = frozenset(),
              lap: Callable[[str], None] = lambda stage: None,
              color: Callable[[CameraSpec], np.ndarray] | None = None) -> tuple[dict[str, Any], ViewPlan]:
    """One view's arrays by name and its label plan: the base passes, then the coverage pass the
    plan asks for (it depends on the id map) and the passes of the chosen layers. ``color``:
    another colour engine (camera -> (H, W, 3) uint8) in place of the raster's colour pass.
    A camera with a lens is drawn as its wider pinhole view and remapped (:mod:`simgen.render.lens`):
    the arrays and the plan are the distorted camera's."""
    arrays = render_view(renderer.render, cam, BASE_PASSES if color is None else LABEL_PASSES)
    lap("render")
    if color is not None:
        drawn = source_camera(cam)
        arrays["color"] = color(drawn) if drawn is cam else through_lens(cam, "color", color(drawn))
        lap("pathtrace")
    plan = plan_view(state, cam, arrays["ids"], policy)
    lap("annotate")
    more = set(layer_passes) | ({"coverage"} if plan.coverage is not None else set())
    if more:
        arrays.update(render_view(renderer.render, cam, sorted(more), coverage=plan.coverage))
        lap("render")
    return arrays, plan


def drawn_renderer(job: JobSpec) -> RendererConfig:
    """The renderer settings views are drawn with: the job's, at the size of the lens's wider
    pinhole view when the cameras have a lens (:func:`simgen.core.lens.source_size`)."""
    if job.lens is None:
        return job.renderer
    width, height = source_size(job.renderer.width, job.renderer.height, job.lens.render_scale)
    return replace(job.renderer, width=width, height=height)


def with_lens(cam: CameraSpec, lens: Lens | None) -> CameraSpec:
    """``cam`` seen through the job's ``lens`` (the scene's cameras are pinholes)."""
    return cam if lens is None else replace(cam, lens=lens)


class _Laps:
    """Seconds per stage of one scene: each :meth:`lap` charges the time since the last to a
    stage, less what was spent waiting for the GL, which goes to ``gl``."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.seconds: dict[str, float] = defaultdict(float)
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        waited = self.renderer.take_gl_wait()
        self.seconds[stage] += now - self._clock - waited
        self.seconds["gl"] += waited
        self._clock = now


class SceneWorker:
    """Turns scene indices into encoded frames; one physics client and renderer for life."""

    def __init__(self, job: JobSpec) -> None:
        self.job = job
        self.physics = PhysicsWorld()
        self.renderer = Renderer(drawn_renderer(job))
        self.category_ids = {name: k + 1 for k, name in enumerate(job.categories)}
        self.writers = make_writers(job.export.formats, job.writer_context())
        self.sensor = ImageStage(job.sensor, job.seed, moving=job.sequence.length > 1,
                                 depth_layer=layout.DEPTH_SENSOR in job.export.layers)
        self.recipe = RecipeContext(scene=job.scene, width=job.renderer.width, height=job.renderer.height,
                                    sequence=job.sequence, balance=job.balance, yields=job.label_yields)
        layers = chosen(job.export.layers)
        self.layer_passes = passes_of(layers)
        self.per_view = [layer for layer in layers if not layer.across_frames]
        self.across = [layer for layer in layers if layer.across_frames]
        self._tracer = None  # the path tracer, made for the first path-traced scene
        self.lidar = LidarSensor(job.lidar, job.seed) if job.lidar.enabled else None
        # Files are encoded on a second thread (cv2 and zlib release the GIL) while this one
        # draws and labels the next view.
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simgen-encode")

    def close(self) -> None:
        self._encoder.shutdown()
        self.renderer.close()
        self.physics.close()

    def context(self, scene_index: int) -> SceneTask:
        job = self.job
        return SceneTask(index=scene_index, split=job.split_of(scene_index),
                            image_indices=job.image_indices(scene_index),
                            engine=scene_engine(job.renderer, job.seed, scene_index))

    def tracer(self):
        """The path tracer (:class:`simgen.render.pathtrace.tracer.PathTracer`), made on first use."""
        if self._tracer is None:
            from simgen.render.pathtrace.tracer import PathTracer

            cfg = drawn_renderer(self.job)
            self._tracer = PathTracer(cfg.pathtrace, cfg.width, cfg.height)
        return self._tracer

    def run(self, scene_index: int) -> SceneResult:
        scene = self.context(scene_index)
        laps = _Laps(self.renderer)
        spec, state = self._build(scene, laps)
        views = self._views(spec, scene)
        settled = state  # before the sequence moves anything
        frames, all_labels, kept, looks = [], [], [], []
        shown, scan, lidar = -1, None, None
        for view, image_index in enumerate(scene.image_indices):
            f, c, frame = views[view]
            if f != shown:  # the sequence's next time step: move what moved
                state = self._at(state, frame.poses, scene.engine == PATHTRACE)
                shown = f
                if self.lidar is not None:  # one turn per frame, shared by the frame's views
                    laps.lap("physics")
                    lidar = lidar or self.lidar.scene(settled, spec.sequence())
                    scan = label_returns(lidar.scan(f), state, self.category_ids)
                    laps.lap("lidar")
            laps.lap("physics")
            data = self._view(scene, spec, state, frame.cameras[c], (view, f, c), image_index, laps)
            data.labels.lidar = scan
            if self.across:  # layers across frames need the scene's later views: encoded after the loop
                kept.append(data)
            else:
                frames.append(self._encoder.submit(self._timed_encode, data.labels, data.arrays["color"]))
            all_labels.append(data.labels)
            looks.append((image_index, image_look(data.arrays["color"])))
        if kept:
            for layer in self.across:
                layer.compute_scene(kept)
            frames = [self._encoder.submit(self._timed_encode, v.labels, v.arrays["color"]) for v in kept]
            laps.lap("annotate")
        files: dict[str, bytes] = {}
        for writer in self.writers:
            files.update(writer.scene_files(all_labels))
        files[facts_path(scene_index)] = scene_facts(spec, looks)  # for simgen-report
        laps.lap("encode")
        encoded = []
        for future in frames:  # waiting for the encoder is not work: its own time is counted
            frame, seconds = future.result()
            encoded.append(frame)
            laps.seconds["encode"] += seconds
        release_free_heap()  # the scene's freed arrays: keep a long-lived worker's memory flat
        return SceneResult(scene_index=scene_index, frames=encoded, files=files, timings=dict(laps.seconds))

    def _build(self, scene: SceneTask, laps: _Laps) -> tuple[SceneSpec, SceneState]:
        """The scene's spec, made plausible (or posed, for kinematic kinds) and loaded to draw."""
        spec = build_scene(scene.index, self.job.seed, self.recipe)
        laps.lap("scene")
        if self.job.kind.kinematic:  # nothing to simulate: building the meshes is part of making the scene
            state = posed_state(spec)
            laps.lap("scene")
        else:
            state = self.physics.simulate(spec, self.job.scene.physics)
            laps.lap("physics")
        self.renderer.load(state)
        laps.lap("render")
        if scene.engine == PATHTRACE:
            self.tracer().load(state)
            laps.lap("pathtrace")
        return spec, state

    def _views(self, spec: SceneSpec, scene: SceneTask) -> list[tuple[int, int, Any]]:
        """(frame, camera, the frame's spec) of every view the recipe made, in order."""
        views = [(f, c, frame) for f, frame in enumerate(spec.sequence()) for c in range(len(frame.cameras))]
        if len(views) < min(self.job.views_per_scene, len(scene.image_indices)):
            raise SimgenError(f"scene {scene.index}: the recipe made {len(views)} views, "
                              f"scene.views_per_scene says {self.job.views_per_scene}")
        return views

    def _view(self, scene: SceneTask, spec: SceneSpec, state: SceneState, cam: CameraSpec,
              where: tuple[int, int, int], image_index: int, laps: _Laps) -> ViewData:
        """One view drawn, through the image stage, labeled, with its per-view layers; ``where``:
        (view of the scene, frame of the sequence, camera of the frame)."""
        job = self.job
        view, frame_index, camera_index = where
        cam = with_lens(cam, job.lens)
        color = None
        if scene.engine == PATHTRACE:
            color = lambda c: self.tracer().color(c, sampler_seed(job.seed, scene.index, view))  # noqa: E731
        arrays, plan = draw_view(self.renderer, state, cam, job.labels, self.layer_passes, laps.lap, color)
        # Image stage (simgen.sensor): fog, rain and the camera model change the colour only;
        # labels come from ids and depth, which stay exact. The depth sensor reads the clean render.
        if self.sensor.acts_on(spec.atmosphere):
            arrays = self.sensor.apply(arrays, cam, spec.atmosphere, scene.index, view)
            laps.lap("sensor")
        labels = annotate_view(plan, state, cam, arrays, self.category_ids, job.labels, image_index, view)
        apply_context(labels, spec.context)  # parts into their wholes, image-level fields
        labels.frame_index, labels.camera_index, labels.split = frame_index, camera_index, scene.split
        labels.engine = scene.engine
        labels.scenario = None if spec.context is None else spec.context.scenario_at(frame_index)
        data = ViewData(labels, cam, state.poses, arrays)
        for layer in self.per_view:
            value = layer.compute(data)
            if value is not None:
                labels.maps[layer.name] = value
        laps.lap("annotate")
        return data

    def _timed_encode(self, labels: FrameLabels, rgb: np.ndarray) -> tuple[EncodedFrame, float]:
        t0 = time.perf_counter()
        frame = encode_view(labels, rgb, self.job.export, self.job.scene.depth_scale, self.writers)
        return frame, time.perf_counter() - t0

    def _at(self, state: SceneState, poses: dict, traced: bool) -> SceneState:
        """``state`` with the bodies in ``poses`` moved there, in the labels and the picture
        (the path tracer's too when ``traced``)."""
        if not poses:
            return state
        for iid, pose in poses.items():
            self.renderer.set_pose(iid, pose)
            if traced:
                self.tracer().set_pose(iid, pose)
        return replace(state, poses={**state.poses, **poses})


PILOT_SCENES = 12  # scenes of each round of the balance pilot: about 250 road users in driving
PILOT_ROUNDS = 2  # yields change with the plan (a street given more cyclists fits fewer of them): measure again


def pilot_yields(job: JobSpec, scenes: int = PILOT_SCENES, rounds: int = PILOT_ROUNDS) -> dict[str, float] | None:
    """Each class's label yield (labeled instances per planned one, ignore regions not counted)
    over the first frame's views of scenes ``0 .. scenes - 1``: measured under the plan without
    yields, then again under the plan the last yields give (``rounds`` in all), each round
    taking the geometric mean of the yields before and the yields measured (taking the new
    ones alone overshot: the class placed more often lost more to a full street); None without
    ``balance.classes``. Scene indices, not ``frames``, pick the pilot, so a grown dataset keeps
    its plan. Labels only: the raster draws them whatever the engine."""
    if job.balance is None or not job.balance.classes:
        return None
    yields = None
    for _ in range(rounds):
        measured = _measured_yields(replace(job, label_yields=yields), scenes)
        yields = measured if yields is None else {k: round(float(np.sqrt(v * yields.get(k, v))), 2)
                                                  for k, v in measured.items()}
    return yields


def _measured_yields(job: JobSpec, scenes: int) -> dict[str, float]:
    """Label yield per class over the pilot's scenes under ``job``'s plan."""
    worker = SceneWorker(job)
    planned, labeled = Counter(), Counter()
    try:
        for index in range(scenes):
            task = replace(worker.context(index), engine=RASTER)
            spec, state = worker._build(task, _Laps(worker.renderer))
            cameras = next(iter(spec.sequence())).cameras
            for view, cam in enumerate(cameras):
                cam = with_lens(cam, job.lens)
                arrays, plan = draw_view(worker.renderer, state, cam, job.labels)
                labels = annotate_view(plan, state, cam, arrays, worker.category_ids, job.labels, 0, view)
                labeled.update(o.category for o in labels.objects if not o.ignore)
            for name, n in planned_counts(spec, worker.recipe).items():
                planned[name] += n * len(cameras)
    finally:
        worker.close()
    return label_yields(planned, labeled)
