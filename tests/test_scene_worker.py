"""The scene loop in process: what SceneWorker makes of each scene is what the command writes."""

from __future__ import annotations

import json

import numpy as np
from helpers import load_test_job

from simgen.farm.runner import run_job
from simgen.pipeline import SceneWorker

TINY = ["scene=tabletop", "frames=4", "scene.views_per_scene=2", "renderer.width=160", "renderer.height=120",
        "scene.min_objects=3", "scene.max_objects=4", "report=false", "validate=false", "farm.workers=1", "seed=7"]


def test_scene_worker_labels_equal_what_the_command_writes(tmp_path, renderer):
    """Two scenes through SceneWorker.run beside the session's renderer; the same job through
    the farm's in-process run: every image record and annotation the worker made is in the
    written COCO files (annotation ids excepted: the merge numbers them)."""
    typed, job = load_test_job(*TINY, f"output_dir={tmp_path}")
    run_job(typed, job, tmp_path, progress=False)
    written_images, written_anns = {}, {}
    for path in sorted((tmp_path / "annotations").glob("instances_*.json")):
        doc = json.loads(path.read_text())
        written_images.update({img["id"]: img for img in doc["images"]})
        for ann in doc["annotations"]:
            written_anns.setdefault(ann["image_id"], []).append({k: v for k, v in ann.items() if k != "id"})
    worker = SceneWorker(job)
    try:
        results = [worker.run(i) for i in range(job.scene_count)]
    finally:
        worker.close()
    frames = [frame for result in results for frame in result.frames]
    assert [f.image_index for f in frames] == [0, 1, 2, 3]
    assert [f.image["id"] for f in frames] == sorted(written_images)
    for frame in frames:
        image_id = frame.image["id"]
        assert json.loads(json.dumps(frame.image)) == written_images[image_id]
        made = sorted((json.loads(json.dumps(a)) for a in frame.annotations), key=lambda a: a["object_id"])
        assert made == sorted(written_anns.get(image_id, []), key=lambda a: a["object_id"])
        assert made, "a tabletop view with objects has annotations"
        # the image file is the worker's bytes
        image_path = next(p for p in frame.files if p.startswith("images/"))
        assert (tmp_path / image_path).read_bytes() == frame.files[image_path]
    assert np.all([r.timings["render"] > 0 for r in results])
