"""Throughput and peak memory of vmafref's fixed-point and float paths, beside libvmaf.

    python bench/bench_score.py [--libvmaf PATH/TO/vmaf] [--frames 24] [--sizes 576x324,1920x1080]
                                [--repeats 3] [--cpus N] [--threads N] [--json out.json]

For each size, a seeded synthetic 8-bit 4:2:0 pair (a moving smooth texture; the distorted
clip adds blur and noise) is written to a temporary folder, then each configuration runs in
its own process so that peak RSS is that configuration's alone:

* ``vmafref integer``: ``vmafref score`` with the default model ``vmaf_v0.6.1``;
* ``vmafref float``: ``--model version=vmaf_float_v0.6.1``;
* ``libvmaf integer`` / ``libvmaf float``: the same through a libvmaf ``vmaf`` binary with
  ``--threads 1`` (single-thread, as the targets are stated), when ``--libvmaf`` is given.

``--threads N`` (N > 1) runs both with ``--threads N``: vmafref scores N frames at once
(specs/score.md §9), libvmaf its thread pool of N.

Each configuration runs ``--repeats`` times (vmafref: timed passes in one process after a
warm-up; libvmaf: fresh processes). Reported: the median frames per wall second with the
range over the repeats (after vmafref's one-off JIT compilation, measured separately as
``compile_s``), CPU milliseconds per frame, peak RSS, the fps ratio vmafref/libvmaf and the
CPU-time ratio libvmaf/vmafref (both above 1 when vmafref is the faster). XLA spreads a frame's work over the CPUs the process may use, libvmaf
``--threads 1`` uses one: ``--cpus 1`` restricts vmafref to one CPU for a core-for-core
comparison. vmafref's C allocator is tuned as the ``vmafref`` command tunes it
(``--allocator system`` to compare with glibc's defaults; specs/score.md §8). Timings on a
shared machine vary from run to run; the range shows by how much.
Results go to stdout as a table and, with ``--json PATH``, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import numpy as np

VMAFREF_WORKER = r"""
import json, os, resource, sys, time
cpus = int(sys.argv[8])
if cpus:
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cpus])  # before jax starts its thread pool
if sys.argv[9] == "tuned":
    from vmafref.allocator import tune_for_large_frames  # what the vmafref command does first
    tune_for_large_frames()
from vmafref.scoring import score
ref, dis, width, height, model, frames, repeats = sys.argv[1:8]
width, height, frames, repeats = int(width), int(height), int(frames), int(repeats)
t0 = time.perf_counter()
threads = int(sys.argv[10])
score(ref, dis, width=width, height=height, pixel_format="420", bitdepth=8, models=(model,), frame_cnt=2 + 2 * threads,
      threads=threads)
warm = time.perf_counter() - t0
walls, cpus_s = [], []
for _ in range(repeats):
    t0 = time.perf_counter()
    result = score(ref, dis, width=width, height=height, pixel_format="420", bitdepth=8, models=(model,), frame_cnt=frames,
                   threads=threads)
    # result.cpu_seconds: this process's CPU time and that of its frame workers (threads > 1), less compiling
    walls.append(time.perf_counter() - t0); cpus_s.append(result.cpu_seconds)
from vmafref.frame_workers import stop_kept_workers
stop_kept_workers()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
# Frame worker processes (threads > 1): each at most the largest child's peak, so this bounds the sum.
rss += threads * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 if threads > 1 else 0
print(json.dumps({"wall_s": walls, "cpu_s": cpus_s, "compile_s": warm, "peak_rss_bytes": rss,
                  "frames": result.frame_count, "vmaf": result.pooled["vmaf"]["mean"]}))
"""


def make_pair(directory: str, width: int, height: int, frames: int, seed: int = 0) -> tuple[str, str]:
    """Write a seeded moving-texture reference and a blurred, noisy distorted clip (8-bit 4:2:0)."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(height + 64, width + 64))
    for _ in range(3):  # smooth the noise into a natural-looking texture
        base = (base + np.roll(base, 1, 0) + np.roll(base, -1, 0) + np.roll(base, 1, 1) + np.roll(base, -1, 1)) / 5
    base = (base - base.min()) / (base.max() - base.min()) * 200 + 28
    chroma = np.full(((height + 1) // 2) * ((width + 1) // 2) * 2, 128, np.uint8).tobytes()
    ref_path, dis_path = os.path.join(directory, "ref.yuv"), os.path.join(directory, "dis.yuv")
    with open(ref_path, "wb") as ref_file, open(dis_path, "wb") as dis_file:
        for index in range(frames):
            frame = base[index % 32: index % 32 + height, (2 * index) % 32: (2 * index) % 32 + width]
            blurred = (frame + np.roll(frame, 1, 0) + np.roll(frame, 1, 1) + np.roll(frame, 1, (0, 1))) / 4
            noisy = blurred + rng.normal(scale=4.0, size=frame.shape)
            ref_file.write(np.clip(np.rint(frame), 0, 255).astype(np.uint8).tobytes() + chroma)
            dis_file.write(np.clip(np.rint(noisy), 0, 255).astype(np.uint8).tobytes() + chroma)
    return ref_path, dis_path


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> dict:
    """The CPU's model name and widest vector extension (libvmaf picks its kernels by it at run
    time, XLA compiles for it, so ratios from machines of different kinds differ)."""
    model, flags = platform.processor() or "unknown", set()
    try:
        with open(cpuinfo) as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                if model != "unknown" and flags:
                    break
    except OSError:
        pass
    simd = next((name for name in ("avx512f", "avx2", "avx", "sse4_2") if name in flags), "unknown")
    return {"cpu_model": model, "simd": simd.replace("avx512f", "avx512")}


def _summarise(measured: dict, frames: int) -> dict:
    """Median wall and CPU seconds over the repeats, fps from the median wall, and the spread."""
    walls, cpus = sorted(measured["wall_s"]), sorted(measured["cpu_s"])
    measured.update(wall_runs_s=measured["wall_s"], cpu_runs_s=measured["cpu_s"],
                    wall_s=statistics.median(walls), cpu_s=statistics.median(cpus))
    measured.update(fps=frames / measured["wall_s"], fps_min=frames / walls[-1], fps_max=frames / walls[0],
                    cpu_ms_per_frame=1000 * measured["cpu_s"] / frames)
    return measured


def run_vmafref(ref: str, dis: str, width: int, height: int, model: str, frames: int, repeats: int = 3,
                cpus: int = 0, allocator: str = "tuned", threads: int = 0) -> dict:
    """vmafref in a fresh process: one warm-up (compilation), then ``repeats`` timed runs.

    ``cpus`` > 0 restricts the process to that many CPUs before JAX starts (0: all it may use).
    ``allocator`` "tuned" applies :func:`vmafref.allocator.tune_for_large_frames` first, as the
    ``vmafref`` command does; "system" keeps the C library's defaults. ``threads`` as ``--threads``.
    """
    out = subprocess.run([sys.executable, "-c", VMAFREF_WORKER, ref, dis, str(width), str(height), model, str(frames),
                          str(repeats), str(cpus), allocator, str(threads)], check=True, capture_output=True, text=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    return _summarise(measured, measured["frames"])


LIBVMAF_WRAPPER = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_bytes": usage.ru_maxrss * 1024}))
"""


def run_libvmaf(binary: str, ref: str, dis: str, width: int, height: int, model: str, frames: int,
                repeats: int = 3, threads: int = 1) -> dict:
    """Run libvmaf with ``--threads threads`` (default single-threaded) ``repeats`` times, each
    through a small wrapper process whose only child it is (clean peak RSS and CPU time)."""
    runs = {"wall_s": [], "cpu_s": [], "peak_rss_bytes": 0}
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        command = [binary, "-r", ref, "-d", dis, "-w", str(width), "-h", str(height), "-p", "420", "-b", "8",
                   "--threads", str(max(threads, 1)), "-q", "--json", "-o", output.name, "--model", f"version={model}",
                   "--frame_cnt", str(frames)]
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", LIBVMAF_WRAPPER, *command], check=True, capture_output=True,
                                 text=True)
            measured = json.loads(out.stdout.strip().splitlines()[-1])
            runs["wall_s"].append(measured["wall_s"])
            runs["cpu_s"].append(measured["cpu_s"])
            runs["peak_rss_bytes"] = max(runs["peak_rss_bytes"], measured["peak_rss_bytes"])
        with open(output.name) as handle:
            document = json.load(handle)
    runs.update(frames=frames, vmaf=document["pooled_metrics"]["vmaf"]["mean"])
    return _summarise(runs, frames)


COMMAND_WRAPPER = LIBVMAF_WRAPPER  # the same clean-child measurement, for the ``vmafref`` command


def run_command(ref: str, dis: str, width: int, height: int, model: str, frames: int, scratch: str,
                threads: int = 0) -> dict:
    """The ``vmafref score`` command as a user runs it, against a new cache folder: its first-ever
    run (compiling, and saving the executables) and then a warm run (loading them); wall seconds
    and peak RSS of each, the whole process included (start-up, reading, writing the JSON)."""
    env = dict(os.environ, VMAFREF_CACHE_DIR=tempfile.mkdtemp(prefix="cache-", dir=scratch))
    command = [sys.executable, "-m", "vmafref", "score", "-r", ref, "-d", dis, "-w", str(width), "-h", str(height),
               "-p", "420", "-b", "8", "--model", f"version={model}", "--frame_cnt", str(frames), "--threads",
               str(threads), "--json", "-o", os.path.join(scratch, "command.json"), "-q"]
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", COMMAND_WRAPPER, *command], check=True, capture_output=True,
                             text=True, env=env)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"first_wall_s": runs[0]["wall_s"], "first_peak_rss_bytes": runs[0]["peak_rss_bytes"],
            "warm_wall_s": runs[1]["wall_s"], "warm_peak_rss_bytes": runs[1]["peak_rss_bytes"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--libvmaf", help="path to a libvmaf `vmaf` binary to run side by side")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--sizes", default="576x324,1920x1080")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs of each configuration; the median is reported (default 3)")
    parser.add_argument("--cpus", type=int, default=0,
                        help="restrict vmafref to this many CPUs (default 0: all; 1 compares core for core)")
    parser.add_argument("--allocator", choices=("tuned", "system"), default="tuned",
                        help="vmafref's C allocator settings: as the vmafref command sets them (default) or "
                             "the C library's defaults (specs/score.md §8)")
    parser.add_argument("--threads", type=int, default=0,
                        help="run vmafref and libvmaf with --threads N (default: vmafref 0, libvmaf 1)")
    parser.add_argument("--command", action="store_true",
                        help="also time the `vmafref score` command itself, first-ever and warm run (peak RSS)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.cpus < 0 or args.threads < 0:
        parser.error("--repeats must be >= 1, --cpus and --threads >= 0")
    machine = {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
               **cpu_description()}
    print(f"machine: {machine['cpu_model']}, {machine['cpus']} CPUs, widest x86 vectors: {machine['simd']}", flush=True)
    results = {"machine": machine,
               "frames": args.frames, "repeats": args.repeats,
               "vmafref_cpus": args.cpus or len(os.sched_getaffinity(0)), "allocator": args.allocator, "threads": args.threads, "runs": []}
    paths = {"integer": "vmaf_v0.6.1", "float": "vmaf_float_v0.6.1"}
    with tempfile.TemporaryDirectory(prefix="vmafref-bench-") as scratch:
        for size in args.sizes.split(","):
            width, height = (int(v) for v in size.lower().split("x"))
            ref, dis = make_pair(scratch, width, height, args.frames)
            for path_name, model in paths.items():
                row = {"size": size, "path": path_name,
                       "vmafref": run_vmafref(ref, dis, width, height, model, args.frames, args.repeats, args.cpus,
                                              args.allocator, args.threads)}
                if args.libvmaf:
                    row["libvmaf"] = run_libvmaf(args.libvmaf, ref, dis, width, height, model, args.frames,
                                                 args.repeats, args.threads)
                    row["libvmaf_threads"] = max(args.threads, 1)
                    row["fps_ratio"] = row["vmafref"]["fps"] / row["libvmaf"]["fps"]
                    row["cpu_ratio"] = row["libvmaf"]["cpu_s"] / row["vmafref"]["cpu_s"]
                    row["vmaf_diff"] = row["vmafref"]["vmaf"] - row["libvmaf"]["vmaf"]
                if args.command:
                    row["command"] = run_command(ref, dis, width, height, model, args.frames, scratch, args.threads)
                results["runs"].append(row)
                _print_row(row)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


def _print_row(row: dict) -> None:
    mine = row["vmafref"]
    line = (f"{row['size']:>10} {row['path']:>7}  vmafref {mine['fps']:6.2f} fps [{mine['fps_min']:.2f}-{mine['fps_max']:.2f}]"
            f" (cpu {mine['cpu_ms_per_frame']:.0f} ms/frame, compile {mine['compile_s']:.1f}s,"
            f" peak {mine['peak_rss_bytes'] / 2**20:.0f} MiB)")
    if "libvmaf" in row:
        theirs = row["libvmaf"]
        line += (f" | libvmaf {row.get('libvmaf_threads', 1)}-thread {theirs['fps']:6.2f} fps [{theirs['fps_min']:.2f}-{theirs['fps_max']:.2f}]"
                 f" (cpu {theirs['cpu_ms_per_frame']:.0f} ms/frame, peak {theirs['peak_rss_bytes'] / 2**20:.0f} MiB)"
                 f" | fps ratio {row['fps_ratio']:.2f}x, cpu ratio {row['cpu_ratio']:.2f}x"
                 f" | vmaf diff vs libvmaf's 6-decimal JSON {row['vmaf_diff']:.3g}")
    if "command" in row:
        command = row["command"]
        line += (f" | command: first {command['first_wall_s']:.1f} s, peak {command['first_peak_rss_bytes'] / 2**20:.0f}"
                 f" MiB; warm {command['warm_wall_s']:.1f} s, peak {command['warm_peak_rss_bytes'] / 2**20:.0f} MiB")
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
