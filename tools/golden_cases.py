"""The golden cases and runs: what ``tools/make_golden.py`` asks of libvmaf (docs/golden.md).

:data:`RUNS` are libvmaf contexts (models with their overloads, features with their options,
the tolerance family of their keys); :data:`CASES` are the recipes of the cases' clips (seeded
generators, Netflix/vmaf_resource blobs, ffmpeg command lines), their geometry and runs.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from golden_clips import (
    encode_raw,
    encode_y4m,
    float_feature_clip,
    synthetic_adm_frame,
    synthetic_banding,
    synthetic_feature_clip,
    synthetic_flat,
    synthetic_texture,
    trim_raw,
)

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
#: 2: a run may carry a ``convention`` (another libvmaf's values, scored under that libvmaf
#: convention) and its own ``libvmaf`` provenance.
MANIFEST_FORMAT = 2
LIBVMAF_COMMIT = "f85a853692a8c730d0270cd733c8bb30b5b93b7c"
#: The libvmaf of each other libvmaf convention (:mod:`vmafref.conventions`) a run may be taken
#: under: ``make_golden.py --convention NAME`` computes those runs, and only from a library whose
#: ``vmaf_version()`` is ``vmaf_version``; the tests score them with ``libvmaf_convention=NAME``.
CONVENTION_LIBVMAF = {
    "v3.0": {"repository": "Netflix/vmaf", "tag": "v3.0.0", "commit": "17a67b238ce0539bdeafdc95961abac64fa16ea8",
             "vmaf_version": "3.0.0"},
}
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
    # The two models under the v3.0 libvmaf convention: values from libvmaf v3.0.0, which writes
    # no integer_adm3, integer_aim, integer_motion3, adm3, aim or motion3 (CONVENTION_RUNS).
    "integer_v30": {**_model_run("vmaf_v0.6.1"), "convention": "v3.0"},
    "float_v30": {**_model_run("vmaf_float_v0.6.1"), "convention": "v3.0"},
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
#: Runs under the v3.0 libvmaf convention (after every other run, so that adding them moved no
#: stored run): odd sizes (161x91 4:2:0, 33x33), flat frames, 10-bit synthetic and real content,
#: and a real x264 encode.
CONVENTION_RUNS = {case_id: ("integer_v30", "float_v30") for case_id in (
    "flat_64x48_420_8bit", "min_size_33x33_444_8bit", "odd_161x91_420_8bit", "texture_96x72_420_10bit",
    "sparks_480x270_420_10bit", "x264_160x90_420_8bit_y4m")}
for _case_id, _runs in CONVENTION_RUNS.items():
    FEATURE_RUNS[_case_id] = FEATURE_RUNS.get(_case_id, ()) + _runs
for _case in CASES:
    _case.runs = tuple(_case.runs) + FEATURE_RUNS.get(_case.id, ())


def run_convention(run_id: str) -> str | None:
    """The libvmaf convention a run is taken under (:data:`CONVENTION_LIBVMAF`); ``None``: the
    reference libvmaf (:data:`LIBVMAF_COMMIT`)."""
    return RUNS[run_id].get("convention")


# ------------------------------------------------------------------------ computing runs

