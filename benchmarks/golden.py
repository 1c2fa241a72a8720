"""Golden datasets: prove a refactor changes no output.

``python -m benchmarks.golden make DIR`` runs a fixed set of small jobs (tabletop, bin picking and
driving with every format and label layer on) into ``DIR`` and writes ``DIR/sha256.json``, the
sha256 of every file of every dataset (reports excepted: matplotlib draws them).
``python -m benchmarks.golden compare A B`` prints the files whose hashes differ and exits 1 if
any do. Make one set before a change and one after, then compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

# name -> simgen overrides. Together: every writer (coco, yolo, bop, kitti), every layer
# (depth, object_ids, semantic, normals, flow, depth_sensor), amodal masks, sequences, the image
# stage, and each scene kind.
JOBS = {
    "tabletop": ["scene=tabletop", "frames=6", "export=yolo", "labels.amodal_masks=true",
                 "export.layers=[depth,object_ids,semantic,normals]", "sensor=mild"],
    "bin_picking": ["scene=bin_picking", "frames=6", "export=[bop,yolo]",
                    "export.layers=[depth,object_ids,semantic,normals,depth_sensor]", "sensor=mild"],
    "driving": ["scene=driving", "frames=8", "sequence.length=4", "export=[kitti,yolo]",
                "export.layers=[depth,object_ids,semantic,normals,flow]", "renderer.width=320",
                "renderer.height=240"],
}
COMMON = ["seed=3", "report=false", "farm.workers=1"]


def _hashes(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "/report/" not in f"/{rel}" and not rel.endswith(".lock"):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, overrides in JOBS.items():
        target = out / name
        cmd = ["simgen", *overrides, *COMMON, f"output_dir={target}"]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
        hashes[name] = _hashes(target)
    (out / "sha256.json").write_text(json.dumps(hashes, indent=1, sort_keys=True))
    print(f"{sum(len(h) for h in hashes.values())} files hashed -> {out / 'sha256.json'}")


def compare(a: Path, b: Path) -> int:
    ha, hb = (json.loads((p / "sha256.json").read_text()) for p in (a, b))
    bad = 0
    for name in sorted(set(ha) | set(hb)):
        fa, fb = ha.get(name, {}), hb.get(name, {})
        for rel in sorted(set(fa) | set(fb)):
            if fa.get(rel) != fb.get(rel):
                bad += 1
                print(f"differs: {name}/{rel}")
        print(f"{name}: {len(fa)} files before, {len(fb)} after")
    print("identical" if not bad else f"{bad} files differ")
    return 1 if bad else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("make").add_argument("dir", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = p.parse_args()
    if args.cmd == "make":
        make(args.dir)
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
