"""Regenerate the integer VIF and integer motion expected values from a libvmaf build.

Usage::

    python tests/features/data/integer_vif/make_expected.py --vmaf PATH/TO/vmaf

``PATH/TO/vmaf`` is libvmaf's command-line tool built from commit f85a8536 with its
output printed at full precision (``%.17g``). For every case below, the clip pair is made
by :func:`make_clip` (seeded numpy, nothing random outside it), written as a temporary
raw YUV 4:4:4 file (luma as generated, chroma mid-grey; 4:4:4 because
libvmaf's raw reader crashes on odd sizes in 4:2:0), and scored with::

    vmaf -r ref.yuv -d dis.yuv -w W -h H -p 444 -b BITDEPTH -n \
         --feature vif=debug=true[:OPTIONS] --feature motion=debug=true[:OPTIONS] \
         --json -o out.json

The per-frame ``integer_vif*`` values go to ``integer_vif/expected.json`` (the motion values
of the same clips are the golden cases ``vif_motion_*``, written by ``tools/make_golden.py``).
The tests import :func:`make_clip` and
:data:`CASES` from this file, so they see exactly the frames libvmaf saw.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
VIF_JSON = HERE / "expected.json"

LIBVMAF_COMMIT = "f85a8536"

#: name -> clip parameters, libvmaf feature options (vif, motion).
CASES: dict[str, dict] = {
    "natural_8bit_64x48": dict(kind="natural", width=64, height=48, bitdepth=8, frames=5, seed=1),
    "natural_10bit_57x41": dict(kind="natural", width=57, height=41, bitdepth=10, frames=4, seed=2),
    "natural_12bit_48x37": dict(kind="natural", width=48, height=37, bitdepth=12, frames=4, seed=3),
    "natural_16bit_40x33": dict(kind="natural", width=40, height=33, bitdepth=16, frames=4, seed=4),
    "natural_10bit_35x50": dict(kind="natural", width=35, height=50, bitdepth=10, frames=3, seed=5),
    "odd_8bit_83x61": dict(kind="natural", width=83, height=61, bitdepth=8, frames=4, seed=6),
    "min_8bit_16x16": dict(kind="natural", width=16, height=16, bitdepth=8, frames=4, seed=7),
    "min_10bit_17x16": dict(kind="natural", width=17, height=16, bitdepth=10, frames=3, seed=8),
    "min_8bit_16x23": dict(kind="natural", width=16, height=23, bitdepth=8, frames=3, seed=9),
    "identical_8bit_48x40": dict(kind="identical", width=48, height=40, bitdepth=8, frames=3, seed=10),
    "identical_12bit_40x32": dict(kind="identical", width=40, height=32, bitdepth=12, frames=3, seed=11),
    "flat_8bit_32x32": dict(kind="flat", width=32, height=32, bitdepth=8, frames=3, seed=12),
    "flat_10bit_33x31": dict(kind="flat", width=33, height=31, bitdepth=10, frames=3, seed=13),
    "dark_8bit_64x36": dict(kind="dark", width=64, height=36, bitdepth=8, frames=4, seed=14),
    "dark_16bit_48x32": dict(kind="dark", width=48, height=32, bitdepth=16, frames=3, seed=15),
    "extreme_8bit_48x40": dict(kind="extreme", width=48, height=40, bitdepth=8, frames=4, seed=16),
    "extreme_16bit_48x40": dict(kind="extreme", width=48, height=40, bitdepth=16, frames=4, seed=17),
    "extreme_10bit_37x29": dict(kind="extreme", width=37, height=29, bitdepth=10, frames=4, seed=18),
    "static_8bit_40x30": dict(kind="static", width=40, height=30, bitdepth=8, frames=4, seed=19),
    "static_10bit_40x30": dict(kind="static", width=40, height=30, bitdepth=10, frames=3, seed=20),
    "sharpened_8bit_64x48_egl1": dict(kind="sharpened", width=64, height=48, bitdepth=8, frames=3, seed=21,
                                      vif="vif_enhn_gain_limit=1.0"),
    "sharpened_10bit_48x40_egl1_5": dict(kind="sharpened", width=48, height=40, bitdepth=10, frames=3, seed=22,
                                         vif="vif_enhn_gain_limit=1.5"),
    "skip_scale0_8bit_48x32": dict(kind="natural", width=48, height=32, bitdepth=8, frames=3, seed=23,
                                   vif="vif_skip_scale0=true"),
    "five_frame_8bit_48x32": dict(kind="natural", width=48, height=32, bitdepth=8, frames=7, seed=24,
                                  motion="motion_five_frame_window=true"),
    "five_frame_short_8bit_32x24": dict(kind="natural", width=32, height=24, bitdepth=8, frames=3, seed=25,
                                        motion="motion_five_frame_window=true"),
    "moving_average_8bit_48x32": dict(kind="natural", width=48, height=32, bitdepth=8, frames=6, seed=26,
                                      motion="motion_moving_average=true"),
    "five_frame_average_10bit_40x30": dict(kind="natural", width=40, height=30, bitdepth=10, frames=6, seed=27,
                                           motion="motion_five_frame_window=true:motion_moving_average=true"),
    "blend_8bit_48x32": dict(kind="natural", width=48, height=32, bitdepth=8, frames=5, seed=28,
                             motion="motion_blend_factor=0.5:motion_blend_offset=3"),
    "fps_max_8bit_48x32": dict(kind="natural", width=48, height=32, bitdepth=8, frames=6, seed=29,
                               motion="motion_fps_weight=1.7:motion_max_val=20.5"),
    "force_zero_8bit_32x32": dict(kind="natural", width=32, height=32, bitdepth=8, frames=3, seed=30,
                                  motion="motion_force_zero=true"),
    "single_frame_8bit_32x32": dict(kind="natural", width=32, height=32, bitdepth=8, frames=1, seed=31),
    "two_frames_12bit_24x20": dict(kind="natural", width=24, height=20, bitdepth=12, frames=2, seed=32),
}


def _blur(plane: np.ndarray, radius: int) -> np.ndarray:
    """Separable box blur with edge clamping (only to make smooth test texture)."""
    out = plane
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        csum = np.cumsum(padded, axis=axis, dtype=np.float64)
        csum = np.concatenate([np.zeros_like(np.take(csum, [0], axis=axis)), csum], axis=axis)
        size = 2 * radius + 1
        out = (np.take(csum, np.arange(size, size + out.shape[axis]), axis=axis)
               - np.take(csum, np.arange(0, out.shape[axis]), axis=axis)) / size
    return out


def _texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth multi-scale texture in [0, 1] with a gradient and a few edges."""
    acc = np.zeros((height, width))
    for radius, weight in ((0, 0.15), (1, 0.3), (3, 0.35), (6, 0.4)):
        acc += weight * _blur(rng.standard_normal((height, width)), radius) * (2 * radius + 1) ** 0.5
    yy, xx = np.mgrid[0:height, 0:width]
    acc += 0.8 * (xx / width) - 0.5 * (yy / height)
    acc[: height // 3, width // 2:] += 1.0  # an edge
    acc -= acc.min()
    return acc / max(acc.max(), 1e-9)


def make_clip(kind: str, width: int, height: int, bitdepth: int, frames: int, seed: int, **_: object):
    """Deterministic ``(ref, dis)`` clips ``(frames, height, width)``, uint8 or uint16."""
    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    big = _texture(rng, height + 2 * frames + 8, width + 3 * frames + 8)
    refs, diss = [], []
    for f in range(frames):
        if kind == "static":
            window = big[4: 4 + height, 4: 4 + width]
        else:
            window = big[4 + 2 * f: 4 + 2 * f + height, 4 + 3 * f: 4 + 3 * f + width]
        if kind == "flat":
            ref = np.full((height, width), 0.3 + 0.1 * f)
            dis = np.full((height, width), 0.32 + 0.1 * f)
        elif kind == "dark":
            ref = 0.012 * window + 0.004 * rng.random((height, width))
            dis = ref + 0.004 * rng.standard_normal((height, width))
        elif kind == "extreme":
            cells = rng.integers(0, 2, size=(height // 4 + 1, width // 4 + 1))
            ref = np.kron(cells, np.ones((4, 4)))[:height, :width]
            if f % 2:
                ref = 1.0 - ref
            noise = rng.integers(0, 2, size=(height, width)).astype(np.float64)
            dis = np.where(rng.random((height, width)) < 0.25, noise, ref)
        elif kind == "sharpened":
            ref = window
            dis = ref + 1.5 * (ref - _blur(ref, 1))
        else:  # natural, identical, static
            ref = window
            dis = 0.85 * _blur(ref, 1) + 0.15 * ref + 0.02 * rng.standard_normal((height, width))
        if kind == "identical":
            dis = ref
        refs.append(np.clip(np.rint(ref * peak), 0, peak).astype(dtype))
        diss.append(np.clip(np.rint(dis * peak), 0, peak).astype(dtype))
    return np.stack(refs), np.stack(diss)


def _write_yuv444(path: pathlib.Path, clip: np.ndarray, bitdepth: int) -> None:
    frames, height, width = clip.shape
    chroma_size = 2 * height * width
    dtype = np.dtype("<u2") if bitdepth > 8 else np.dtype(np.uint8)
    chroma = np.full(chroma_size, 1 << (bitdepth - 1), dtype=dtype).tobytes()
    with open(path, "wb") as stream:
        for plane in clip:
            stream.write(plane.astype(dtype).tobytes())
            stream.write(chroma)


def run_case(vmaf: str, name: str, case: dict, workdir: pathlib.Path) -> list[dict[str, float]]:
    ref, dis = make_clip(**case)
    ref_path, dis_path, out_path = workdir / f"{name}_ref.yuv", workdir / f"{name}_dis.yuv", workdir / f"{name}.json"
    _write_yuv444(ref_path, ref, case["bitdepth"])
    _write_yuv444(dis_path, dis, case["bitdepth"])
    vif = "vif=debug=true" + (":" + case["vif"] if case.get("vif") else "")
    motion = "motion=debug=true" + (":" + case["motion"] if case.get("motion") else "")
    command = [vmaf, "-r", str(ref_path), "-d", str(dis_path), "-w", str(case["width"]), "-h", str(case["height"]),
               "-p", "444", "-b", str(case["bitdepth"]), "-n", "--feature", vif, "--feature", motion,
               "--json", "-o", str(out_path), "-q"]
    subprocess.run(command, check=True, capture_output=True)
    frames = json.loads(out_path.read_text())["frames"]
    return [frame["metrics"] for frame in frames]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vmaf", required=True, help="libvmaf command-line tool (full-precision output)")
    args = parser.parse_args()
    vif_out: dict[str, object] = {"libvmaf_commit": LIBVMAF_COMMIT, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in CASES.items():
            frames = run_case(args.vmaf, name, case, pathlib.Path(tmp))
            vif_frames = [{k: v for k, v in m.items() if k.startswith(("integer_vif", "VMAF_integer_feature_vif"))}
                          for m in frames]
            vif_out["cases"][name] = {"case": case, "frames": vif_frames}
    VIF_JSON.write_text(json.dumps(vif_out, indent=1) + "\n")


if __name__ == "__main__":
    main()
