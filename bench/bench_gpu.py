"""The fixed-point features on a GPU, batched, checked bit for bit against the CPU.

    python bench/bench_gpu.py [--sizes 1920x1080,3840x2160] [--frames 32] [--batch 8]
                              [--repeats 3] [--platform gpu] [--json out.json]

For each size a seeded synthetic 8-bit pair (``bench_score.make_pair``) is scored by the
batched pure functions of the fixed-point path: :func:`vmafref.features.integer_vif.vif_num_den`
and :func:`vmafref.features.integer_adm.adm_accumulators` on ``--batch`` frames at a time and
:func:`vmafref.features.integer_motion.clip_motion` on the whole clip, first in a process on
``--platform`` (default ``gpu``: JAX's CUDA or ROCm backend), then in a process restricted to
the CPU (``JAX_PLATFORMS=cpu``). Each process compiles first (one warm-up pass, reported as
``compile_s``), then times ``--repeats`` passes over the clip; the median gives frames per
second of the features (reading and model prediction aside; they run on the host either
way). The two processes' arrays are then compared exactly: the VIF num/den, the ADM
accumulators and the motion SADs and scores must be equal to the bit, as the fixed-point
path is defined to be (specs/integer_vif.md, specs/integer_adm.md, specs/integer_motion.md).

Exit status: 0 when every array matches, 1 when any differs (the differing counts are
printed), 2 when the platform has no device. ``--platform cpu`` runs the same comparison
CPU against CPU, a dry run of the script on a machine without a GPU. The bar of issue 12 is
250 fps at 3840x2160; libvmaf's CUDA path is published at 227.6 fps on an RTX 4090.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_score import make_pair  # noqa: E402

NO_DEVICE = 2


def _luma(path: str, width: int, height: int, frames: int) -> np.ndarray:
    frame_bytes = width * height + 2 * ((width + 1) // 2) * ((height + 1) // 2)
    data = np.fromfile(path, np.uint8, count=frame_bytes * frames).reshape(frames, frame_bytes)
    return np.ascontiguousarray(data[:, :width * height].reshape(frames, height, width))


def worker(ref_path: str, dis_path: str, width: int, height: int, frames: int, batch: int, repeats: int,
           out_path: str) -> int:
    """Score the clip on JAX's default backend; write the arrays and timings to ``out_path``."""
    import jax

    from vmafref.features.integer_adm import adm_accumulators
    from vmafref.features.integer_motion import clip_motion
    from vmafref.features.integer_vif import vif_num_den

    device = jax.devices()[0]
    ref, dis = _luma(ref_path, width, height, frames), _luma(dis_path, width, height, frames)

    def one_pass() -> dict[str, np.ndarray]:
        ref_d, dis_d = jax.device_put(ref, device), jax.device_put(dis, device)
        parts: dict[str, list] = {"vif_num": [], "vif_den": [], "adm_num": [], "adm_aim": [], "adm_den": []}
        for start in range(0, frames, batch):
            num, den = vif_num_den(ref_d[start:start + batch], dis_d[start:start + batch], bitdepth=8)
            adm = adm_accumulators(ref_d[start:start + batch], dis_d[start:start + batch], 8)
            for key, value in (("vif_num", num), ("vif_den", den), ("adm_num", adm["num"]),
                               ("adm_aim", adm["aim"]), ("adm_den", adm["den"])):
                parts[key].append(value)
        motion = clip_motion(ref_d, bitdepth=8)
        jax.block_until_ready((parts, motion))
        arrays = {key: np.concatenate([np.asarray(v) for v in values]) for key, values in parts.items()}
        arrays.update({f"motion_{key}": np.asarray(value) for key, value in motion.items()})
        return arrays

    start = time.perf_counter()
    arrays = one_pass()
    compile_s = time.perf_counter() - start
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        one_pass()
        walls.append(time.perf_counter() - start)
    np.savez(out_path, **arrays)
    print(json.dumps({"device": str(device), "platform": device.platform, "compile_s": compile_s,
                      "wall_s": walls, "fps": frames / statistics.median(walls)}))
    return 0


def _run_worker(platform: str, args: argparse.Namespace, ref: str, dis: str, width: int, height: int,
                out_path: str) -> dict | None:
    env = dict(os.environ, JAX_PLATFORMS=platform)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", ref, dis, str(width), str(height),
                           str(args.frames), str(args.batch), str(args.repeats), out_path],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        print(f"{platform}: the worker failed (status {done.returncode}):\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _has_device(platform: str) -> bool:
    done = subprocess.run([sys.executable, "-c", "import jax; print(len(jax.devices()))"], capture_output=True,
                          text=True, env=dict(os.environ, JAX_PLATFORMS=platform))
    return done.returncode == 0 and done.stdout.strip() not in ("", "0")


def compare(first: str, second: str) -> dict[str, int]:
    """Per array, how many elements differ (bitwise, NaN included); -1 for a shape mismatch."""
    a, b = np.load(first), np.load(second)
    differing = {}
    for key in sorted(set(a.files) | set(b.files)):
        if key not in a.files or key not in b.files or a[key].shape != b[key].shape:
            differing[key] = -1
            continue
        x, y = (np.ascontiguousarray(array[key]).reshape(-1) for array in (a, b))
        x_bytes = x.view(np.uint8).reshape(x.size, x.itemsize)
        y_bytes = y.view(np.uint8).reshape(y.size, y.itemsize)
        differing[key] = int(np.count_nonzero(np.any(x_bytes != y_bytes, axis=1)))
    return differing


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        ref, dis, width, height, frames, batch, repeats, out_path = argv[1:9]
        return worker(ref, dis, int(width), int(height), int(frames), int(batch), int(repeats), out_path)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1920x1080,3840x2160")
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8, help="frames per batched call (default 8)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--platform", default="gpu", help="JAX platform to run on: gpu (default), cuda, rocm or cpu")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if min(args.frames, args.batch, args.repeats) < 1:
        parser.error("--frames, --batch and --repeats must be >= 1")
    if not _has_device(args.platform):
        print(f"bench_gpu: no {args.platform} device for JAX on this machine (pip install 'jax[cuda12]' on a "
              f"machine with an NVIDIA GPU; --platform cpu runs the comparison CPU against CPU)", file=sys.stderr)
        return NO_DEVICE
    results = {"platform": args.platform, "frames": args.frames, "batch": args.batch, "runs": []}
    worst = 0
    with tempfile.TemporaryDirectory(prefix="vmafref-bench-gpu-") as scratch:
        for size in args.sizes.split(","):
            width, height = (int(v) for v in size.lower().split("x"))
            ref, dis = make_pair(scratch, width, height, args.frames)
            on_device = _run_worker(args.platform, args, ref, dis, width, height, os.path.join(scratch, "device.npz"))
            on_cpu = _run_worker("cpu", args, ref, dis, width, height, os.path.join(scratch, "cpu.npz"))
            if on_device is None or on_cpu is None:
                return 1
            differing = compare(os.path.join(scratch, "device.npz"), os.path.join(scratch, "cpu.npz"))
            exact = not any(differing.values())
            worst = max(worst, 0 if exact else 1)
            row = {"size": size, "device": on_device, "cpu": on_cpu, "differing": differing, "bit_exact": exact,
                   "speedup": on_device["fps"] / on_cpu["fps"]}
            results["runs"].append(row)
            print(f"{size:>10}  {on_device['device']}: {on_device['fps']:8.1f} fps (compile {on_device['compile_s']:.1f} s)"
                  f" | cpu: {on_cpu['fps']:6.1f} fps | {row['speedup']:.1f}x"
                  f" | {'bit-exact' if exact else 'DIFFERS: ' + json.dumps({k: v for k, v in differing.items() if v})}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return worst


if __name__ == "__main__":
    sys.exit(main())
