"""A libvmaf-compatible command line for build tests: same flags, same JSON layout.

Its "features" are simple functions of the luma error (not VMAF), so orchestration tests run
without a real scorer. ``FAKE_VMAF_SLEEP`` slows each call; ``FAKE_VMAF_FAIL_ONCE`` names a
folder where it leaves a mark per distorted stem and fails the first call for each stem
containing ``FAKE_VMAF_FAIL_MATCH``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

parser = argparse.ArgumentParser(add_help=False)
for flag in ("-r", "-d", "-w", "-h", "-p", "-b", "-o", "--model"):
    parser.add_argument(flag)
parser.add_argument("--json", action="store_true")
parser.add_argument("-q", action="store_true")
args = parser.parse_args()

time.sleep(float(os.environ.get("FAKE_VMAF_SLEEP", "0")))
match = os.environ.get("FAKE_VMAF_FAIL_MATCH")
if match and match in Path(args.d).name:
    marks = Path(os.environ["FAKE_VMAF_FAIL_ONCE"])
    mark = marks / Path(args.d).name
    if not mark.exists() or os.environ.get("FAKE_VMAF_FAIL_ALWAYS"):
        marks.mkdir(parents=True, exist_ok=True)
        mark.write_text("failed once")
        print("fake scorer: injected failure", file=sys.stderr)
        sys.exit(3)

w, h, depth = int(args.w), int(args.h), int(args.b)
dtype = np.uint8 if depth == 8 else np.uint16
chroma = {"420": (w // 2) * (h // 2), "422": (w // 2) * h, "444": w * h}[args.p]
frame = w * h + 2 * chroma
ref = np.fromfile(args.r, dtype=dtype).reshape(-1, frame)[:, : w * h].astype(np.float64)
dis = np.fromfile(args.d, dtype=dtype).reshape(-1, frame)[:, : w * h].astype(np.float64)
frames = []
previous = None
for index, (r, d) in enumerate(zip(ref, dis)):
    mse = float(np.mean((r - d) ** 2))
    quality = 1.0 / (1.0 + mse / 16.0)
    motion = 0.0 if previous is None else float(np.mean(np.abs(r - previous)))
    previous = r
    metrics = {"integer_adm2": quality, "integer_motion2": motion, "vmaf": 100.0 * quality}
    for scale in range(4):
        metrics[f"integer_vif_scale{scale}"] = quality ** (1.0 / (scale + 1))
    frames.append({"frameNum": index, "metrics": metrics})
pooled = {key: {"min": min(f["metrics"][key] for f in frames), "max": max(f["metrics"][key] for f in frames),
                "mean": sum(f["metrics"][key] for f in frames) / len(frames)} for key in frames[0]["metrics"]}
Path(args.o).write_text(json.dumps({"version": "fake-1", "frames": frames, "pooled_metrics": pooled}))
