"""A dataset directory that appears whole or not at all.

Files are written under ``<root>/.staging`` and moved into place when the job finishes, the
annotation file last; a failed run removes its staging folder, so no partial dataset that looks
complete is ever left behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from simgen.errors import DatasetError
from simgen.export import layout

STAGING = ".staging"


class DatasetWriter:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if (self.root / layout.COCO_FILE).exists() or (self.root / layout.IMAGES).exists():
            raise DatasetError(f"output_dir={self.root}: already holds a dataset; choose a new output_dir")
        self.staging = self.root / STAGING
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self._dirs: set[Path] = set()

    def write_file(self, relative: str, data: bytes) -> None:
        path = self.staging / relative
        if path.parent not in self._dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(path.parent)
        path.write_bytes(data)

    def finish(self) -> None:
        """Move everything into place; ``annotations/`` goes last, so its presence means done."""
        entries = sorted(self.staging.iterdir(), key=lambda p: p.name == layout.ANNOTATIONS)
        for entry in entries:
            os.replace(entry, self.root / entry.name)
        self.staging.rmdir()

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
