"""Regenerate expected.json: run a full-precision libvmaf CLI on the seeded test clips.

Usage: python make_expected.py /path/to/vmaf   (a libvmaf CLI built with -Denable_float=true
whose JSON writer prints %.17g). The clips are made by ``clips.py`` (seeded numpy), written as
4:4:4 raw YUV to a temporary folder, scored with
``vmaf -n --feature float_adm=debug=true --feature float_vif=debug=true --feature float_motion``
(plus the egl=1 variants), and only the per-frame metrics are kept.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from clips import CASES, make_clip  # noqa: E402

FEATURES = {
    "default": ["float_adm=debug=true", "float_vif=debug=true", "float_motion"],
    "egl1": ["float_adm=adm_enhn_gain_limit=1.0", "float_vif=vif_enhn_gain_limit=1.0"],
}


def write_yuv444(path: pathlib.Path, planes: list[np.ndarray], bitdepth: int) -> None:
    dtype = np.uint8 if bitdepth == 8 else np.dtype("<u2")
    with open(path, "wb") as handle:
        for luma in planes:
            handle.write(luma.astype(dtype).tobytes())
            grey = np.full(luma.shape, 1 << (bitdepth - 1), dtype)
            handle.write(grey.tobytes() * 2)


def main(vmaf: str) -> None:
    expected = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in CASES.items():
            refs, diss = make_clip(**case)
            height, width = refs[0].shape
            ref_path, dis_path = pathlib.Path(tmp, "ref.yuv"), pathlib.Path(tmp, "dis.yuv")
            write_yuv444(ref_path, refs, case["bitdepth"])
            write_yuv444(dis_path, diss, case["bitdepth"])
            for variant in case.get("variants", ["default"]):
                out = pathlib.Path(tmp, "out.json")
                cmd = [vmaf, "-r", str(ref_path), "-d", str(dis_path), "-w", str(width), "-h", str(height),
                       "-p", "444", "-b", str(case["bitdepth"]), "-n", "-q", "--json", "-o", str(out)]
                for feature in FEATURES[variant]:
                    cmd += ["--feature", feature]
                subprocess.run(cmd, check=True, capture_output=True)
                frames = json.loads(out.read_text())["frames"]
                expected[f"{name}/{variant}"] = [frame["metrics"] for frame in frames]
    target = pathlib.Path(__file__).with_name("expected.json")
    target.write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
