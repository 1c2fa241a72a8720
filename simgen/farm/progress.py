"""One progress bar over all workers (frames kept of the total, frames/s, ETA), and the table of
stage times summed over workers.

Frames count as soon as their scene is done; if their shard then fails, they are taken back, so
the bar never shows more than will be kept.
"""

from __future__ import annotations

import time
from collections import defaultdict

from tqdm import tqdm

from simgen.pipeline import STAGES


class Progress:
    def __init__(self, total: int, initial: int = 0, enabled: bool = True) -> None:
        self.bar = tqdm(total=total, initial=initial, unit="frame", desc="simgen", disable=not enabled,
                        dynamic_ncols=True, smoothing=0.05)
        self.timings: dict[str, float] = defaultdict(float)
        self.frames_rendered = 0  # every frame rendered, kept or not (the table's denominator)
        self._open: dict[str, int] = defaultdict(int)
        self._started = time.perf_counter()
        self.first_scene_s: float | None = None  # start-up cost: workers, renderers, Ray

    def scene_done(self, shard_name: str, frames: int, timings: dict) -> None:
        if self.first_scene_s is None:
            self.first_scene_s = time.perf_counter() - self._started
        self._open[shard_name] += frames
        self.frames_rendered += frames
        for stage, seconds in timings.items():
            self.timings[stage] += seconds
        self.bar.update(frames)

    def shard_done(self, shard_name: str) -> None:
        self._open.pop(shard_name, None)

    def shard_failed(self, shard_name: str) -> None:
        taken_back = self._open.pop(shard_name, 0)
        if taken_back:
            self.bar.update(-taken_back)

    def close(self) -> None:
        self.bar.close()


def timing_table(timings: dict[str, float], frames: int, workers: int, wall: float,
                 first_scene_s: float | None = None) -> str:
    """Seconds per stage summed over workers, ms per frame, and each stage's share."""
    stages = list(STAGES) + [s for s in timings if s not in STAGES]
    total = sum(timings.get(s, 0.0) for s in stages)
    rows = [f"{'stage':<10}{'seconds':>10}{'ms/frame':>10}{'share':>8}"]
    for stage in stages + ["total"]:
        sec = total if stage == "total" else timings.get(stage, 0.0)
        per = 1000.0 * sec / frames if frames else 0.0
        share = 100.0 * sec / total if total else 0.0
        rows.append(f"{stage:<10}{sec:>10.2f}{per:>10.1f}{share:>7.0f}%")
    startup = f", first scene done after {first_scene_s:.1f} s" if first_scene_s is not None else ""
    rows.append(f"(summed over {workers} worker{'s' if workers != 1 else ''}; {frames} frames rendered, "
                f"{wall:.1f} s wall{startup})")
    return "\n".join(rows)
