"""How many samples per pixel the path tracer needs: PSNR of denoised images against a
1,024-spp reference, per scene kind.

    python benchmarks/pathtrace_spp.py                     # 320x240, spp 1..64, reference 1024
    python benchmarks/pathtrace_spp.py --size 160x120 --reference 256

For the first view of scene 0 of tabletop, bin_picking and driving (the recipes' default looks,
bodies at rest for tabletop and bin picking), renders the reference as the mean of
``--reference / 64`` renders of 64 spp (not denoised), then each spp of the ladder with and
without denoising, and prints the PSNR (dB, on the 8-bit images) of each against the reference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 64  # spp per render of the reference (a render's samples are all in memory at once)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def scene_states(kinds, width: int, height: int, seed: int = 0):
    """(kind, state, first camera) of scene 0 of each kind, at rest where the kind settles."""
    from simgen.job import register_configs
    from simgen.physics.state import posed_state
    from simgen.physics.world import PhysicsWorld
    from simgen.randomizers import RecipeContext, build_scene
    from simgen.tools.cli import load_job

    register_configs()
    out = []
    for kind in kinds:
        _, job = load_job([f"scene={kind}", f"renderer.width={width}", f"renderer.height={height}",
                           f"seed={seed}"])
        ctx = RecipeContext(scene=job.scene, width=width, height=height, sequence=job.sequence,
                            balance=job.balance)
        spec = build_scene(0, seed, ctx)
        if job.kind.kinematic:
            state = posed_state(spec)
        else:
            world = PhysicsWorld()
            try:
                state = world.simulate(spec, job.scene.physics)
            finally:
                world.close()
        out.append((kind, state, spec.sequence()[0].cameras[0]))
    return out


def main() -> None:
    from simgen.config.pathtrace import PathTraceConfig
    from simgen.render.pathtrace import image
    from simgen.render.pathtrace.tracer import PathTracer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--ladder", default="1,2,4,8,16,32,64")
    ap.add_argument("--reference", type=int, default=1024)
    ap.add_argument("--scenes", default="tabletop,bin_picking,driving")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    ladder = [int(v) for v in args.ladder.split(",")]
    plain = PathTracer(PathTraceConfig(denoise=False), width, height)
    denoised = PathTracer(PathTraceConfig(denoise=True), width, height)
    rows = []
    for kind, state, cam in scene_states(args.scenes.split(","), width, height):
        plain.load(state)
        denoised.load(state)
        chunks = [plain.radiance(cam, 10_000 + k, CHUNK) for k in range(max(1, args.reference // CHUNK))]
        mean = np.mean(chunks, axis=0)
        reference = image.to_bytes(mean[..., :3], mean[..., 3], plain.background)
        for spp in ladder:
            noisy = plain.radiance(cam, spp, spp)
            raw = image.to_bytes(noisy[..., :3], noisy[..., 3], plain.background)
            rows.append((kind, spp, psnr(raw, reference), psnr(denoised.color(cam, spp, spp), reference)))
            print(f"{kind:12s} spp {spp:4d}  PSNR raw {rows[-1][2]:5.1f} dB  denoised {rows[-1][3]:5.1f} dB",
                  flush=True)
    print(f"\n{width}x{height}, reference {args.reference} spp; PSNR dB of the 8-bit image (raw / denoised)")
    kinds = list(dict.fromkeys(r[0] for r in rows))
    print("spp   " + "  ".join(f"{k:>17s}" for k in kinds))
    for spp in ladder:
        cells = [next(f"{r[2]:7.1f} / {r[3]:6.1f}" for r in rows if r[0] == k and r[1] == spp) for k in kinds]
        print(f"{spp:4d}  " + "  ".join(f"{c:>17s}" for c in cells))


if __name__ == "__main__":
    main()
