"""The last line of a generation run: the dataset's balance, and the report written after the
merge (setting ``report``: true, false, or unset = true under :data:`AUTO_LIMIT` frames)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

from simgen.core.errors import SimgenError

AUTO_LIMIT = 10_000  # frames: with report unset, larger datasets get no report (run simgen-report)
SHOWN = 3  # classes named at each end of the balance line
REPORT_DIR = "report"  # the report's folder inside the dataset (simgen.report.build's default)


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


def balance_line(shares: dict[str, float], report: Path | None, targets: dict[str, float] | None = None) -> str:
    """``simgen: balance: most car 36.1%, ... | fewest bus 1.2%, ... (ratio 30.1); targets:
    bus 15.0% (got 14.2%), ...; report: PATH``. A class with no labels makes the ratio
    unbounded, which is said, not hidden; ``targets``: the job's ``balance.classes``."""
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    fmt = lambda items: ", ".join(f"{n} {100 * s:.1f}%" for n, s in items)  # noqa: E731
    top = ranked[:SHOWN]
    bottom = [kv for kv in ranked[::-1][:SHOWN] if kv not in top][::-1]
    text = f"simgen: balance: most {fmt(top)}"
    if bottom:
        text += f" | fewest {fmt(bottom)}"
    if len(ranked) > 1 and ranked[0][1] > 0:
        missing = [n for n, s in ranked if s <= 0]
        if missing:
            text += f" (ratio unbounded: no {', '.join(sorted(missing))} labeled)"
        else:
            text += f" (ratio {ranked[0][1] / ranked[-1][1]:.1f})"
    if targets:
        text += "; targets: " + ", ".join(f"{n} {100 * t:.1f}% (got {100 * shares.get(n, 0.0):.1f}%)"
                                          for n, t in sorted(targets.items()))
    if report is not None:
        text += f"; report: {report}"
    return text


def _report_to(conn, root: Path) -> None:
    """The report process: send ("ok", html path, note) or ("error", one line) back."""
    from simgen.core.errors import one_line
    from simgen.report.build import make_report

    try:
        files = make_report(root)
        conn.send(("ok", files.html, files.note))
    except Exception as exc:  # SimgenError or a crash: the caller warns, the dataset stands
        conn.send(("error", str(exc) if isinstance(exc, SimgenError) else one_line(exc)))


class ReportJob:
    """The report, drawn in a process of its own while the caller validates the dataset (both
    take seconds, and the machine has cores to spare once the frames are done). A plain
    process, so that :meth:`cancel` can stop it at once and remove what it had written."""

    def __init__(self, root: Path, setting: bool | None, frames: int, targets: dict[str, float] | None = None) -> None:
        self.root = Path(root)
        self.targets = targets  # balance.classes' shares, shown beside the shares got
        self.folder = self.root / REPORT_DIR
        self._process = self._conn = None
        self.wanted = wants_report(setting, frames)
        if self.wanted:
            import multiprocessing as mp

            ctx = mp.get_context("spawn")
            self._conn, child = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=_report_to, args=(child, self.root), daemon=True)
            self._process.start()  # it ignores Ctrl-C: the command cancels it
            child.close()

    def finish(self) -> tuple[str, str | None]:
        """Wait for the report; (the balance line, a warning when the report failed)."""
        report, warning = None, None
        if self._process is not None:
            try:
                kind, *rest = self._conn.recv()
            except EOFError:  # the process died without a word
                kind, rest = "error", [f"its process ended with status {self._process.exitcode}"]
            if kind == "ok":
                report, note = rest
                if note:
                    warning = f"simgen: warning: report: {note}"
            else:
                warning = f"simgen: warning: the report was not written: {rest[0]}"
            self._process.join()
            self._process = None
        return balance_line(class_shares(self.root), report, self.targets), warning

    def drop_stale(self, images: int) -> str | None:
        """With no report wanted, remove a report of an earlier state of the dataset (a dataset
        grown with ``report=false`` kept a report counting the old frames); returns the line
        that says so, or None."""
        if self.wanted or not self.folder.is_dir():
            return None
        try:
            counted = json.loads((self.folder / "stats.json").read_text())["images"]
        except (OSError, ValueError, KeyError, TypeError):
            counted = None
        if counted == images:
            return None
        shutil.rmtree(self.folder, ignore_errors=True)
        was = f"{counted} images" if counted is not None else "an unreadable report"
        return (f"simgen: removed the report of an earlier state of the dataset ({was}, now {images}; report=false): "
                f"simgen-report {self.root} writes a new one")

    def cancel(self) -> None:
        """Stop the report's process and remove the report it had begun (a partial report
        looks like a finished one)."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._process = None
            shutil.rmtree(self.folder, ignore_errors=True)
