"""Regenerate or re-check the golden files under ``golden/`` with a real libvmaf.

Every case is a recipe in :data:`CASES`: how its clips are made (seeded numpy for the
synthetic ones, Netflix/vmaf_resource blobs for the real ones, ffmpeg command lines for the
codec ones), their geometry, and which libvmaf runs are asked of them. Running the script

    python tools/make_golden.py --libvmaf path/to/libvmaf.so                 # regenerate all
    python tools/make_golden.py --libvmaf path/to/libvmaf.so --case ID ...   # some cases
    python tools/make_golden.py --libvmaf path/to/libvmaf.so --check         # re-check

writes ``golden/<case>/{ref,dis}.<yuv|y4m>.xz`` (clips, lzma/xz), ``golden/<case>/expected.json``
(every key of every frame, model scores, pooled values, at full double precision) and
``golden/manifest.json``. ``--check`` recomputes every case from the stored clips and exits
non-zero on any difference from the stored values or metadata. Clips are rebuilt from their
recipe only with ``--rebuild-clips`` (this needs ``--vmaf-resource`` for the real clips and
ffmpeg for the codec ones); otherwise the stored clips are used, after their sha256 is
checked. See docs/golden.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import lzma
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from libvmaf_ctypes import (  # noqa: E402  (the tools folder is not a package)
    EXPECTED_VERSION,
    LibVmaf,
    LibVmafError,
    FeatureRequest,
    ModelRequest,
    chroma_shape,
)

__all__ = ["CASES", "RUNS", "TOLERANCES", "Case", "read_frames", "main"]

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
MANIFEST_FORMAT = 1
LIBVMAF_COMMIT = "f85a853692a8c730d0270cd733c8bb30b5b93b7c"
VMAF_RESOURCE_REPOSITORY = "Netflix/vmaf_resource"
VMAF_RESOURCE_COMMIT = "e3ab3775a8ce9ff76dde8988c63cf59b0b12f019"
VMAF_RESOURCE_LICENSE = "BSD-2-Clause-Patent"
VMAF_RESOURCE_YUV = "python/test/resource/yuv"

#: The stored values come from libvmaf's plain C code (cpumask 255 disables every SIMD set,
#: ``src/x86/cpu.h``): its SIMD paths are meant to reproduce the C code bit for bit, but the
#: integer ADM's do not for some frame widths (docs/golden.md), so the C code is the reference.
REFERENCE_CPUMASK = 255
#: Also run with these masks (0: every SIMD set libvmaf finds; 16: AVX2, no AVX-512) and
#: record in the manifest which keys libvmaf's SIMD paths get differently from its C code.
SIMD_CPUMASKS = (0, 16)

_INTEGER_DEBUG = {"adm": {"debug": "true"}, "vif": {"debug": "true"}, "motion": {"debug": "true"}}
_FLOAT_DEBUG = {"float_adm": {"debug": "true"}, "float_vif": {"debug": "true"}, "float_motion": {"debug": "true"}}

#: The ADM options every vmaf_v1.0.16 model passes (model/vmaf_v1.0.16*/*.json).
_ADM_V1 = {"adm_csf_mode": "2", "adm_dlm_weight": "0.7", "adm_enhn_gain_limit": "1", "adm_noise_weight": "0.02",
           "adm_min_val": "0.5", "debug": "true"}


#: The speed_chroma options every vmaf_v1.0.16 model passes.
_SPEED_V1 = {"speed_nn_floor": "0.1", "speed_sigma_nn": "0.19", "speed_weight_var_mode": "5", "speed_max_val": "45"}


def _model_run(version: str, flags: Sequence[str] = (), debug: bool = True) -> dict:
    """A run of one built-in model (or model collection) with every debug key of its extractors;
    a float model's keys and score take the float tolerance, an integer model's the fixed-point
    and vmaf ones. ``flags`` are model flags (``enable_transform``, ``disable_clip``)."""
    floating = version.startswith("vmaf_float")
    model = {"version": version, "overloads": (_FLOAT_DEBUG if floating else _INTEGER_DEBUG) if debug else {}}
    if flags:
        model["flags"] = list(flags)
    return {"models": [model], "feature_family": "float" if floating else "fixed_point",
            "model_family": "float" if floating else "vmaf"}


#: One libvmaf context each. ``feature_family`` / ``model_family`` name the tolerance of the
#: feature keys and of the model score in :data:`TOLERANCES`.
RUNS: dict[str, dict] = {
    "integer": _model_run("vmaf_v0.6.1"),
    "float": _model_run("vmaf_float_v0.6.1"),
    "neg": _model_run("vmaf_v0.6.1neg"),
    "float_neg": _model_run("vmaf_float_v0.6.1neg"),
    "4k": _model_run("vmaf_4k_v0.6.1"),
    "4k_neg": _model_run("vmaf_4k_v0.6.1neg"),
    "float_4k": _model_run("vmaf_float_4k_v0.6.1"),
    # Bootstrap model collections (specs/bootstrap_models.md): model "0" under "vmaf", the 20
    # members under vmaf_0001..vmaf_0020, then vmaf_bagging, vmaf_stddev, vmaf_ci_p95_lo/hi.
    "bootstrap": _model_run("vmaf_b_v0.6.3"),
    # The collection's score transform switched on: the statistics' transform/clip order and
    # the stddev's slope rescaling are exercised.
    "bootstrap_transform": _model_run("vmaf_b_v0.6.3", flags=("enable_transform",), debug=False),
    "float_bootstrap": _model_run("vmaf_float_b_v0.6.3"),
    # For frames below the integer ADM's minimum size (see MIN_WIDTH): no model, so no ADM.
    "vif_motion": {
        "models": [],
        "features": [{"name": "vif", "options": {"debug": "true"}}, {"name": "motion", "options": {"debug": "true"}}],
        "feature_family": "fixed_point",
        "model_family": None,
    },
    # The float features with their debug sums, no model (specs/float_adm.md, float_vif.md,
    # float_motion.md), and with both enhancement gain limits at 1.
    "float_features": {"models": [], "features": [{"name": "float_adm", "options": {"debug": "true"}},
                                                  {"name": "float_vif", "options": {"debug": "true"}},
                                                  {"name": "float_motion"}],
                       "feature_family": "float", "model_family": None},
    "float_features_egl1": {"models": [], "features": [{"name": "float_adm", "options": {"adm_enhn_gain_limit": "1.0"}},
                                                       {"name": "float_vif", "options": {"vif_enhn_gain_limit": "1.0"}}],
                            "feature_family": "float", "model_family": None},
    # The other extractors, without a model.
    "psnr": {"models": [], "features": [{"name": "psnr", "options": {"enable_mse": "true"}}],
             "feature_family": "fixed_point", "model_family": None},
    # AOM CTC's psnr options (cli_parse.c:29): 8-bit-aligned peak, capped by min_sse.
    "psnr_ctc": {"models": [], "features": [{"name": "psnr", "options": {"enable_mse": "true",
                                                                          "reduced_hbd_peak": "true",
                                                                          "min_sse": "0.5"}}],
                 "feature_family": "fixed_point", "model_family": None},
    "float_simple": {"models": [], "features": [{"name": "float_psnr"}, {"name": "float_moment"},
                                                {"name": "float_ansnr"}],
                     "feature_family": "float_strict", "model_family": None},
    "float_ssim": {"models": [], "features": [{"name": "float_ssim", "options": {"enable_lcs": "true"}}],
                   "feature_family": "float_strict", "model_family": None},
    # Decimation by 2 (the default picks 1 below 384 lines) and the dB conversion with its cap.
    "float_ssim_db": {"models": [], "features": [{"name": "float_ssim", "options": {"scale": "2", "enable_db": "true",
                                                                                     "clip_db": "true"}}],
                      "feature_family": "float_strict", "model_family": None},
    # MS-SSIM needs frames of at least 176x176 (libvmaf refuses smaller ones).
    "float_ms_ssim": {"models": [], "features": [{"name": "float_ms_ssim", "options": {"enable_lcs": "true",
                                                                                       "enable_db": "true",
                                                                                       "clip_db": "true"}}],
                      "feature_family": "float_strict", "model_family": None},
    # CIEDE2000 from all three planes (4:2:0 with odd height is refused: libvmaf reads past its planes).
    "ciede": {"models": [], "features": [{"name": "ciede"}], "feature_family": "float_strict", "model_family": None},
    # PSNR-HVS-M of the three planes (bit depths up to 12).
    "psnr_hvs": {"models": [], "features": [{"name": "psnr_hvs"}], "feature_family": "float_strict",
                 "model_family": None},
    # CAMBI (specs/cambi.md): the default options, the full-reference mode (also with a source
    # size other than the input's), the options VMAF v1.0.16 passes, and the other options.
    "cambi": {"models": [], "features": [{"name": "cambi"}], "feature_family": "float_strict", "model_family": None},
    "cambi_full_ref": {"models": [], "features": [{"name": "cambi", "options": {"full_ref": "true",
                                                                                "window_size": "45",
                                                                                "cambi_topk": "0.3"}}],
                       "feature_family": "float_strict", "model_family": None},
    "cambi_source_size": {"models": [], "features": [{"name": "cambi", "options": {"full_ref": "true",
                                                                                   "src_width": "400",
                                                                                   "src_height": "225"}}],
                          "feature_family": "float_strict", "model_family": None},
    "cambi_v1": {"models": [], "features": [{"name": "cambi", "options": {"cambi_high_res_speedup": "1080",
                                                                          "cambi_vis_lum_threshold": "0.06",
                                                                          "cambi_max_val": "17"}}],
                 "feature_family": "float_strict", "model_family": None},
    "cambi_options": {"models": [], "features": [{"name": "cambi", "options": {
        "eotf": "pq", "max_log_contrast": "3", "tvi_threshold": "0.03", "enc_width": "320", "enc_height": "180",
        "enc_bitdepth": "8", "topk": "0.3"}}], "feature_family": "float_strict", "model_family": None},
    # The integer ADM as the four vmaf_v1.0.16 models configure it (specs/integer_adm.md §7):
    # blended Barten/Watson CSF (adm_csf_mode 2) at each of their viewing geometries.
    "adm_v1": {"models": [], "features": [
        {"name": "adm", "options": {**_ADM_V1, "adm_norm_view_dist": nvd, "adm_ref_display_height": rdh}}
        for nvd, rdh in (("3", "1080"), ("1.5", "2160"), ("3", "2160"), ("5", "1080"))],
        "feature_family": "fixed_point", "model_family": None},
    # The other CSF modes: Barten (1, scaled so that libvmaf's fixed-point factors hold it) and
    # the corrected blend (3).
    "adm_csf": {"models": [], "features": [
        {"name": "adm", "options": {"adm_csf_mode": "1", "adm_csf_scale": "0.01", "adm_csf_diag_scale": "0.005",
                                    "debug": "true"}},
        {"name": "adm", "options": {"adm_csf_mode": "3", "adm_norm_view_dist": "5", "debug": "true"}}],
        "feature_family": "fixed_point", "model_family": None},
    # VMAF v1 (specs/score.md §3): the eight vmaf_v1.0.16 models, cambi + speed_chroma_uv + adm3 + motion3.
    **{f"v1_{variant}": {"models": [{"version": f"vmaf_v1.0.16_{variant}", "overloads": {}}],
                         "feature_family": "float_strict", "model_family": "vmaf"}
       for variant in ("3d0h", "3d0h_2160", "5d0h", "1d5h_2160", "hfr_3d0h", "hfr_3d0h_2160", "hfr_5d0h",
                       "hfr_1d5h_2160")},
    # SpEED chroma (specs/speed.md): its defaults, the options of vmaf_v1.0.16 and those of its
    # 2160p models (bilinear prescaling by 0.5 and 0.6).
    "speed_chroma": {"models": [], "features": [{"name": "speed_chroma"}], "feature_family": "float_strict",
                     "model_family": None},
    "speed_chroma_v1": {"models": [], "features": [{"name": "speed_chroma", "options": _SPEED_V1}],
                        "feature_family": "float_strict", "model_family": None},
    "speed_chroma_prescale": {"models": [], "features": [
        {"name": "speed_chroma", "options": {**_SPEED_V1, "speed_prescale": scale, "speed_prescale_method": "bilinear"}}
        for scale in ("0.5", "0.6")], "feature_family": "float_strict", "model_family": None},
    # The integer motion as vmaf_v1.0.16 (motion_max_val 18) and its HFR models (five-frame
    # window, moving average) configure it.
    "motion_v1": {"models": [], "features": [{"name": "motion", "options": {"motion_max_val": "18",
                                                                            "debug": "true"}}],
                  "feature_family": "fixed_point", "model_family": None},
    "motion_hfr": {"models": [], "features": [{"name": "motion", "options": {
        "motion_max_val": "18", "motion_five_frame_window": "true", "motion_moving_average": "true",
        "debug": "true"}}], "feature_family": "fixed_point", "model_family": None},
}

#: The integer motion and VIF, one extractor per context, with the options the
#: ``vif_motion_*`` cases exercise.
_MOTION_OPTIONS = {
    "motion": {},
    "motion_five_frame": {"motion_five_frame_window": "true"},
    "motion_moving_average": {"motion_moving_average": "true"},
    "motion_five_frame_average": {"motion_five_frame_window": "true", "motion_moving_average": "true"},
    "motion_blend": {"motion_blend_factor": "0.5", "motion_blend_offset": "3"},
    "motion_fps_max": {"motion_fps_weight": "1.7", "motion_max_val": "20.5"},
    "motion_force_zero": {"motion_force_zero": "true"},
}
_VIF_OPTIONS = {
    "vif": {},
    "vif_egl_1": {"vif_enhn_gain_limit": "1.0"},
    "vif_egl_1_5": {"vif_enhn_gain_limit": "1.5"},
    "vif_skip_scale0": {"vif_skip_scale0": "true"},
}
#: The integer ADM's options, one at a time, on the ``adm_*`` cases.
_ADM_OPTIONS = {
    "adm": {},
    "adm_egl_1": {"adm_enhn_gain_limit": "1.0"},
    "adm_egl_1_3": {"adm_enhn_gain_limit": "1.3"},
    "adm_nvd_4": {"adm_norm_view_dist": "4.0"},
    "adm_rdh_2160": {"adm_ref_display_height": "2160"},
    "adm_noise_weight": {"adm_noise_weight": "0.5"},
    "adm_dlm_min": {"adm_dlm_weight": "0.8", "adm_min_val": "0.9"},
    "adm_skip_scale0": {"adm_skip_scale0": "true"},
    "adm_skip_aim": {"adm_skip_aim": "true"},
    "adm_csf_scales": {"adm_csf_scale": "2.0", "adm_csf_diag_scale": "0.5"},
}
for _name, _table in (("motion", _MOTION_OPTIONS), ("vif", _VIF_OPTIONS), ("adm", _ADM_OPTIONS)):
    for _run_id, _options in _table.items():
        RUNS[_run_id] = {"models": [], "features": [{"name": _name, "options": {"debug": "true", **_options}}],
                         "feature_family": "fixed_point", "model_family": None}

#: Tolerance per key family (one table for the goldens and ``vmafref conformance``).
from vmafref.tolerances import CPU_FAMILY_LIMIT, EXACT, TOLERANCES, compare_run, within  # noqa: E402


# --------------------------------------------------------------------------- clip formats

def sample_dtype(bitdepth: int) -> np.dtype:
    return np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")


def frame_planes_shapes(width: int, height: int, pixel_format: str) -> list[tuple[int, int]]:
    chroma = chroma_shape(width, height, pixel_format)
    return [(height, width)] + ([chroma, chroma] if chroma[0] else [])


def raw_frame_bytes(width: int, height: int, pixel_format: str, bitdepth: int) -> int:
    shapes = frame_planes_shapes(width, height, pixel_format)
    return sum(h * w for h, w in shapes) * sample_dtype(bitdepth).itemsize


def encode_raw(frames: Sequence[Sequence[np.ndarray]], bitdepth: int) -> bytes:
    dtype = sample_dtype(bitdepth)
    return b"".join(np.ascontiguousarray(plane, dtype=dtype).tobytes() for frame in frames for plane in frame)


_Y4M_COLORSPACE = {("420", 8): "420jpeg", ("422", 8): "422", ("444", 8): "444"}


def y4m_colorspace(pixel_format: str, bitdepth: int) -> str:
    if bitdepth == 8:
        return _Y4M_COLORSPACE[(pixel_format, 8)]
    return f"{pixel_format}p{bitdepth}"


def encode_y4m(frames: Sequence[Sequence[np.ndarray]], width: int, height: int, pixel_format: str,
               bitdepth: int) -> bytes:
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C{y4m_colorspace(pixel_format, bitdepth)}\n"
    dtype = sample_dtype(bitdepth)
    parts = [header.encode()]
    for frame in frames:
        parts.append(b"FRAME\n")
        parts.extend(np.ascontiguousarray(plane, dtype=dtype).tobytes() for plane in frame)
    return b"".join(parts)


def read_frames(data: bytes, container: str, width: int, height: int, pixel_format: str,
                bitdepth: int) -> list[list[np.ndarray]]:
    """Split a whole raw YUV or Y4M clip into per-frame planes (luma first)."""
    dtype = sample_dtype(bitdepth)
    shapes = frame_planes_shapes(width, height, pixel_format)
    plane_bytes = [h * w * dtype.itemsize for h, w in shapes]
    frame_size = sum(plane_bytes)
    frames: list[list[np.ndarray]] = []
    offset = 0
    if container == "y4m":
        end = data.index(b"\n")
        header = data[:end].decode("ascii").split()
        if header[0] != "YUV4MPEG2":
            raise ValueError("not a YUV4MPEG2 stream")
        tags = {token[0]: token[1:] for token in header[1:]}
        if (int(tags["W"]), int(tags["H"])) != (width, height):
            raise ValueError(f"Y4M header says {tags['W']}x{tags['H']}, manifest says {width}x{height}")
        colorspace = tags.get("C", "420jpeg")
        depth = int(colorspace[4:]) if colorspace[3:4] == "p" and colorspace[4:].isdigit() else 8
        if (colorspace[:3], depth) != (pixel_format, bitdepth):
            raise ValueError(f"Y4M colour space {tags.get('C')!r} does not match {pixel_format}/{bitdepth}")
        offset = end + 1
    while offset < len(data):
        if container == "y4m":
            if not data.startswith(b"FRAME", offset):
                raise ValueError(f"expected FRAME at byte {offset}")
            offset = data.index(b"\n", offset) + 1
        if offset + frame_size > len(data):
            raise ValueError(f"clip ends inside frame {len(frames)}")
        planes = []
        for (h, w), size in zip(shapes, plane_bytes):
            planes.append(np.frombuffer(data, dtype=dtype, count=h * w, offset=offset).reshape(h, w))
            offset += size
        frames.append(planes)
    return frames


# ------------------------------------------------------------------------ synthetic clips

def _binomial_blur(image: np.ndarray, passes: int) -> np.ndarray:
    """Separable [1 2 1]/4 blur, ``passes`` times, edges replicated."""
    out = image.astype(np.float64)
    for _ in range(passes):
        for axis in (0, 1):
            padded = np.pad(out, [(1, 1) if a == axis else (0, 0) for a in range(2)], mode="edge")
            lo = np.take(padded, range(0, out.shape[axis]), axis=axis)
            mid = np.take(padded, range(1, out.shape[axis] + 1), axis=axis)
            hi = np.take(padded, range(2, out.shape[axis] + 2), axis=axis)
            out = (lo + 2 * mid + hi) / 4
    return out


def _scene(rng: np.random.Generator, height: int, width: int, margin: int) -> np.ndarray:
    """A smooth textured field with a few sharp-edged shapes, in 8-bit units (float)."""
    field = _binomial_blur(rng.normal(size=(height + 2 * margin, width + 2 * margin)), 6)
    field = (field - field.mean()) / (field.std() + 1e-12)
    fine = _binomial_blur(rng.normal(size=field.shape), 1)
    scene = 128 + 45 * field + 5 * fine / (fine.std() + 1e-12)
    for _ in range(4):
        top, left = rng.integers(0, field.shape[0] - 4), rng.integers(0, field.shape[1] - 4)
        tall, wide = rng.integers(3, max(4, field.shape[0] // 3)), rng.integers(3, max(4, field.shape[1] // 3))
        scene[top:top + tall, left:left + wide] += rng.uniform(-60, 60)
    return scene


def _to_samples(values: np.ndarray, bitdepth: int, low: float = 0.0, high: float = 255.0) -> np.ndarray:
    scale = float(1 << (bitdepth - 8))
    peak = (1 << bitdepth) - 1
    return np.clip(np.rint(np.clip(values, low, high) * scale), 0, peak).astype(sample_dtype(bitdepth))


def _chroma(rng: np.random.Generator, width: int, height: int, pixel_format: str, bitdepth: int) -> list[np.ndarray]:
    ch, cw = chroma_shape(width, height, pixel_format)
    if ch == 0:
        return []
    return [_to_samples(128 + 20 * _binomial_blur(rng.normal(size=(ch, cw)), 3), bitdepth) for _ in range(2)]


def synthetic_texture(*, seed: int, width: int, height: int, frames: int, pixel_format: str, bitdepth: int,
                      noise: float = 6.0, blur: int = 1, identical: bool = False, low: float = 0.0,
                      high: float = 255.0, gain: float = 1.0, offset: float = 128.0) -> tuple[list, list]:
    """A textured scene panning 1 px right per frame, and a blurred, noisy copy of it.

    Values are built in 8-bit units around 128, mapped to ``offset + gain*(v - 128)``,
    clipped to ``[low, high]`` and scaled by ``2**(bitdepth-8)``; ``noise`` is the standard
    deviation of the distortion's Gaussian noise in the same units. ``identical`` makes the
    distorted clip equal the reference.
    """
    rng = np.random.default_rng(seed)
    margin = 2 * frames + 2
    scene = _scene(rng, height, width, margin)
    reference, distorted = [], []
    for index in range(frames):
        view = scene[margin:margin + height, margin - index:margin - index + width]
        view = offset + gain * (view - 128)
        ref_luma = _to_samples(view, bitdepth, low, high)
        chroma = _chroma(rng, width, height, pixel_format, bitdepth)
        reference.append([ref_luma] + chroma)
        if identical:
            distorted.append([ref_luma.copy()] + [plane.copy() for plane in chroma])
            continue
        degraded = _binomial_blur(ref_luma.astype(np.float64) / (1 << (bitdepth - 8)), blur)
        degraded += rng.normal(0, noise, size=degraded.shape)
        distorted.append([_to_samples(degraded, bitdepth, low, high)] + _chroma(rng, width, height, pixel_format,
                                                                               bitdepth))
    return reference, distorted


def synthetic_flat(*, width: int, height: int, pixel_format: str, bitdepth: int, reference_levels: Sequence[int],
                   distorted_levels: Sequence[int]) -> tuple[list, list]:
    """Constant frames (levels in the clip's own sample units); chroma mid-grey."""
    mid = 1 << (bitdepth - 1)
    ch, cw = chroma_shape(width, height, pixel_format)
    dtype = sample_dtype(bitdepth)

    def frame(level: int) -> list[np.ndarray]:
        chroma = [np.full((ch, cw), mid, dtype) for _ in range(2)] if ch else []
        return [np.full((height, width), level, dtype)] + chroma

    return [frame(v) for v in reference_levels], [frame(v) for v in distorted_levels]


def synthetic_banding(*, seed: int, width: int, height: int, frames: int, pixel_format: str, bitdepth: int,
                      low: float, high: float, step: int) -> tuple[list, list]:
    """Dark ramps (levels ``low`` .. ``high`` in 8-bit units, drifting by half a level per
    frame): the reference dithered (Gaussian noise of 0.6 levels before rounding), the
    distorted rounded to multiples of ``step`` samples without dither, so it shows contour
    bands; chroma mid-grey."""
    rng = np.random.default_rng(seed)
    scale = 1 << (bitdepth - 8)
    top = (1 << bitdepth) - 1
    ch, cw = chroma_shape(width, height, pixel_format)
    dtype = sample_dtype(bitdepth)
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    references, distorteds = [], []
    for t in range(frames):
        ramp = (low + (high - low) * (0.75 * x + 0.25 * y) + 0.5 * t) * scale
        noisy = ramp + rng.normal(0.0, 0.6 * scale, size=ramp.shape)
        chroma = [np.full((ch, cw), 1 << (bitdepth - 1), dtype) for _ in range(2)] if ch else []
        references.append([np.clip(np.round(noisy), 0, top).astype(dtype)] + chroma)
        banded = np.round(ramp / step) * step
        distorteds.append([np.clip(banded, 0, top).astype(dtype)] + [c.copy() for c in chroma])
    return references, distorteds


def _box_blur(plane: np.ndarray, radius: int) -> np.ndarray:
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


def _multiscale_texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth multi-scale texture in [0, 1] with a gradient and a few edges."""
    acc = np.zeros((height, width))
    for radius, weight in ((0, 0.15), (1, 0.3), (3, 0.35), (6, 0.4)):
        acc += weight * _box_blur(rng.standard_normal((height, width)), radius) * (2 * radius + 1) ** 0.5
    yy, xx = np.mgrid[0:height, 0:width]
    acc += 0.8 * (xx / width) - 0.5 * (yy / height)
    acc[: height // 3, width // 2:] += 1.0  # an edge
    acc -= acc.min()
    return acc / max(acc.max(), 1e-9)


def feature_luma_pair(kind: str, width: int, height: int, bitdepth: int, frames: int, seed: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Luma clips ``(frames, height, width)`` for the integer VIF and motion cases: a smooth
    multi-scale texture moving 3 px right and 2 px down per frame (``static``: not moving);
    the distorted frame is a blur plus noise (``natural``, ``static``), the reference itself
    (``identical``), a sharpened copy (``sharpened``), flat levels (``flat``), near-black
    texture with noise (``dark``) or random full-scale blocks flipping every frame (``extreme``)."""
    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    big = _multiscale_texture(rng, height + 2 * frames + 8, width + 3 * frames + 8)
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
            dis = ref + 1.5 * (ref - _box_blur(ref, 1))
        else:  # natural, identical, static
            ref = window
            dis = 0.85 * _box_blur(ref, 1) + 0.15 * ref + 0.02 * rng.standard_normal((height, width))
        if kind == "identical":
            dis = ref
        refs.append(np.clip(np.rint(ref * peak), 0, peak).astype(dtype))
        diss.append(np.clip(np.rint(dis * peak), 0, peak).astype(dtype))
    return np.stack(refs), np.stack(diss)


def synthetic_feature_clip(*, kind: str, width: int, height: int, frames: int, seed: int, pixel_format: str,
                           bitdepth: int) -> tuple[list, list]:
    """:func:`feature_luma_pair` as 4:4:4 clips with mid-grey chroma."""
    reference, distorted = feature_luma_pair(kind, width, height, bitdepth, frames, seed)
    ch, cw = chroma_shape(width, height, pixel_format)
    grey = [np.full((ch, cw), 1 << (bitdepth - 1), sample_dtype(bitdepth)) for _ in range(2)] if ch else []
    return ([[luma] + [plane.copy() for plane in grey] for luma in reference],
            [[luma] + [plane.copy() for plane in grey] for luma in distorted])


def _box5(x: np.ndarray) -> np.ndarray:
    """Integer 5x5 box mean with edge padding (floor division)."""
    p = np.pad(x, 2, mode="edge")
    h, w = x.shape
    total = sum(p[i:i + h, j:j + w] for i in range(5) for j in range(5))
    return total // 25


def adm_luma_pair(kind: str, width: int, height: int, bitdepth: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One reference / distorted luma frame (uint8 for 8-bit, uint16 above) for the integer ADM
    cases, seeded, integer arithmetic only (every platform makes the same pixels): blocky
    smooth content with fine noise, and noise, a 2x2 blur, a sharpened copy, the reference
    itself, or (``flat``, ``black``, ``random``) frames of their own."""
    rng = np.random.default_rng(seed)
    maxv = (1 << bitdepth) - 1
    coarse = rng.integers(0, maxv + 1, size=(height // 8 + 2, width // 8 + 2), dtype=np.int64)
    ref = _box5(np.repeat(np.repeat(coarse, 8, axis=0), 8, axis=1)[:height, :width])
    ref = ref + rng.integers(-(maxv // 40), maxv // 40 + 1, size=ref.shape)
    if kind == "noise":
        dis = ref + rng.integers(-(maxv // 16), maxv // 16 + 1, size=ref.shape)
    elif kind == "blur":
        dis = (ref + np.roll(ref, 1, 0) + np.roll(ref, 1, 1) + np.roll(ref, (1, 1), (0, 1))) // 4
    elif kind == "sharpen":
        blur = (ref + np.roll(ref, 1, 0) + np.roll(ref, -1, 0) + np.roll(ref, 1, 1) + np.roll(ref, -1, 1)) // 5
        dis = ref + (3 * (ref - blur)) // 2
    elif kind == "identical":
        dis = ref.copy()
    elif kind == "flat":
        ref = np.full((height, width), maxv // 2 + 3, dtype=np.int64)
        dis = ref + rng.integers(-2, 3, size=ref.shape)
    elif kind == "black":
        low = 3 << (bitdepth - 8)
        ref = rng.integers(0, low, size=(height, width))
        dis = rng.integers(0, low, size=(height, width))
    elif kind == "random":
        ref = rng.integers(0, maxv + 1, size=(height, width))
        dis = rng.integers(0, maxv + 1, size=(height, width))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    return np.clip(ref, 0, maxv).astype(dtype), np.clip(dis, 0, maxv).astype(dtype)


def synthetic_adm_frame(*, kind: str, width: int, height: int, seed: int, pixel_format: str,
                        bitdepth: int) -> tuple[list, list]:
    """:func:`adm_luma_pair` as one 4:4:4 frame with mid-grey chroma."""
    reference, distorted = adm_luma_pair(kind, width, height, bitdepth, seed)
    ch, cw = chroma_shape(width, height, pixel_format)
    grey = [np.full((ch, cw), 1 << (bitdepth - 1), sample_dtype(bitdepth)) for _ in range(2)] if ch else []
    return [[reference] + [g.copy() for g in grey]], [[distorted] + [g.copy() for g in grey]]


# --------------------------------------------------------------------------- real clips

def vmaf_resource_blob(repository: Path, name: str) -> bytes:
    """A clip from a local clone of Netflix/vmaf_resource at the recorded commit."""
    spec = f"{VMAF_RESOURCE_COMMIT}:{VMAF_RESOURCE_YUV}/{name}"
    result = subprocess.run(["git", "-C", str(repository), "show", spec], capture_output=True)
    if result.returncode:
        raise RuntimeError(f"cannot read {spec} from {repository}: {result.stderr.decode().strip()}")
    return result.stdout


def vmaf_resource_blob_id(repository: Path, name: str) -> str:
    spec = f"{VMAF_RESOURCE_COMMIT}:{VMAF_RESOURCE_YUV}/{name}"
    return subprocess.run(["git", "-C", str(repository), "rev-parse", spec], capture_output=True, check=True,
                          text=True).stdout.strip()


def trim_raw(data: bytes, width: int, height: int, pixel_format: str, bitdepth: int, frames: int) -> bytes:
    size = raw_frame_bytes(width, height, pixel_format, bitdepth)
    if len(data) < size * frames:
        raise ValueError(f"clip has {len(data) // size} frames, {frames} asked")
    return data[:size * frames]


# -------------------------------------------------------------------------------- cases

@dataclasses.dataclass
class Case:
    """One golden case: geometry, container, how its clips are made, and which runs."""

    id: str
    description: str
    width: int
    height: int
    pixel_format: str
    bitdepth: int
    container: str
    source: dict
    runs: tuple[str, ...] = ("integer", "float")
    build: Callable[["BuildContext"], tuple[bytes, bytes]] | None = None
    note: str = ""
    #: Another case whose clips hold the same samples at another bit depth, so that libvmaf
    #: gives identical doubles for both.
    equivalent_to: str | None = None

    def files(self) -> dict[str, str]:
        return {role: f"{self.id}/{role[:3]}.{self.container}.xz" for role in ("reference", "distorted")}


@dataclasses.dataclass
class BuildContext:
    vmaf_resource: Path | None
    ffmpeg: str
    work: Path


def _synthetic(case_kwargs: dict, generator: Callable, container: str):
    def build(context: BuildContext, case: Case) -> tuple[bytes, bytes]:
        reference, distorted = generator(**case_kwargs)
        if container == "y4m":
            return (encode_y4m(reference, case.width, case.height, case.pixel_format, case.bitdepth),
                    encode_y4m(distorted, case.width, case.height, case.pixel_format, case.bitdepth))
        return encode_raw(reference, case.bitdepth), encode_raw(distorted, case.bitdepth)
    return build


def synthetic_case(id: str, description: str, generator: Callable, *, container: str = "yuv",
                   runs: tuple[str, ...] = ("integer", "float"), note: str = "", **kwargs) -> Case:
    params = dict(kwargs)
    case = Case(id=id, description=description, width=params["width"], height=params["height"],
                pixel_format=params["pixel_format"], bitdepth=params["bitdepth"], container=container,
                source={"kind": "synthetic", "generator": generator.__name__, "parameters": params,
                        "numpy": np.__version__, "license": "generated by tools/make_golden.py"},
                runs=runs, note=note)
    builder = _synthetic(params, generator, container)
    case.build = lambda context, case=case: builder(context, case)
    return case


def vmaf_resource_case(id: str, description: str, reference: str, distorted: str, *, width: int, height: int,
                       pixel_format: str, bitdepth: int, frames: int,
                       runs: tuple[str, ...] = ("integer", "float"), equivalent_to: str | None = None,
                       note: str = "") -> Case:
    case = Case(id=id, description=description, width=width, height=height, pixel_format=pixel_format,
                bitdepth=bitdepth, container="yuv", runs=runs,
                source={"kind": "vmaf_resource", "repository": VMAF_RESOURCE_REPOSITORY,
                        "commit": VMAF_RESOURCE_COMMIT, "license": VMAF_RESOURCE_LICENSE,
                        "reference": {"path": f"{VMAF_RESOURCE_YUV}/{reference}"},
                        "distorted": {"path": f"{VMAF_RESOURCE_YUV}/{distorted}"},
                        "frames_kept": frames}, equivalent_to=equivalent_to, note=note)

    def build(context: BuildContext) -> tuple[bytes, bytes]:
        if context.vmaf_resource is None:
            raise RuntimeError(f"case {id} needs --vmaf-resource (a clone of {VMAF_RESOURCE_REPOSITORY})")
        out = []
        for role, name in (("reference", reference), ("distorted", distorted)):
            case.source[role]["blob"] = vmaf_resource_blob_id(context.vmaf_resource, name)
            out.append(trim_raw(vmaf_resource_blob(context.vmaf_resource, name), width, height, pixel_format,
                                bitdepth, frames))
        return out[0], out[1]

    case.build = build
    return case


_FFMPEG_PIX_FMT = {("420", 8): "yuv420p", ("422", 8): "yuv422p", ("444", 8): "yuv444p"}


def ffmpeg_pix_fmt(pixel_format: str, bitdepth: int) -> str:
    if bitdepth == 8:
        return _FFMPEG_PIX_FMT[(pixel_format, 8)]
    return f"yuv{pixel_format}p{bitdepth}le"


def codec_case(id: str, description: str, *, source_clip: str, source_geometry: tuple[int, int, str, int],
               source_frames: int, filters: str, width: int, height: int, pixel_format: str, bitdepth: int,
               encoder: Sequence[str], extension: str, container: str = "yuv",
               runs: tuple[str, ...] = ("integer", "float")) -> Case:
    """A real clip from vmaf_resource, filtered (crop/format) into the reference, encoded with
    one of ffmpeg's encoders and decoded back into the distorted clip."""
    src_w, src_h, src_fmt, src_depth = source_geometry
    out_fmt = ffmpeg_pix_fmt(pixel_format, bitdepth)
    muxer = ["-f", "yuv4mpegpipe", "-strict", "-1"] if container == "y4m" else ["-f", "rawvideo"]
    source_input = ["-f", "rawvideo", "-pix_fmt", ffmpeg_pix_fmt(src_fmt, src_depth), "-s", f"{src_w}x{src_h}",
                    "-i", "{source}"]
    common = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    commands = [
        ["ffmpeg", *common, *source_input, "-frames:v", str(source_frames), "-vf", filters, "-pix_fmt", out_fmt,
         *muxer, "{reference}"],
        ["ffmpeg", *common, *source_input, "-frames:v", str(source_frames), "-vf", filters, "-pix_fmt", out_fmt,
         *encoder, "-fflags", "+bitexact", "-flags:v", "+bitexact", "{encoded}." + extension],
        ["ffmpeg", *common, "-flags:v", "+bitexact", "-i", "{encoded}." + extension, "-pix_fmt", out_fmt, *muxer,
         "{distorted}"],
    ]
    case = Case(id=id, description=description, width=width, height=height, pixel_format=pixel_format,
                bitdepth=bitdepth, container=container, runs=runs,
                source={"kind": "codec", "repository": VMAF_RESOURCE_REPOSITORY, "commit": VMAF_RESOURCE_COMMIT,
                        "license": VMAF_RESOURCE_LICENSE, "source": {"path": f"{VMAF_RESOURCE_YUV}/{source_clip}"},
                        "commands": [shlex.join(command) for command in commands]})

    def build(context: BuildContext) -> tuple[bytes, bytes]:
        if context.vmaf_resource is None:
            raise RuntimeError(f"case {id} needs --vmaf-resource (a clone of {VMAF_RESOURCE_REPOSITORY})")
        case.source["source"]["blob"] = vmaf_resource_blob_id(context.vmaf_resource, source_clip)
        work = context.work / id
        work.mkdir(parents=True, exist_ok=True)
        source_path = work / "source.yuv"
        source_path.write_bytes(vmaf_resource_blob(context.vmaf_resource, source_clip))
        paths = {"source": str(source_path), "reference": str(work / f"ref.{container}"),
                 "encoded": str(work / "encoded"), "distorted": str(work / f"dis.{container}")}
        for command in commands:
            argv = [context.ffmpeg if part == "ffmpeg" else part.format(**paths) for part in command]
            result = subprocess.run(argv, capture_output=True, text=True)
            if result.returncode:
                raise RuntimeError(f"{shlex.join(argv)} failed: {result.stderr.strip()}")
        case.source["ffmpeg"] = ffmpeg_version(context.ffmpeg)
        return Path(paths["reference"]).read_bytes(), Path(paths["distorted"]).read_bytes()

    case.build = build
    return case


def ffmpeg_version(ffmpeg: str) -> str:
    result = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True)
    return result.stdout.splitlines()[0] if result.returncode == 0 else "unknown"


Q160 = "ref_test_0_1_src01_hrc00_576x324_576x324_vs_src01_hrc01_576x324_576x324_q_160x90.yuv"
Q160_DIS = "dis_test_0_1_src01_hrc00_576x324_576x324_vs_src01_hrc01_576x324_576x324_q_160x90.yuv"
SPARKS_REF = "sparks_ref_480x270.yuv42010le.yuv"
SPARKS_DIS = "sparks_dis_480x270.yuv42010le.yuv"

#: The smallest frame libvmaf's six extractors process without reading outside their buffers:
#: the integer ADM needs 33x33 (found with valgrind on the plain-C path; see docs/golden.md).
MIN_WIDTH, MIN_HEIGHT = 33, 33

CASES: list[Case] = [
    synthetic_case("identical_176x144_420_8bit", "distorted equals reference: VIF and ADM are exactly 1",
                   synthetic_texture, seed=11, width=176, height=144, frames=4, pixel_format="420", bitdepth=8,
                   identical=True),
    synthetic_case("flat_64x48_420_8bit", "constant frames, levels changing over time (VIF's low-variance "
                   "branch, ADM's zero-denominator rule, motion of flat frames)",
                   synthetic_flat, width=64, height=48, pixel_format="420", bitdepth=8,
                   reference_levels=[128, 128, 140, 16], distorted_levels=[120, 128, 141, 235]),
    synthetic_case("near_black_96x64_420_8bit", "textured content squeezed into levels 0..6",
                   synthetic_texture, seed=12, width=96, height=64, frames=4, pixel_format="420", bitdepth=8,
                   gain=0.04, offset=3, noise=0.7, low=0.0, high=6.0),
    synthetic_case(f"min_size_{MIN_WIDTH}x{MIN_HEIGHT}_444_8bit", "the smallest frame libvmaf processes without "
                   "reading outside its buffers", synthetic_texture, seed=13, width=MIN_WIDTH, height=MIN_HEIGHT,
                   frames=3, pixel_format="444", bitdepth=8),
    synthetic_case("odd_33x27_444_8bit", "odd size below the integer ADM's minimum: float path, and integer "
                   "VIF and motion without a model", synthetic_texture, seed=14, width=33, height=27, frames=3,
                   pixel_format="444", bitdepth=8, runs=("vif_motion", "float")),
    synthetic_case("odd_161x91_420_8bit", "odd width and height, 4:2:0 with rounded-up chroma",
                   synthetic_texture, seed=15, width=161, height=91, frames=3, pixel_format="420", bitdepth=8),
    synthetic_case("texture_96x72_420_10bit", "10-bit synthetic", synthetic_texture, seed=16, width=96, height=72,
                   frames=3, pixel_format="420", bitdepth=10),
    synthetic_case("texture_96x72_420_12bit", "12-bit synthetic", synthetic_texture, seed=17, width=96, height=72,
                   frames=3, pixel_format="420", bitdepth=12),
    synthetic_case("texture_96x72_420_16bit", "16-bit synthetic", synthetic_texture, seed=18, width=96, height=72,
                   frames=3, pixel_format="420", bitdepth=16),
    synthetic_case("texture_80x64_422_8bit", "4:2:2 (chroma ignored by the features, parsed by the reader)",
                   synthetic_texture, seed=19, width=80, height=64, frames=3, pixel_format="422", bitdepth=8),
    synthetic_case("texture_80x64_444_8bit", "4:4:4", synthetic_texture, seed=20, width=80, height=64, frames=3,
                   pixel_format="444", bitdepth=8),
    synthetic_case("y4m_texture_90x60_422_10bit", "Y4M container, 4:2:2 10-bit", synthetic_texture, seed=21,
                   width=90, height=60, frames=3, pixel_format="422", bitdepth=10, container="y4m"),
    vmaf_resource_case("src01_q160x90_420_8bit", "Netflix src01 hrc00 vs hrc01 downscaled to 160x90, 48 frames",
                       Q160, Q160_DIS, width=160, height=90, pixel_format="420", bitdepth=8, frames=48,
                       runs=("integer", "float", "neg", "4k", "4k_neg")),
    vmaf_resource_case("sparks_480x270_420_10bit", "Netflix sparks pair, 10-bit, 5 frames", SPARKS_REF, SPARKS_DIS,
                       width=480, height=270, pixel_format="420", bitdepth=10, frames=5),
    *[vmaf_resource_case(f"src01_576x324_420_{depth}bit", f"Netflix src01 hrc00 vs hrc01 at {depth} bits, 3 frames",
                         f"src01_hrc00_576x324.yuv420p{depth}le.yuv", f"src01_hrc01_576x324.yuv420p{depth}le.yuv",
                         width=576, height=324, pixel_format="420", bitdepth=depth, frames=3,
                         equivalent_to=None if depth == 10 else "src01_576x324_420_10bit",
                         note="" if depth == 10 else f"the 10-bit samples shifted left by {depth - 10} bits: every "
                                                     "value equals the 10-bit case's, bit for bit")
      for depth in (10, 12, 16)],
    synthetic_case("texture_192x176_444_12bit", "just large enough for MS-SSIM's five scales (12x11 at the fifth), "
                   "4:4:4 12-bit", synthetic_texture, seed=22, width=192,
                   height=176, frames=2, pixel_format="444", bitdepth=12, runs=()),
    codec_case("x264_160x90_420_8bit_y4m", "src01 160x90 through libx264 (CRF 38), Y4M container",
               source_clip=Q160, source_geometry=(160, 90, "420", 8), source_frames=12, filters="null",
               width=160, height=90, pixel_format="420", bitdepth=8, container="y4m", extension="mkv",
               encoder=["-c:v", "libx264", "-preset", "medium", "-crf", "38", "-threads", "1", "-g", "12"],
               runs=("integer", "float", "neg")),
    codec_case("x265_240x136_420_10bit", "sparks crop through libx265 (10-bit, CRF 34)",
               source_clip=SPARKS_REF, source_geometry=(480, 270, "420", 10), source_frames=5,
               filters="crop=240:136:120:64", width=240, height=136, pixel_format="420", bitdepth=10,
               extension="mkv",
               encoder=["-c:v", "libx265", "-preset", "medium", "-crf", "34",
                        "-x265-params", "pools=none:frame-threads=1:log-level=error"]),
    codec_case("vp9_157x89_444_8bit", "src01 160x90 cropped to an odd size, 4:4:4, through libvpx-vp9 (profile 1)",
               source_clip=Q160, source_geometry=(160, 90, "420", 8), source_frames=10,
               filters="format=yuv444p,crop=157:89:1:0", width=157, height=89, pixel_format="444", bitdepth=8, extension="webm",
               encoder=["-c:v", "libvpx-vp9", "-crf", "50", "-b:v", "0", "-deadline", "good", "-cpu-used", "4",
                        "-threads", "1", "-row-mt", "0"]),
    codec_case("av1_160x90_420_8bit", "src01 160x90 through libaom-av1 (CRF 50)",
               source_clip=Q160, source_geometry=(160, 90, "420", 8), source_frames=10, filters="null",
               width=160, height=90, pixel_format="420", bitdepth=8, extension="mkv",
               encoder=["-c:v", "libaom-av1", "-crf", "50", "-b:v", "0", "-cpu-used", "6", "-threads", "1",
                        "-row-mt", "0"]),
    # CAMBI needs a side of at least 216 (specs/cambi.md §1): banding cases and real 8-bit content.
    *[synthetic_case(f"banding_256x144_420_{depth}bit", f"dark ramps, dithered reference and banded distorted, "
                     f"{depth}-bit (CAMBI)", synthetic_banding, seed=30 + depth, width=256, height=144, frames=2,
                     pixel_format="420", bitdepth=depth, low=16.0, high=40.0, step=1 << (depth - 8), runs=())
      for depth in (8, 10)],
    codec_case("x264_blue_sky_640x360_420_8bit", "Netflix blue_sky (a sky gradient) through libx264 (CRF 30): "
               "8-bit banding (CAMBI)", source_clip="blue_sky_360p_60f.yuv", source_geometry=(640, 360, "420", 8),
               source_frames=3, filters="null", width=640, height=360, pixel_format="420", bitdepth=8,
               extension="mkv", encoder=["-c:v", "libx264", "-preset", "medium", "-crf", "30", "-threads", "1",
                                         "-g", "3"], runs=()),
    vmaf_resource_case("dark_scene_1920x1080_420_8bit", "Netflix dark_scene pair, 1080p 8-bit, one frame (CAMBI "
                       "at 1080p, its high-resolution speed-up)", "dark_scene_case/dark_scene_1920x1080_420p_ref.yuv",
                       "dark_scene_case/dark_scene_1920x1080_420p_dis.yuv", width=1920, height=1080,
                       pixel_format="420", bitdepth=8, frames=1, runs=()),
]


#: The integer VIF and motion sweep (specs/integer_vif.md §8, specs/integer_motion.md §7): bit
#: depths 8-16, odd and minimum sizes, identical, flat, near-black, full-scale and static
#: content, and the extractors' options; 4:4:4 with mid-grey chroma (libvmaf's raw reader fails
#: on odd-size 4:2:0). name -> clip parameters, motion run, VIF run (default ``motion``, ``vif``).
VIF_MOTION_CASES: tuple[tuple[str, str, int, int, int, int, int, str, str], ...] = (
    # name, kind, width, height, bit depth, frames, seed, motion run, VIF run
    ('natural_8bit_64x48', 'natural', 64, 48, 8, 5, 1, 'motion', 'vif'),
    ('natural_10bit_57x41', 'natural', 57, 41, 10, 4, 2, 'motion', 'vif'),
    ('natural_12bit_48x37', 'natural', 48, 37, 12, 4, 3, 'motion', 'vif'),
    ('natural_16bit_40x33', 'natural', 40, 33, 16, 4, 4, 'motion', 'vif'),
    ('natural_10bit_35x50', 'natural', 35, 50, 10, 3, 5, 'motion', 'vif'),
    ('odd_8bit_83x61', 'natural', 83, 61, 8, 4, 6, 'motion', 'vif'),
    ('min_8bit_16x16', 'natural', 16, 16, 8, 4, 7, 'motion', 'vif'),
    ('min_10bit_17x16', 'natural', 17, 16, 10, 3, 8, 'motion', 'vif'),
    ('min_8bit_16x23', 'natural', 16, 23, 8, 3, 9, 'motion', 'vif'),
    ('identical_8bit_48x40', 'identical', 48, 40, 8, 3, 10, 'motion', 'vif'),
    ('identical_12bit_40x32', 'identical', 40, 32, 12, 3, 11, 'motion', 'vif'),
    ('flat_8bit_32x32', 'flat', 32, 32, 8, 3, 12, 'motion', 'vif'),
    ('flat_10bit_33x31', 'flat', 33, 31, 10, 3, 13, 'motion', 'vif'),
    ('dark_8bit_64x36', 'dark', 64, 36, 8, 4, 14, 'motion', 'vif'),
    ('dark_16bit_48x32', 'dark', 48, 32, 16, 3, 15, 'motion', 'vif'),
    ('extreme_8bit_48x40', 'extreme', 48, 40, 8, 4, 16, 'motion', 'vif'),
    ('extreme_16bit_48x40', 'extreme', 48, 40, 16, 4, 17, 'motion', 'vif'),
    ('extreme_10bit_37x29', 'extreme', 37, 29, 10, 4, 18, 'motion', 'vif'),
    ('static_8bit_40x30', 'static', 40, 30, 8, 4, 19, 'motion', 'vif'),
    ('static_10bit_40x30', 'static', 40, 30, 10, 3, 20, 'motion', 'vif'),
    ('sharpened_8bit_64x48_egl1', 'sharpened', 64, 48, 8, 3, 21, 'motion', 'vif_egl_1'),
    ('sharpened_10bit_48x40_egl1_5', 'sharpened', 48, 40, 10, 3, 22, 'motion', 'vif_egl_1_5'),
    ('skip_scale0_8bit_48x32', 'natural', 48, 32, 8, 3, 23, 'motion', 'vif_skip_scale0'),
    ('five_frame_8bit_48x32', 'natural', 48, 32, 8, 7, 24, 'motion_five_frame', 'vif'),
    ('five_frame_short_8bit_32x24', 'natural', 32, 24, 8, 3, 25, 'motion_five_frame', 'vif'),
    ('moving_average_8bit_48x32', 'natural', 48, 32, 8, 6, 26, 'motion_moving_average', 'vif'),
    ('five_frame_average_10bit_40x30', 'natural', 40, 30, 10, 6, 27, 'motion_five_frame_average', 'vif'),
    ('blend_8bit_48x32', 'natural', 48, 32, 8, 5, 28, 'motion_blend', 'vif'),
    ('fps_max_8bit_48x32', 'natural', 48, 32, 8, 6, 29, 'motion_fps_max', 'vif'),
    ('force_zero_8bit_32x32', 'natural', 32, 32, 8, 3, 30, 'motion_force_zero', 'vif'),
    ('single_frame_8bit_32x32', 'natural', 32, 32, 8, 1, 31, 'motion', 'vif'),
    ('two_frames_12bit_24x20', 'natural', 24, 20, 12, 2, 32, 'motion', 'vif'),
)
CASES += [
    synthetic_case(f"vif_motion_{name}", f"integer VIF/motion sweep: {kind} {width}x{height} {bitdepth}-bit, "
                   f"{frames} frame(s)", synthetic_feature_clip, kind=kind, width=width, height=height,
                   frames=frames, seed=seed, pixel_format="444", bitdepth=bitdepth, runs=(motion_run, vif_run))
    for name, kind, width, height, bitdepth, frames, seed, motion_run, vif_run in VIF_MOTION_CASES]


def float_feature_clip(*, kind: str, width: int, height: int, frames: int, seed: int, pixel_format: str,
                       bitdepth: int) -> tuple[list, list]:
    """The float-feature clips: a Gaussian-blurred noise texture (scipy, sigma 2) moving by
    (1, 2) pixels a frame, the distorted copy with added noise; ``identical``, ``flat`` (two
    levels 1% apart per frame) and ``dark`` (2% of full scale) variants. 4:4:4, mid-grey chroma."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = sample_dtype(bitdepth)
    base = gaussian_filter(rng.normal(0.5, 0.2, (height, width)), 2.0) + rng.normal(0, 0.05, (height, width))
    grey = np.full((height, width), 1 << (bitdepth - 1), dtype)
    reference, distorted = [], []
    for index in range(frames):
        if kind == "flat":
            ref = np.full((height, width), 0.5)
            dis = ref + (index + 1) * 0.01
        elif kind == "dark":
            ref = 0.02 * np.roll(base, (index, 2 * index), (0, 1))
            dis = ref + rng.normal(0, 0.004, (height, width))
        else:
            ref = np.roll(base, (index, 2 * index), (0, 1))
            dis = ref if kind == "identical" else ref + rng.normal(0, 0.03, (height, width))
        for frames_out, plane in ((reference, ref), (distorted, dis)):
            frames_out.append([np.clip(np.round(plane * peak), 0, peak).astype(dtype), grey.copy(), grey.copy()])
    return reference, distorted


#: The float ADM/VIF/motion cases (specs/float_adm.md §10, float_vif.md, float_motion.md): name ->
#: clip parameters and runs. Their values were recorded by libvmaf's command-line tool on an
#: Intel Xeon (per-frame values only; see docs/golden.md, "Moved cases").
FLOAT_FEATURE_CASES: tuple[tuple[str, str, int, int, int, int, int, tuple[str, ...]], ...] = (
    # name, kind, width, height, bit depth, frames, seed, runs
    ("small", "texture", 64, 48, 8, 3, 1, ("float_features", "float_features_egl1")),
    ("odd", "texture", 99, 67, 8, 3, 2, ("float_features",)),
    ("odd", "texture", 75, 53, 10, 3, 3, ("float_features",)),
    ("identical", "identical", 64, 48, 8, 2, 4, ("float_features",)),
    ("flat", "flat", 64, 48, 8, 2, 5, ("float_features",)),
    ("dark", "dark", 64, 48, 8, 2, 6, ("float_features",)),
)
CASES += [
    synthetic_case(f"float_{name}_{width}x{height}_444_{bitdepth}bit", f"float feature sweep: {kind} "
                   f"{width}x{height} {bitdepth}-bit, {frames} frames", float_feature_clip, kind=kind, width=width,
                   height=height, frames=frames, seed=seed, pixel_format="444", bitdepth=bitdepth, runs=runs)
    for name, kind, width, height, bitdepth, frames, seed, runs in FLOAT_FEATURE_CASES]


#: The integer ADM sweep (specs/integer_adm.md §10): one frame each, 8 to 16 bits, the minimum
#: size, odd and even sizes, and each option; 4:4:4 with mid-grey chroma. name -> frame
#: parameters and the ADM run (default ``adm``).
ADM_CASES: dict[str, dict] = {
    "noise_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=1),
    "sharpen_10bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=10, seed=2),
    "blur_12bit_161x91": dict(kind="blur", width=161, height=91, bitdepth=12, seed=3),
    "noise_16bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=16, seed=4),
    "identical_8bit_161x91": dict(kind="identical", width=161, height=91, bitdepth=8, seed=5),
    "identical_10bit_161x91": dict(kind="identical", width=161, height=91, bitdepth=10, seed=6),
    "flat_8bit_161x91": dict(kind="flat", width=161, height=91, bitdepth=8, seed=7),
    "black_8bit_161x91": dict(kind="black", width=161, height=91, bitdepth=8, seed=8),
    "black_10bit_161x91": dict(kind="black", width=161, height=91, bitdepth=10, seed=9),
    "random_8bit_161x91": dict(kind="random", width=161, height=91, bitdepth=8, seed=10),
    "min_8bit_33x33": dict(kind="sharpen", width=33, height=33, bitdepth=8, seed=11),
    "min_10bit_33x35": dict(kind="noise", width=33, height=35, bitdepth=10, seed=12),
    "odd_8bit_101x57": dict(kind="sharpen", width=101, height=57, bitdepth=8, seed=13),
    "even_8bit_160x90": dict(kind="blur", width=160, height=90, bitdepth=8, seed=14),
    "egl1_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=15, run="adm_egl_1"),
    "egl1_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=16, run="adm_egl_1"),
    "egl1.3_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=17, run="adm_egl_1_3"),
    "nvd4_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=18, run="adm_nvd_4"),
    "rdh2160_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=19, run="adm_rdh_2160"),
    "nw_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=20, run="adm_noise_weight"),
    "dlmw_min_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=21, run="adm_dlm_min"),
    "ssz_8bit_161x91": dict(kind="sharpen", width=161, height=91, bitdepth=8, seed=22, run="adm_skip_scale0"),
    "skip_aim_10bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=10, seed=23, run="adm_skip_aim"),
    "scf_8bit_161x91": dict(kind="noise", width=161, height=91, bitdepth=8, seed=24, run="adm_csf_scales"),
}
CASES += [
    synthetic_case(f"adm_{name.replace('.', '_')}", f"integer ADM sweep: {spec['kind']} {spec['width']}x{spec['height']} "
                   f"{spec['bitdepth']}-bit, one frame", synthetic_adm_frame, kind=spec["kind"], width=spec["width"],
                   height=spec["height"], seed=spec["seed"], pixel_format="444", bitdepth=spec["bitdepth"],
                   runs=(spec.get("run", "adm"),))
    for name, spec in ADM_CASES.items()]


#: Runs of the extractors outside the VMAF models, added to the cases named (after their model
#: runs). The 12- and 16-bit src01 cases carry none of the PSNR runs: their peaks differ from
#: the 10-bit case's, so their values could not equal it (``equivalent_to``).
_PSNR_CASES = ("identical_176x144_420_8bit", "flat_64x48_420_8bit", "near_black_96x64_420_8bit", "min_size_33x33_444_8bit", "odd_33x27_444_8bit",
               "odd_161x91_420_8bit", "texture_96x72_420_10bit", "texture_96x72_420_12bit",
               "texture_96x72_420_16bit", "texture_80x64_422_8bit", "texture_80x64_444_8bit",
               "y4m_texture_90x60_422_10bit", "src01_q160x90_420_8bit", "sparks_480x270_420_10bit",
               "x264_160x90_420_8bit_y4m", "x265_240x136_420_10bit", "vp9_157x89_444_8bit", "av1_160x90_420_8bit")
FEATURE_RUNS: dict[str, tuple[str, ...]] = {case_id: ("psnr", "float_simple") for case_id in _PSNR_CASES}
for _case_id in ("odd_161x91_420_8bit", "texture_96x72_420_10bit", "texture_96x72_420_16bit",
                 "texture_80x64_422_8bit", "sparks_480x270_420_10bit"):
    FEATURE_RUNS[_case_id] += ("psnr_ctc",)
for _case_id in _PSNR_CASES:
    FEATURE_RUNS[_case_id] += ("float_ssim",)
for _case_id in ("odd_161x91_420_8bit", "texture_96x72_420_10bit", "texture_80x64_422_8bit"):
    FEATURE_RUNS[_case_id] += ("float_ssim_db",)
# SSIM is computed on the 8-bit scale, so the 12- and 16-bit src01 values equal the 10-bit ones.
for _case_id in ("src01_576x324_420_10bit", "src01_576x324_420_12bit", "src01_576x324_420_16bit"):
    FEATURE_RUNS[_case_id] = ("float_ssim", "float_ms_ssim")
FEATURE_RUNS["sparks_480x270_420_10bit"] += ("float_ms_ssim",)
FEATURE_RUNS["texture_192x176_444_12bit"] = ("psnr", "float_simple", "float_ssim", "float_ms_ssim")
#: Bootstrap collection runs (after the feature runs, so that adding them changed no stored run).
for _case_id, _runs in {"odd_161x91_420_8bit": ("bootstrap",), "texture_96x72_420_10bit": ("bootstrap",),
                        "src01_q160x90_420_8bit": ("bootstrap",),
                        "x264_160x90_420_8bit_y4m": ("bootstrap", "bootstrap_transform", "float_bootstrap"),
                        "av1_160x90_420_8bit": ("bootstrap_transform",),
                        "min_size_33x33_444_8bit": ("float_bootstrap",)}.items():
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + _runs
CIEDE_CASES = ("identical_176x144_420_8bit", "flat_64x48_420_8bit", "near_black_96x64_420_8bit",
               "min_size_33x33_444_8bit", "odd_33x27_444_8bit", "texture_96x72_420_10bit", "texture_96x72_420_12bit",
               "texture_96x72_420_16bit", "texture_80x64_422_8bit", "texture_80x64_444_8bit",
               "y4m_texture_90x60_422_10bit", "src01_q160x90_420_8bit", "sparks_480x270_420_10bit",
               "x264_160x90_420_8bit_y4m", "vp9_157x89_444_8bit")
for _case_id in CIEDE_CASES:
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + ("ciede",)
PSNR_HVS_CASES = ("identical_176x144_420_8bit", "flat_64x48_420_8bit", "near_black_96x64_420_8bit",
                  "min_size_33x33_444_8bit", "odd_33x27_444_8bit", "odd_161x91_420_8bit", "texture_96x72_420_10bit",
                  "texture_96x72_420_12bit", "texture_80x64_422_8bit", "texture_80x64_444_8bit",
                  "y4m_texture_90x60_422_10bit", "src01_q160x90_420_8bit", "sparks_480x270_420_10bit",
                  "x264_160x90_420_8bit_y4m", "x265_240x136_420_10bit", "vp9_157x89_444_8bit", "av1_160x90_420_8bit")
for _case_id in PSNR_HVS_CASES:
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + ("psnr_hvs",)
#: CAMBI runs: cases with a side of at least 216 (cambi.c:503-508). A source size above a 10-bit
#: input's width is refused (libvmaf copies such frames with the wrong stride, specs/cambi.md §7).
CAMBI_RUNS = {
    "banding_256x144_420_8bit": ("cambi", "cambi_full_ref", "cambi_source_size", "cambi_options"),
    "banding_256x144_420_10bit": ("cambi", "cambi_full_ref", "cambi_v1"),
    "x264_blue_sky_640x360_420_8bit": ("cambi", "cambi_full_ref", "cambi_source_size", "cambi_v1"),
    "dark_scene_1920x1080_420_8bit": ("cambi", "cambi_full_ref", "cambi_v1"),
    "sparks_480x270_420_10bit": ("cambi", "cambi_full_ref", "cambi_source_size", "cambi_v1", "cambi_options"),
    "x265_240x136_420_10bit": ("cambi", "cambi_options"),
    **{f"src01_576x324_420_{depth}bit": ("cambi", "cambi_full_ref", "cambi_source_size") for depth in (10, 12, 16)},
}
for _case_id, _runs in CAMBI_RUNS.items():
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + _runs
#: VMAF v1's integer ADM and motion options: real content at 8 and 10 bits (src01, sparks,
#: x264 blue_sky, one 1080p dark_scene frame), an odd size and 16 bits.
V1_RUNS = {
    "src01_q160x90_420_8bit": ("adm_v1", "motion_v1", "motion_hfr"),
    "sparks_480x270_420_10bit": ("adm_v1", "adm_csf", "motion_v1", "motion_hfr"),
    "x264_blue_sky_640x360_420_8bit": ("adm_v1", "motion_v1", "motion_hfr"),
    "dark_scene_1920x1080_420_8bit": ("adm_v1",),
    "odd_161x91_420_8bit": ("adm_v1", "adm_csf", "motion_hfr"),
    "texture_96x72_420_16bit": ("adm_v1", "motion_v1"),
}
#: SpEED chroma: chroma planes of at least 80 samples a side (a 5x5 block after decimation by 16).
SPEED_RUNS = {
    "sparks_480x270_420_10bit": ("speed_chroma", "speed_chroma_v1"),
    "x264_blue_sky_640x360_420_8bit": ("speed_chroma", "speed_chroma_v1", "speed_chroma_prescale"),
    "dark_scene_1920x1080_420_8bit": ("speed_chroma", "speed_chroma_v1", "speed_chroma_prescale"),
    "texture_192x176_444_12bit": ("speed_chroma_v1",),
    **{f"src01_576x324_420_{depth}bit": ("speed_chroma_v1",) for depth in (10, 12, 16)},
}
_V1_MODEL_RUNS = ("v1_3d0h", "v1_3d0h_2160", "v1_5d0h", "v1_1d5h_2160", "v1_hfr_3d0h", "v1_hfr_3d0h_2160",
                  "v1_hfr_5d0h", "v1_hfr_1d5h_2160")
#: The vmaf_v1.0.16 models: cambi needs a side of 216 and speed_chroma 80-sample chroma planes
#: (160 at the 2160p models' prescale of 0.5 / 0.6), so the larger real-content cases.
SPEED_RUNS["x264_blue_sky_640x360_420_8bit"] += _V1_MODEL_RUNS
SPEED_RUNS["dark_scene_1920x1080_420_8bit"] += _V1_MODEL_RUNS
for _depth in (10, 12, 16):  # the 12- and 16-bit cases must equal the 10-bit one (equivalent_to)
    SPEED_RUNS[f"src01_576x324_420_{_depth}bit"] += ("v1_3d0h", "v1_hfr_3d0h", "v1_5d0h")
for _case_id, _runs in SPEED_RUNS.items():
    V1_RUNS[_case_id] = V1_RUNS.get(_case_id, ()) + _runs
for _case_id, _runs in V1_RUNS.items():
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + _runs
for _case in CASES:
    _case.runs = tuple(_case.runs) + FEATURE_RUNS.get(_case.id, ())


# ------------------------------------------------------------------------ computing runs

def model_requests(run: dict) -> list[ModelRequest]:
    return [ModelRequest(model["version"], model.get("overloads", {}), model.get("name"), tuple(model.get("flags", ())))
            for model in run["models"]]


def feature_requests(run: dict) -> list[FeatureRequest]:
    return [FeatureRequest(feature["name"], feature.get("options", {})) for feature in run.get("features", [])]


def run_case(library: LibVmaf, case: Case, reference: bytes, distorted: bytes, cpumask: int,
             runs: Sequence[str] | None = None) -> dict:
    """Every run of ``case`` (or only ``runs``) on the given clip bytes: ``{run_id: {"frames", "pooled"}}``."""
    ref_frames = read_frames(reference, case.container, case.width, case.height, case.pixel_format, case.bitdepth)
    dis_frames = read_frames(distorted, case.container, case.width, case.height, case.pixel_format, case.bitdepth)
    if len(ref_frames) != len(dis_frames):
        raise ValueError(f"{case.id}: {len(ref_frames)} reference frames but {len(dis_frames)} distorted")
    out = {}
    for run_id in (case.runs if runs is None else runs):
        scores = library.compute(zip(ref_frames, dis_frames), width=case.width, height=case.height,
                                 pixel_format=case.pixel_format, bitdepth=case.bitdepth,
                                 models=model_requests(RUNS[run_id]), features=feature_requests(RUNS[run_id]),
                                 cpumask=cpumask)
        out[run_id] = {"frames": [dict(sorted(frame.items())) for frame in scores.frames],
                       "pooled": {key: scores.pooled[key] for key in sorted(scores.pooled)},
                       "model_keys": scores.model_keys}
    return out


def run_manifest_entry(run_id: str) -> dict:
    run = RUNS[run_id]
    cli = [arg for model in model_requests(run) for arg in ("--model", model.cli_argument())]
    cli += [arg for feature in feature_requests(run) for arg in ("--feature", feature.cli_argument())]
    if not run["models"]:
        cli.append("--no_prediction")
    return {"id": run_id, "models": run["models"], "features": run.get("features", []), "libvmaf_cli": cli,
            "feature_family": run["feature_family"], "model_family": run["model_family"]}


def _same(a: float, b: float) -> bool:
    return within(a, b, EXACT)


def diff_runs(expected: dict, got: dict, limit_for: Callable[[str, str], dict] | None = None) -> list[str]:
    """Human-readable list of every difference between two ``run_case`` results, through the
    goldens' one comparer (:func:`vmafref.tolerances.compare_run`).

    ``limit_for(run_id, key)`` is the tolerance of ``key`` (default: the same double, NaN
    matching NaN).
    """
    problems = []
    for run_id in sorted(set(expected) | set(got)):
        if run_id not in expected or run_id not in got:
            problems.append(f"run {run_id}: present in only one of expected/recomputed")
            continue
        limit = (lambda key: EXACT) if limit_for is None else (lambda key, run_id=run_id: limit_for(run_id, key))
        problems += [f"run {run_id} {mismatch.describe()}"
                     for mismatch in compare_run(expected[run_id], got[run_id]["frames"], got[run_id]["pooled"], limit)]
    return problems


def _rcp_key(key: str, model_keys: Sequence[str]) -> bool:
    return key.startswith(("adm", "aim")) or key in model_keys


def _explained_by_rcpss(run_id: str, expected: dict, got: dict) -> bool:
    """Whether a float run differs from its stored values only as another CPU's ``rcpss`` would
    make it: exact everywhere but in the keys libvmaf's float ADM computes through ``rcpss``
    (``adm_tools.c:43-49``) and the model scores built on them, and those within
    :data:`vmafref.tolerances.CPU_FAMILY_LIMIT` (measured: at most 1.3e-7 relative between an
    Intel Xeon and an AMD EPYC over every stored case)."""
    model_keys = expected.get("model_keys", [])

    def limit_for(_run_id: str, key: str) -> dict:
        return CPU_FAMILY_LIMIT if _rcp_key(key, model_keys) else EXACT

    return not diff_runs({run_id: expected}, {run_id: got}, limit_for)


# ---------------------------------------------------------------------------- files

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compress(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9 | lzma.PRESET_EXTREME)


def write_json(path: Path, value: object) -> None:
    """JSON with sorted keys; floats as ``repr`` (shortest round-trip), NaN as ``NaN``."""
    path.write_text(json.dumps(value, indent=1, sort_keys=True, allow_nan=True) + "\n")


def load_manifest(golden: Path) -> dict:
    path = golden / "manifest.json"
    if not path.exists():
        return {"format": MANIFEST_FORMAT, "cases": []}
    return json.loads(path.read_text())


def stored_clips(golden: Path, entry: dict) -> tuple[bytes, bytes]:
    """The case's clips, decompressed and checked against the manifest's sha256."""
    out = []
    for role in ("reference", "distorted"):
        data = lzma.decompress((golden / entry[role]["file"]).read_bytes())
        if sha256(data) != entry[role]["sha256"]:
            raise ValueError(f"{entry['id']}: {entry[role]['file']} does not match its sha256 in the manifest")
        out.append(data)
    return out[0], out[1]


@functools.lru_cache(maxsize=1)
def this_cpu_rcpss() -> str | None:
    """The ``rcpss`` family of this CPU (``tools/measure_rcpss.py``), which libvmaf's float ADM
    divided with here; ``None`` when it cannot be measured. Recorded per case, and used by the
    tests to score the case's float runs (specs/float_adm.md §4)."""
    from measure_rcpss import cpu_family

    return cpu_family()


def manifest_entry(case: Case, reference: bytes, distorted: bytes, frame_count: int, library: LibVmaf) -> dict:
    files = case.files()
    return {
        "id": case.id,
        "description": case.description,
        "container": case.container,
        "width": case.width,
        "height": case.height,
        "pixel_format": case.pixel_format,
        "bitdepth": case.bitdepth,
        "frame_count": frame_count,
        "reference": {"file": files["reference"], "sha256": sha256(reference), "bytes": len(reference)},
        "distorted": {"file": files["distorted"], "sha256": sha256(distorted), "bytes": len(distorted)},
        "source": case.source,
        "libvmaf": {"commit": LIBVMAF_COMMIT, "vmaf_version": library.version, "n_threads": 0,
                    "cpumask": REFERENCE_CPUMASK, "rcpss": this_cpu_rcpss()},
        "runs": [run_manifest_entry(run_id) for run_id in case.runs],
        "tolerances": {family: TOLERANCES[family] for family in
                       sorted({RUNS[r]["feature_family"] for r in case.runs} |
                              {RUNS[r]["model_family"] for r in case.runs if RUNS[r]["model_family"]})},
        "expected": f"{case.id}/expected.json",
    }


def expected_document(case: Case, results: dict, library: LibVmaf) -> dict:
    return {"case": case.id, "libvmaf_version": library.version,
            "runs": {run_id: {"frames": result["frames"], "pooled": result["pooled"],
                              "model_keys": result["model_keys"]} for run_id, result in results.items()}}


def compute_reference(library: LibVmaf, case: Case, reference: bytes, distorted: bytes,
                      simd_cpumasks: Sequence[int], runs: Sequence[str] | None = None
                      ) -> tuple[dict, dict[str, list[str]]]:
    """The case (or only its ``runs``) under :data:`REFERENCE_CPUMASK`, and, per SIMD cpumask,
    the ``run/key`` names whose values differ from it on any frame."""
    results = run_case(library, case, reference, distorted, REFERENCE_CPUMASK, runs)
    disagreements = {}
    for mask in simd_cpumasks:
        other = run_case(library, case, reference, distorted, mask, runs)
        keys = sorted({f"{run_id}/{key}" for run_id in results for frame_a, frame_b in
                       zip(results[run_id]["frames"], other[run_id]["frames"])
                       for key in frame_a if not _same(frame_a[key], frame_b.get(key, math.nan))})
        disagreements[str(mask)] = keys
    return results, disagreements


def generate(library: LibVmaf, cases: Sequence[Case], golden: Path, context: BuildContext, rebuild: bool,
             cpumasks: Sequence[int], only_runs: Sequence[str] | None = None) -> int:
    """Writes the cases' clips, expected values and manifest entries.

    ``only_runs`` recomputes just those runs of each case from its stored clips and keeps the
    stored values of its other runs (a float run's values depend on the CPU family that made
    them, specs/float_adm.md §4, so adding a fixed-point run must not rewrite them).
    """
    manifest = load_manifest(golden)
    entries = {entry["id"]: entry for entry in manifest.get("cases", [])}
    kept_runs: dict[str, dict] = {}
    if only_runs is not None:
        # Every case is checked before any is rewritten: a refusal leaves golden/ as it was.
        for case in cases:
            old = entries.get(case.id)
            missing = [run_id for run_id in only_runs if run_id not in case.runs]
            if missing or old is None or rebuild:
                raise ValueError(f"{case.id}: --run needs a stored case whose recipe has the runs "
                                 f"(missing {missing}) and no --rebuild-clips")
            stored = json.loads((golden / old["expected"]).read_text())["runs"]
            absent = [run_id for run_id in case.runs if run_id not in only_runs and run_id not in stored]
            if absent:
                raise ValueError(f"{case.id}: runs {absent} are neither stored nor asked for with --run")
            unmeasured = sorted(set(old["libvmaf"].get("simd_disagreements", {})) - {str(m) for m in cpumasks})
            if unmeasured:
                raise ValueError(f"{case.id}: the manifest records SIMD disagreements for cpumask(s) {unmeasured}; "
                                 "pass them to --simd-cpumask so that the new runs are measured under them too")
            kept_runs[case.id] = {run_id: stored[run_id] for run_id in case.runs if run_id not in only_runs}
    for case in cases:
        old = entries.get(case.id)
        kept = kept_runs.get(case.id, {})
        if rebuild or old is None:
            reference, distorted = case.build(context)
            if old is not None:
                for role, data in (("reference", reference), ("distorted", distorted)):
                    if sha256(data) != old[role]["sha256"]:
                        print(f"note: {case.id}: rebuilt {role} clip differs from the stored one", file=sys.stderr)
        else:
            reference, distorted = stored_clips(golden, old)
            case.source = old["source"]
        results, disagreements = compute_reference(library, case, reference, distorted, cpumasks, only_runs)
        if only_runs is not None:
            recorded = old["libvmaf"].get("simd_disagreements", {})
            for mask, keys in disagreements.items():
                disagreements[mask] = sorted(set(keys) | {key for key in recorded.get(mask, [])
                                                          if key.split("/", 1)[0] in kept})
            results = {run_id: results[run_id] if run_id in results else kept[run_id] for run_id in case.runs}
        frame_count = len(next(iter(results.values()))["frames"])
        case_dir = golden / case.id
        if case_dir.exists():
            shutil.rmtree(case_dir)
        case_dir.mkdir(parents=True)
        entry = manifest_entry(case, reference, distorted, frame_count, library)
        entry["libvmaf"]["simd_disagreements"] = disagreements
        if any(disagreements.values()):
            print(f"note: {case.id}: libvmaf's SIMD paths differ from its C code in "
                  f"{sorted({k for keys in disagreements.values() for k in keys})}", file=sys.stderr)
        if case.note:
            entry["note"] = case.note
        if case.equivalent_to:
            entry["equivalent_to"] = case.equivalent_to
        for role, data in (("reference", reference), ("distorted", distorted)):
            (golden / entry[role]["file"]).write_bytes(compress(data))
        write_json(golden / entry["expected"], expected_document(case, results, library))
        entries[case.id] = entry
        size = sum((golden / entry[role]["file"]).stat().st_size for role in ("reference", "distorted"))
        print(f"{case.id}: {frame_count} frames, clips {size / 1024:.0f} KiB compressed")
    order = [case.id for case in CASES]
    manifest = {
        "format": MANIFEST_FORMAT,
        "description": "libvmaf outputs at full double precision; see docs/golden.md",
        "libvmaf": {"repository": "Netflix/vmaf", "commit": LIBVMAF_COMMIT, "vmaf_version": EXPECTED_VERSION},
        "pooling_methods": ["min", "max", "mean", "harmonic_mean"],
        "tolerance_rule": "|got - expected| <= atol + rtol * |expected|; NaN matches NaN",
        "key_families": {"fixed_point": "every key of a run whose feature_family is fixed_point",
                         "float": "every key of a run whose feature_family is float",
                         "float_strict": "every key of a run whose feature_family is float_strict",
                         "vmaf": "the model score of a run whose model_family is vmaf"},
        "cases": sorted(entries.values(), key=lambda e: order.index(e["id"]) if e["id"] in order else len(order)),
    }
    write_json(golden / "manifest.json", manifest)
    return 0


def check(library: LibVmaf, cases: Sequence[Case], golden: Path, cpumasks: Sequence[int]) -> int:
    manifest = load_manifest(golden)
    entries = {entry["id"]: entry for entry in manifest.get("cases", [])}
    failures = 0
    for case in cases:
        entry = entries.get(case.id)
        if entry is None:
            print(f"FAIL {case.id}: not in the manifest")
            failures += 1
            continue
        problems, notes = [], []
        for field in ("container", "width", "height", "pixel_format", "bitdepth"):
            if entry[field] != getattr(case, field):
                problems.append(f"manifest {field} {entry[field]!r} but the recipe says {getattr(case, field)!r}")
        if [run["id"] for run in entry["runs"]] != list(case.runs) or \
                any(run != run_manifest_entry(run["id"]) for run in entry["runs"]):
            problems.append("manifest runs differ from the recipe")
        try:
            reference, distorted = stored_clips(golden, entry)
            expected = json.loads((golden / entry["expected"]).read_text())["runs"]
            got, disagreements = compute_reference(library, case, reference, distorted, cpumasks)
            recorded = entry["libvmaf"].get("simd_disagreements", {})
            for mask, keys in disagreements.items():
                if mask in recorded and recorded[mask] != keys:
                    # Informational only: which SIMD sets cpumask 0 enables depends on the machine.
                    print(f"note {case.id}: cpumask {mask} differs from C in {keys}; the manifest records "
                          f"{recorded[mask]} (another CPU?)")
            for run_id in sorted(set(expected) | set(got)):
                run_problems = diff_runs({run_id: expected[run_id]} if run_id in expected else {},
                                         {run_id: got[run_id]} if run_id in got else {})
                if run_problems and run_id in expected and run_id in got \
                        and RUNS[run_id]["feature_family"] == "float" \
                        and _explained_by_rcpss(run_id, expected[run_id], got[run_id]):
                    # libvmaf's float ADM divides through rcpss, whose estimates differ between
                    # CPU families (specs/float_adm.md §4): on another machine its keys (and the
                    # scores built on them) move in their last bits; everything else must not.
                    notes.append(f"run {run_id}: {len(run_problems)} float ADM / model value(s) differ from the "
                                 f"stored ones within {CPU_FAMILY_LIMIT['rtol']:g} relative, as another CPU "
                                 "family's rcpss makes them; every other value matches exactly")
                else:
                    problems += run_problems
            if entry["frame_count"] != len(next(iter(got.values()))["frames"]):
                problems.append("frame_count differs")
        except (ValueError, LibVmafError, OSError) as error:
            problems.append(str(error))
        if problems:
            failures += 1
            print(f"FAIL {case.id}: {len(problems)} difference(s)")
            for line in problems[:40]:
                print(f"  {line}")
        else:
            print(f"ok   {case.id}")
        for line in notes:
            print(f"note {case.id}: {line}")
    extra = sorted(set(entries) - {case.id for case in CASES})
    for case_id in extra:
        print(f"FAIL {case_id}: in the manifest but has no recipe")
        failures += 1
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--libvmaf", required=True, help="path of libvmaf.so (built with -Denable_float=true)")
    parser.add_argument("--allow-version-mismatch", action="store_true",
                        help=f"accept a libvmaf whose vmaf_version() is not {EXPECTED_VERSION}")
    parser.add_argument("--check", action="store_true", help="recompute and compare; change nothing")
    parser.add_argument("--case", nargs="+", metavar="ID", help="only these cases")
    parser.add_argument("--run", nargs="+", metavar="RUN", choices=sorted(RUNS),
                        help="recompute only these runs of the chosen cases, keep the others' stored values")
    parser.add_argument("--list", action="store_true", help="list the case ids and exit")
    parser.add_argument("--golden", type=Path, default=GOLDEN_DIR, help="golden folder (default: %(default)s)")
    parser.add_argument("--rebuild-clips", action="store_true", help="rebuild clips from their recipes")
    parser.add_argument("--vmaf-resource", type=Path, help="a git clone of Netflix/vmaf_resource")
    parser.add_argument("--ffmpeg", default="ffmpeg", help="ffmpeg binary for the codec cases")
    parser.add_argument("--simd-cpumask", type=int, nargs="*", default=list(SIMD_CPUMASKS),
                        help="cpumasks whose disagreements with the C path are recorded (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.list:
        for case in CASES:
            print(case.id)
        return 0
    known = {case.id: case for case in CASES}
    if len(known) != len(CASES):
        raise SystemExit("duplicate case ids in CASES")
    unknown = [case_id for case_id in args.case or [] if case_id not in known]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; see --list")
    if args.run and args.check:
        parser.error("--run regenerates runs; --check always checks every run of the chosen cases")
    cases = [known[case_id] for case_id in args.case] if args.case else CASES
    try:
        library = LibVmaf(args.libvmaf, allow_version_mismatch=args.allow_version_mismatch)
    except (LibVmafError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        return check(library, cases, args.golden, args.simd_cpumask)
    with tempfile.TemporaryDirectory() as work:
        context = BuildContext(vmaf_resource=args.vmaf_resource, ffmpeg=args.ffmpeg, work=Path(work))
        try:
            return generate(library, cases, args.golden, context, args.rebuild_clips, args.simd_cpumask, args.run)
        except (RuntimeError, LibVmafError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
