"""Train and evaluate a YOLO nano detector with ultralytics (the ``train`` extra).

torch and ultralytics are imported here only, inside the functions, so ``import simgen`` and
the report without ``--utility`` never load them. The model is built from its yaml and trained
from scratch (no pretrained weights are downloaded). ultralytics is kept offline and quiet:
its settings go to a temporary folder (``YOLO_CONFIG_DIR``), no plots (they need a font
download), no AMP check (it downloads a model); simgen draws its own progress bar per epoch.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from simgen.core.errors import SimgenError

ALL_CLASSES = "all classes"  # the one class of a single-class model
INSTALL = ("install simgen[train] (pip install torch==2.14.1 torchvision==0.29.1, then "
           "pip install -e '.[train]'; elsewhere a CPU build of torch does)")


@dataclass
class TrainSettings:
    """How the detector is trained: ``model`` an ultralytics model yaml (built from scratch),
    ``epochs``, ``imgsz`` (pixels, the longer side), ``batch``, ``device`` (``cpu``, ``0``,
    ``cuda:0``...), ``seed`` (ultralytics' training seed; deterministic mode on), ``workers``
    (data loader processes), ``single_class`` (every class as one: objectness alone, which a
    small budget learns sooner). Every batch is an optimizer step and there is no warmup:
    ultralytics' defaults accumulate gradients up to 64 images and warm up for at least 100
    batches, more than a small set's whole training."""

    model: str = "yolov8n.yaml"
    epochs: int = 30
    imgsz: int = 320
    batch: int = 16
    device: str = "cpu"
    seed: int = 0
    workers: int = 2
    single_class: bool = False
    extra: dict = field(default_factory=dict)  # more ultralytics training arguments

    def check(self) -> None:
        for key, value in (("--epochs", self.epochs), ("--imgsz", self.imgsz), ("--batch", self.batch)):
            if value < 1:
                raise SimgenError(f"{key}={value}: must be at least 1")
        if self.imgsz % 32:
            raise SimgenError(f"--imgsz={self.imgsz}: must be a multiple of 32 (the detector's stride)")


@dataclass
class Scores:
    """mAP at IoU 0.5 and averaged over IoU 0.5:0.95 (COCO's), overall (mean over the classes
    with instances in the evaluation set) and per class name: ``{name: (map50, map50_95)}``."""

    map50: float
    map50_95: float
    per_class: dict[str, tuple[float, float]]


def _ultralytics():
    """The ultralytics YOLO class, set up offline and quiet; SimgenError when it is missing."""
    os.environ.setdefault("YOLO_CONFIG_DIR", tempfile.mkdtemp(prefix="simgen-yolo-"))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import torch  # noqa: F401
        from ultralytics import YOLO
    except ImportError as exc:
        raise SimgenError(f"--utility needs torch and ultralytics ({exc.name} is missing): {INSTALL}") from None
    from ultralytics.utils import SETTINGS

    SETTINGS.update({"sync": False})  # no usage reports
    return YOLO


def train(data: Path, settings: TrainSettings, workdir: Path, name: str, weights: Path | None = None,
          progress: str | None = None) -> Path:
    """Train on ``data`` (a data.yaml) from scratch, or from ``weights`` (fine-tuning: ultralytics
    loads them as its ``pretrained`` weights; with ``pretrained=False`` it would start afresh); returns
    the last epoch's weights. ``progress`` labels the per-epoch progress bar (None: no bar)."""
    YOLO = _ultralytics()
    from tqdm import tqdm

    model = YOLO(str(weights) if weights else settings.model)
    bar = tqdm(total=settings.epochs, desc=progress, unit="epoch", disable=progress is None, leave=False)
    model.add_callback("on_train_epoch_end", lambda trainer: bar.update(1))
    args = dict(data=str(data), epochs=settings.epochs, imgsz=settings.imgsz, batch=settings.batch,
                device=settings.device, workers=settings.workers, seed=settings.seed, deterministic=True,
                project=str(Path(workdir).resolve()), name=name, exist_ok=True, amp=False, plots=False,
                val=False, pretrained=str(weights) if weights else False, verbose=False, nbs=settings.batch, warmup_epochs=0,
                single_cls=settings.single_class)
    args.update(settings.extra)
    try:
        model.train(**args)
    finally:
        bar.close()
    return Path(model.trainer.save_dir) / "weights" / "last.pt"


def evaluate(weights: Path, data: Path, settings: TrainSettings, workdir: Path, name: str) -> Scores:
    """mAP of ``weights`` on the ``val`` images of ``data`` (a data.yaml in the model's classes)."""
    YOLO = _ultralytics()
    model = YOLO(str(weights))
    m = model.val(data=str(data), split="val", imgsz=settings.imgsz, batch=settings.batch, device=settings.device,
                  workers=settings.workers, plots=False, verbose=False, project=str(Path(workdir).resolve()),
                  name=name, exist_ok=True, single_cls=settings.single_class)
    box = m.box
    per_class = {}
    for i, c in enumerate(box.ap_class_index):
        _, _, ap50, ap = box.class_result(i)
        per_class[ALL_CLASSES if settings.single_class else model.names[int(c)]] = (float(ap50), float(ap))
    return Scores(map50=float(box.map50), map50_95=float(box.map), per_class=per_class)
