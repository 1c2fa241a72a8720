"""Run a job to a finished dataset: scenes through workers, files staged, COCO written last."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

import simgen
from simgen.export import coco, layout
from simgen.export.dataset import DatasetWriter
from simgen.export.writers import make_writers
from simgen.pipeline import STAGES, JobSpec, SceneWorker


@dataclass
class Summary:
    frames: int
    annotations: int
    seconds: float
    output_dir: Path
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"simgen: {self.frames} frames, {self.annotations} annotations in {self.seconds:.1f} s "
            f"({self.fps:.2f} frames/s) -> {self.output_dir}"
        )


def dataset_info(job: JobSpec) -> dict:
    """The COCO ``info`` block: what produced the dataset (no clock: files stay reproducible)."""
    return {
        "description": f"simgen synthetic dataset, scene '{job.scene.name}'",
        "version": simgen.__version__,
        "contributor": "simgen",
        "scene": job.scene.name,
        "seed": job.seed,
        "frames": job.frames,
        "label_policy": asdict(job.labels),
        "depth_encoding": {"format": "uint16 png", "depth_scale": job.scene.depth_scale, "unit": "metre", "invalid": 0},
        "camera_convention": "OpenCV: x right, y down, z forward; K in pixels, pixel centres at integer + 0.5",
    }


def run_job(job: JobSpec, output_dir: Path, progress: bool = True) -> Summary:
    """Generate the whole dataset into ``output_dir`` in this process."""
    start = time.perf_counter()
    writer = DatasetWriter(output_dir)
    timings: dict[str, float] = defaultdict(float)
    images, annotations = [], []
    worker = None
    bar = tqdm(total=job.frames, unit="frame", desc="simgen", disable=not progress, dynamic_ncols=True)
    try:
        worker = SceneWorker(job)
        for scene_index in range(job.scene_count):
            result = worker.run(scene_index)
            t0 = time.perf_counter()
            for rel, data in result.files.items():
                writer.write_file(rel, data)
            for frame in result.frames:
                for rel, data in frame.files.items():
                    writer.write_file(rel, data)
                images.append(frame.image)
                annotations.extend(frame.annotations)
            for stage, seconds in result.timings.items():
                timings[stage] += seconds
            timings["write"] += time.perf_counter() - t0
            bar.update(len(result.frames))
        for w in make_writers(job.export.formats, job.writer_context()):
            for rel, data in w.dataset_files().items():
                writer.write_file(rel, data)
        doc = coco.build(dataset_info(job), job.categories, images, annotations)
        coco.write_json(doc, writer.staging / layout.COCO_FILE)
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        bar.close()
        if worker is not None:
            worker.close()
    return Summary(frames=len(images), annotations=len(annotations), seconds=time.perf_counter() - start,
                   output_dir=Path(output_dir), timings={s: timings.get(s, 0.0) for s in STAGES})
