"""The last line of a generation run: the dataset's balance, and the report written after the
merge (setting ``report``: true, false, or unset = true under :data:`AUTO_LIMIT` frames)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

AUTO_LIMIT = 10_000  # frames: with report unset, larger datasets get no report (run simgen-report)
SHOWN = 3  # classes named at each end of the balance line


def wants_report(setting: bool | None, frames: int) -> bool:
    return bool(setting) if setting is not None else frames < AUTO_LIMIT


def class_shares(root: Path) -> dict[str, float]:
    """Share of counted (non-ignored) instances per class, from the dataset's COCO file(s)."""
    from simgen.report.data import coco_files

    counts: Counter = Counter()
    names: dict[str, str] = {}
    for _, path in coco_files(root):
        doc = json.loads(Path(path).read_text())
        by_id = {c["id"]: c["name"] for c in doc.get("categories", [])}
        names.update({n: n for n in by_id.values()})
        counts.update(by_id[a["category_id"]] for a in doc["annotations"] if not (a.get("iscrowd") or a.get("ignore")))
    total = sum(counts.values()) or 1
    return {n: counts[n] / total for n in names}


def balance_line(shares: dict[str, float], report: Path | None) -> str:
    """``simgen: balance: most car 36.1%, ... | fewest bus 1.2%, ... ; report: PATH``."""
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    fmt = lambda items: ", ".join(f"{n} {100 * s:.1f}%" for n, s in items)  # noqa: E731
    top = ranked[:SHOWN]
    bottom = [kv for kv in ranked[::-1][:SHOWN] if kv not in top][::-1]
    text = f"simgen: balance: most {fmt(top)}"
    if bottom:
        text += f" | fewest {fmt(bottom)}"
    present = [s for _, s in ranked if s > 0]
    if len(present) > 1:
        text += f" (ratio {present[0] / present[-1]:.1f})"
    if report is not None:
        text += f"; report: {report}"
    return text


def _report_html(root: Path) -> tuple[Path, str | None]:
    from simgen.report.build import make_report

    files = make_report(root)
    return files.html, files.note


class ReportJob:
    """The report, drawn in a process of its own while the caller validates the dataset (both
    take seconds, and the machine has cores to spare once the frames are done)."""

    def __init__(self, root: Path, setting: bool | None, frames: int) -> None:
        self.root = Path(root)
        self._pool = self._future = None
        if wants_report(setting, frames):
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
            self._future = self._pool.submit(_report_html, self.root)

    def finish(self) -> tuple[str, str | None]:
        """Wait for the report; (the balance line, a warning when the report failed)."""
        report, warning = None, None
        if self._future is not None:
            try:
                report, note = self._future.result()
                if note:
                    warning = f"simgen: warning: report: {note}"
            except Exception as exc:  # SimgenError or a crash of the report's process
                warning = f"simgen: warning: the report was not written: {exc}"
            finally:
                self._pool.shutdown()
        return balance_line(class_shares(self.root), report), warning

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
