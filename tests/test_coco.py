"""The COCO writer like every writer: its records per view, the merge's join into one file per
split (read back with pycocotools), and the settings each writer declares beside itself."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pytest
from helpers import load_test_job, make_camera
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from simgen.annotate.geometry import box3d
from simgen.annotate.labels import FrameLabels, ObjectLabel
from simgen.config import schema
from simgen.core import layout
from simgen.core.errors import ConfigError, DatasetError
from simgen.export.encode import encode_view
from simgen.export.writers import WRITERS, DatasetRecords, Writer, make_writers, register
from simgen.job import export_schema, job_schema


def _object(instance_id: int, category_id: int, x: int) -> ObjectLabel:
    """A labeled 4 x 3 px object at column ``x`` of a 32 x 24 image."""
    m = np.zeros((24, 32), np.uint8)
    m[5:8, x:x + 4] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    rle["counts"] = rle["counts"].decode()
    return ObjectLabel(instance_id=instance_id, category="box", category_id=category_id, bbox=[x, 5.0, 4.0, 3.0], area=12,
                       rle=rle, bbox_amodal=[x, 5.0, 4.0, 3.0], amodal_area=12, full_area=12, visibility=1.0, truncation=0.0,
                       R=np.eye(3), t=np.array([0.0, 0.0, 1.0]), box3d=box3d(np.array([[0, 0, 0], [1, 1, 1.0]]), np.eye(4)),
                       depth_range=[1.0, 1.1])


def _labels(image_index: int, split: str, objects: list[ObjectLabel]) -> FrameLabels:
    camera = make_camera([0.0, -1.0, 1.0], [0.0, 0.0, 0.0], width=32, height=24)
    return FrameLabels(image_index=image_index, scene_index=image_index, view_index=0, camera=camera, objects=objects,
                       split=split)


def test_coco_records_travel_per_view_and_the_join_numbers_them_across_splits(tmp_path):
    """Views encoded out of order, in two shards, joined at the merge: one file per split, images
    by id, annotation ids 1.. in image order and unique across splits, read back by pycocotools."""
    _, job = load_test_job("export.layers=[]", "splits.train=0.5", "splits.val=0.5", "splits.test=0.0")
    writers = make_writers(job.export.formats, job.writer_context())
    rgb = np.zeros((24, 32, 3), np.uint8)
    views = [_labels(2, "train", [_object(7, 2, 20), _object(3, 1, 2)]), _labels(0, "val", [_object(4, 1, 10)]),
             _labels(1, "train", [])]
    frames = [encode_view(v, rgb, job.export, job.scene.depth_scale, writers) for v in views]
    assert [f.image["id"] for f in frames] == [3, 1, 2] and all("id" not in a for f in frames for a in f.annotations)
    records = DatasetRecords()
    for shard in (frames[:1], frames[1:]):  # the merge joins shard by shard
        records.add([f.image for f in shard], [a for f in shard for a in f.annotations])
    files = {}
    for writer in writers:
        files.update(writer.dataset_files(records))
    assert sorted(files) == [layout.coco_file("train"), layout.coco_file("val")]
    docs = {}
    for split in ("train", "val"):
        path = tmp_path / f"{split}.json"
        path.write_bytes(files[layout.coco_file(split)])
        docs[split] = COCO(str(path))
    assert sorted(docs["val"].imgs) == [1] and sorted(docs["train"].imgs) == [2, 3]
    val_ann, = docs["val"].anns.values()
    assert val_ann["id"] == 1 and val_ann["object_id"] == 4
    train = [docs["train"].anns[k] for k in sorted(docs["train"].anns)]
    assert [(a["id"], a["image_id"], a["object_id"]) for a in train] == [(2, 3, 3), (3, 3, 7)]
    for doc in docs.values():
        assert [c["id"] for c in doc.dataset["categories"]] == list(range(1, len(job.categories) + 1))
        assert doc.dataset["info"]["seed"] == job.seed and doc.dataset["licenses"]
    ann = docs["train"].anns[3]
    assert docs["train"].annToMask(ann).sum() == ann["area"] == 12


def test_every_writer_setting_is_in_the_export_schema_with_its_default():
    """``export.<name>`` for each writer that declares ``config``, after ExportConfig's own fields."""
    base = [f.name for f in fields(schema.ExportConfig)]
    names = [f.name for f in fields(export_schema())]
    declared = [name for name in WRITERS.names() if WRITERS.get(name).config is not None]
    assert names == base + declared and {"kitti", "yolo"} <= set(declared)
    typed, _ = load_test_job()
    for name in declared:
        assert getattr(typed.export, name) == WRITERS.get(name).config()
    assert issubclass(job_schema(), schema.SimgenConfig) and isinstance(typed.export, schema.ExportConfig)


@dataclass
class ToyConfig:
    """A format's settings, declared beside its writer."""

    suffix: str = "txt"


@pytest.fixture
def toy_writer():
    """A writer of one's own with settings, registered for one test, then forgotten."""

    @register
    class ToyWriter(Writer):
        name = "toy"
        config = ToyConfig

        @classmethod
        def check_config(cls, cfg) -> None:
            if cfg.export.toy.suffix not in ("txt", "csv"):
                raise ConfigError(f"export.toy.suffix={cfg.export.toy.suffix!r}: allowed txt, csv")

        def dataset_files(self, records: DatasetRecords) -> dict[str, bytes]:
            return {f"toy/count.{self.ctx.export.toy.suffix}": str(len(records.images)).encode()}

    export_schema.cache_clear()
    job_schema.cache_clear()
    yield ToyWriter
    del WRITERS._items["toy"], WRITERS._traits["toy"]
    export_schema.cache_clear()
    job_schema.cache_clear()


def test_a_new_format_is_one_module_with_its_settings(toy_writer):
    """Registering the writer is enough: its settings are typed under ``export.toy`` (shown by
    ``--cfg job``), its check runs when chosen, and it reads them through its context."""
    typed, _ = load_test_job()
    assert typed.export.toy == ToyConfig()  # every setting with its default, chosen or not
    typed, job = load_test_job("export.formats=[coco,toy]", "export.toy.suffix=csv")
    assert typed.export.toy == ToyConfig(suffix="csv")
    writer = make_writers(["toy"], job.writer_context())[0]
    assert writer.dataset_files(DatasetRecords(images=[{}, {}])) == {"toy/count.csv": b"2"}
    with pytest.raises(ConfigError, match=r"export.toy.suffix='pdf': allowed txt, csv"):
        load_test_job("export.formats=[coco,toy]", "export.toy.suffix=pdf")


def test_the_merge_streams_shard_by_shard_the_bytes_of_the_whole_dataset_at_once(tmp_path):
    """The merge reads one shard's records at a time and writes each split's file a piece at a
    time: byte for byte the document built from every record at once, read back by pycocotools;
    shards out of scene order are refused."""
    from simgen.store.dataset import DatasetDir, _MergeOutput

    _, job = load_test_job("export.layers=[]", "splits.train=0.5", "splits.val=0.5", "splits.test=0.0")
    writers = make_writers(job.export.formats, job.writer_context())
    rgb = np.zeros((24, 32, 3), np.uint8)
    splits = ["train", "val", "train", "train", "val", "train", "val"]
    views = [_labels(i, splits[i], [_object(5 + k, 1 + k % 2, 2 + 6 * k) for k in range(i % 4)]) for i in range(7)]
    frames = [encode_view(v, rgb, job.export, job.scene.depth_scale, writers) for v in views]
    shards = [frames[:3][::-1], frames[3:4], frames[4:7][::-1]]  # views within a shard arrive in any order
    loaded = []
    streamed = DatasetRecords()
    for shard in shards:
        part = ([f.image for f in shard], [a for f in shard for a in f.annotations])
        streamed.add_shard(lambda part=part: loaded.append(len(part[0])) or part)
    whole = DatasetRecords([f.image for f in frames], [a for f in frames for a in f.annotations])
    coco, = (w for w in writers if w.name == "coco")
    expected = coco.dataset_files(whole)
    ds = DatasetDir(tmp_path)
    coco.write_dataset_files(streamed, _MergeOutput(ds, set()))
    assert loaded == [3, 1, 3]  # each shard read once, one at a time
    assert streamed.split_counts() == {"train": (4, 6), "val": (3, 3)}
    for rel, data in expected.items():
        assert (tmp_path / rel).read_bytes() == data
        doc = COCO(str(tmp_path / rel))
        assert sorted(doc.anns) == [a["id"] for a in doc.dataset["annotations"]]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(p.rsplit("/", 1)[-1] for p in expected)
    backwards = DatasetRecords()
    for shard in shards[::-1]:
        backwards.add([f.image for f in shard], [a for f in shard for a in f.annotations])
    with pytest.raises(DatasetError, match="shards must come in the order of their scenes"):
        coco.write_dataset_files(backwards, _MergeOutput(DatasetDir(tmp_path / "b"), set()))
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").rglob("*.json"))
