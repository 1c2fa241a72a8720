"""The pipeline of one job: recipe -> SceneSpec -> physics -> render -> annotate -> encode.

:class:`SceneWorker` owns one physics client and one renderer for its whole life and turns a
scene index into encoded frames; :func:`run_job` drives workers and writes the dataset.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from simgen.annotate.frame import annotate_view
from simgen.core.errors import SimgenError
from simgen.core.layout import DEPTH_SENSOR
from simgen.export.encode import EncodedFrame, encode_view
from simgen.export.facts import facts_path, image_look, scene_facts
from simgen.export.writers import make_writers
from simgen.job import JobSpec
from simgen.layers.base import ViewData, chosen
from simgen.physics.state import SceneState, posed_state
from simgen.physics.world import PhysicsWorld
from simgen.randomizers import RecipeContext, build_scene
from simgen.render.renderer import Renderer
from simgen.sensor.stage import ImageStage

# "gl": waiting for the GL to finish drawing (llvmpipe threads or the GPU); the other stages are
# CPU-side work of the worker's own thread.
STAGES = ("scene", "physics", "render", "gl", "annotate", "encode", "write")


@dataclass
class SceneResult:
    """A scene's frames, its per-scene files (by dataset-relative path) and stage timings (s)."""

    scene_index: int
    frames: list[EncodedFrame]
    files: dict[str, bytes] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class SceneWorker:
    """Turns scene indices into encoded frames; one physics client and renderer for life."""

    def __init__(self, job: JobSpec) -> None:
        self.job = job
        self.physics = PhysicsWorld()
        self.renderer = Renderer(job.renderer)
        self.category_ids = {name: k + 1 for k, name in enumerate(job.categories)}
        self.writers = make_writers(job.export.formats, job.writer_context())
        self.sensor = ImageStage(job.sensor, job.seed, moving=job.sequence.length > 1,
                                 depth_layer=DEPTH_SENSOR in job.export.layers)
        # Files are encoded on a second thread (cv2 and zlib release the GIL) while this one
        # draws and labels the next view.
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simgen-encode")

    def close(self) -> None:
        self._encoder.shutdown()
        self.renderer.close()
        self.physics.close()

    def run(self, scene_index: int) -> SceneResult:
        job = self.job
        t = defaultdict(float)
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            waited = self.renderer.take_gl_wait()
            t[stage] += now - clock - waited
            t["gl"] += waited
            clock = now

        ctx = RecipeContext(scene=job.scene, width=job.renderer.width, height=job.renderer.height, sequence=job.sequence,
                            balance=job.balance)
        spec = build_scene(scene_index, job.seed, ctx)
        lap("scene")
        if job.kind.kinematic:  # nothing to simulate: building the meshes is part of making the scene
            state = posed_state(spec)
            lap("scene")
        else:
            state = self.physics.simulate(spec, job.scene.physics)
            lap("physics")
        self.renderer.load(state)
        lap("render")
        views = [(f, c, frame) for f, frame in enumerate(spec.sequence()) for c in range(len(frame.cameras))]
        if len(views) < min(job.views_per_scene, len(job.image_indices(scene_index))):
            raise SimgenError(f"scene {scene_index}: the recipe made {len(views)} views, scene.views_per_scene says {job.views_per_scene}")
        layers = chosen(job.export.layers)
        per_view = [layer for layer in layers if not layer.across_frames]
        across = [layer for layer in layers if layer.across_frames]
        frames, all_labels, kept, looks = [], [], [], []
        split = job.split_of(scene_index)
        shown = -1
        for view, image_index in enumerate(job.image_indices(scene_index)):
            f, c, frame = views[view]
            if f != shown:  # the sequence's next time step: move what moved
                state = self._at(state, frame.poses)
                shown = f
            lap("physics")
            cam = frame.cameras[c]
            passes = self.renderer.render(cam)
            lap("render")
            # Image stage (simgen.sensor): fog, rain and the camera model change passes.rgb only;
            # labels come from ids and depth, which stay exact. The depth sensor layer (when
            # chosen) is made beside the exact depth, from the clean render.
            depth_sensor = None
            if self.sensor.acts_on(spec.atmosphere):
                passes, depth_sensor = self.sensor.apply(passes, cam, spec.atmosphere, scene_index, view)
                lap("sensor")
            labels = annotate_view(self.renderer, state, cam, passes, self.category_ids, job.labels, image_index, view)
            labels.frame_index, labels.camera_index, labels.split = f, c, split
            if depth_sensor is not None:  # simgen/layers/depth_sensor.py encodes it
                labels.maps[DEPTH_SENSOR] = depth_sensor
            data = ViewData(labels, self.renderer, cam, state.poses, passes.ids, passes.rgb)
            for layer in per_view:
                value = layer.compute(data)
                if value is not None:
                    labels.maps[layer.name] = value
            lap("annotate")
            if across:  # layers across frames need the scene's later views: encoded after the loop
                kept.append(data)
            else:
                frames.append(self._encoder.submit(self._timed_encode, labels, passes.rgb))
            all_labels.append(labels)
            looks.append((image_index, image_look(passes.rgb)))
        if kept:
            for layer in across:
                layer.compute_scene(kept)
            frames = [self._encoder.submit(self._timed_encode, v.labels, v.rgb) for v in kept]
            lap("annotate")
        files: dict[str, bytes] = {}
        for writer in self.writers:
            files.update(writer.scene_files(all_labels))
        files[facts_path(scene_index)] = scene_facts(spec, looks)  # for simgen-report
        lap("encode")
        encoded = []
        for future in frames:  # waiting for the encoder is not work: its own time is counted
            frame, seconds = future.result()
            encoded.append(frame)
            t["encode"] += seconds
        return SceneResult(scene_index=scene_index, frames=encoded, files=files, timings=dict(t))

    def _timed_encode(self, labels, rgb) -> tuple[EncodedFrame, float]:
        t0 = time.perf_counter()
        frame = encode_view(labels, rgb, self.job.export, self.job.scene.depth_scale, self.writers)
        return frame, time.perf_counter() - t0

    def _at(self, state: SceneState, poses: dict) -> SceneState:
        """``state`` with the bodies in ``poses`` moved there, in the labels and the picture."""
        if not poses:
            return state
        for iid, pose in poses.items():
            self.renderer.set_pose(iid, pose)
        return replace(state, poses={**state.poses, **poses})
