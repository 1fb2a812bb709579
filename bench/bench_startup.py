"""Start-up of the ``vmafref`` command: the first-ever run and warm runs of small pairs.

    python bench/bench_startup.py [--repeats 5] [--json out.json] [--no-cache]

Each case runs the ``vmafref`` console script in fresh processes against a new, temporary
cache folder (``VMAFREF_CACHE_DIR``; the real home's cache is never touched): the first run
finds the folder empty (the first-ever run on a machine), the next ``--repeats`` runs are warm.
Cases: ``score --example`` (libvmaf's src01 160x90 pair, 48 frames) and a seeded synthetic
160x90 4:2:0 pair of 5 frames. ``--no-cache`` adds the same runs with
``VMAFREF_COMPILE_CACHE=0``. Reported: wall seconds (first run, median and range of the warm
runs), the warm runs' median CPU seconds (user + system, all threads), the JSON ``fps`` and the
load average before and after, which says how busy the machine was. The bar (issue 12):
a warm run of a small pair within 1.5 s wall on default settings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BAR_SECONDS = 1.5


def _vmafref_command() -> list[str]:
    found = shutil.which("vmafref", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return [found] if found else [sys.executable, "-c", "import sys; from vmafref.cli import console_main; "
                                                         "sys.exit(console_main())"]


def make_pair(directory: str, width: int = 160, height: int = 90, frames: int = 5, seed: int = 0) -> tuple[str, str]:
    rng = np.random.default_rng(seed)
    base = rng.integers(16, 236, size=(height, width)).astype(np.float64)
    chroma = np.full((height // 2) * (width // 2) * 2, 128, np.uint8).tobytes()
    ref_path, dis_path = os.path.join(directory, "ref.yuv"), os.path.join(directory, "dis.yuv")
    with open(ref_path, "wb") as ref_file, open(dis_path, "wb") as dis_file:
        for index in range(frames):
            frame = np.roll(base, index, axis=1)
            noisy = frame + rng.normal(scale=6.0, size=frame.shape)
            ref_file.write(np.clip(frame, 0, 255).astype(np.uint8).tobytes() + chroma)
            dis_file.write(np.clip(np.rint(noisy), 0, 255).astype(np.uint8).tobytes() + chroma)
    return ref_path, dis_path


def _run(args: list[str], env: dict[str, str], output: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(_vmafref_command() + args + ["-q", "--json", "-o", output], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(output) as stream:
        fps = json.load(stream).get("fps")
    return {"wall_s": wall, "cpu_s": cpu, "fps": fps}


def measure(name: str, args: list[str], repeats: int, scratch: str, cache: bool) -> dict:
    env = dict(os.environ)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["VMAFREF_CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-", dir=scratch)
    if not cache:
        env["VMAFREF_COMPILE_CACHE"] = "0"
    output = os.path.join(scratch, "out.json")
    load_before = os.getloadavg()[0]
    first = _run(args, env, output)
    warm = [_run(args, env, output) for _ in range(repeats)]
    walls = [run["wall_s"] for run in warm]
    return {"case": name, "cache": cache, "first_wall_s": first["wall_s"], "first_cpu_s": first["cpu_s"],
            "first_fps": first["fps"], "warm_wall_s": statistics.median(walls), "warm_wall_range": [min(walls), max(walls)],
            "warm_cpu_s": statistics.median(run["cpu_s"] for run in warm),
            "warm_fps": statistics.median(run["fps"] for run in warm),
            "load_average": [load_before, os.getloadavg()[0]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="warm runs per case (default 5)")
    parser.add_argument("--no-cache", action="store_true", help="also run with VMAFREF_COMPILE_CACHE=0")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    options = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="vmafref-startup-") as scratch:
        ref, dis = make_pair(scratch)
        cases = [("example 160x90 x48", ["score", "--example"]),
                 ("160x90 x5", ["score", "-r", ref, "-d", dis, "-w", "160", "-h", "90", "-p", "420", "-b", "8"])]
        for cache in (True, False) if options.no_cache else (True,):
            for name, args in cases:
                rows.append(measure(name, args, options.repeats, scratch, cache))
    print(f"{'case':<20} {'cache':<5} {'first s':>8} {'warm s (range)':>20} {'warm CPU s':>10} {'fps':>7} "
          f"{'load avg':>11} bar")
    for row in rows:
        low, high = row["warm_wall_range"]
        met = "met" if row["cache"] and row["warm_wall_s"] <= BAR_SECONDS else ("-" if not row["cache"] else "missed")
        print(f"{row['case']:<20} {'on' if row['cache'] else 'off':<5} {row['first_wall_s']:>8.2f} "
              f"{row['warm_wall_s']:>8.2f} ({low:.2f}-{high:.2f}) {row['warm_cpu_s']:>10.2f} {row['warm_fps']:>7.1f} "
              f"{row['load_average'][0]:>5.2f}/{row['load_average'][1]:<5.2f} {met}")
    if options.json:
        with open(options.json, "w") as stream:
            json.dump({"rows": rows, "cpus": os.cpu_count(), "bar_s": BAR_SECONDS}, stream, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
