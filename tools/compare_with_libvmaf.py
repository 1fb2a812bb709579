"""Score one clip pair with vmafref and with libvmaf's C API, and compare every value.

    python tools/compare_with_libvmaf.py REF DIS -w 576 -h 324 -p 420 -b 8 \\
        --model version=vmaf_v0.6.1:adm.debug=true --libvmaf path/to/libvmaf.so

vmafref runs as ``vmafref score ... --json`` (full-precision output); libvmaf runs through
``vmafref.libvmaf_capi`` with the same ``--model`` / ``--feature`` requests, so every value
is an IEEE double on both sides. libvmaf runs its plain C code (``--cpumask 255``), the
definition its SIMD paths are meant to reproduce; ``--simd-check`` also runs the SIMD paths
and lists the keys where libvmaf disagrees with itself (its integer ADM does at some frame
widths, docs/golden.md). For each key the script prints the largest absolute and
relative difference and the frame where it occurs (``--frames`` lists every frame), and exits
with status 1 when a difference is beyond the limits:

* fixed-point keys (``integer_*``, ``VMAF_integer_*``): relative 1e-12;
* the score of a model on integer features: relative 1e-9;
* float-path keys, and the score of a float model: 1e-5 (``|diff| <= 1e-5 * max(1, |value|)``).

This is how clips that are not in ``golden/`` are checked. Status 2 means the comparison
could not run (bad arguments, a clip that cannot be read, vmafref or libvmaf failing).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vmafref.libvmaf_capi import (  # noqa: E402
    EXPECTED_VERSION,
    FeatureRequest,
    LibVmaf,
    LibVmafError,
    ModelRequest,
    chroma_shape,
)

__all__ = ["LIMITS", "parse_model", "parse_feature", "key_family", "clip_geometry", "iter_clip", "compare", "main"]

#: family -> (relative limit, absolute floor scale): passes when |d| <= rel * max(floor, |expected|).
LIMITS = {"fixed_point": (1e-12, 0.0), "vmaf": (1e-9, 0.0), "float": (1e-5, 1.0)}
_POOLING = ("min", "max", "mean", "harmonic_mean")


class ComparisonError(RuntimeError):
    """The comparison could not be run."""


def parse_model(text: str) -> ModelRequest:
    """``version=V|path=P[:name=N][:FEX.OPT=VAL...]`` as libvmaf's ``--model`` (``cli_parse.c:194-260``)."""
    version, name, overloads = None, None, {}
    for part in text.split(":"):
        key, _, value = part.partition("=")
        if key == "version":
            version = value
        elif key == "name":
            name = value
        elif key == "path":
            raise ComparisonError("--model path=... is not supported here; use a built-in version")
        elif key in ("disable_clip", "enable_transform"):
            raise ComparisonError(f"--model flag {key} is not supported here")
        elif "." in key and value:
            extractor, _, option = key.partition(".")
            overloads.setdefault(extractor, {})[option] = value
        else:
            raise ComparisonError(f"cannot parse --model part {part!r}")
    if not version:
        raise ComparisonError(f"--model {text!r} names no version=")
    return ModelRequest(version, overloads, name)


def parse_feature(text: str) -> FeatureRequest:
    """``NAME[=opt=val[:opt=val...]]`` as libvmaf's ``--feature`` (``cli_parse.c:262-293``)."""
    name, _, rest = text.partition("=")
    options = {}
    for part in filter(None, rest.split(":")):
        key, sep, value = part.partition("=")
        if not sep:
            raise ComparisonError(f"cannot parse --feature option {part!r} in {text!r}")
        options[key] = value
    return FeatureRequest(name, options)


def key_family(key: str, model_versions: dict[str, str]) -> str:
    """Tolerance family of an output key; ``model_versions`` maps model name -> version."""
    if key in model_versions:
        return "float" if "float" in model_versions[key] else "vmaf"
    if key.startswith(("integer_", "VMAF_integer_")):
        return "fixed_point"
    return "float"


#: The colour spaces libvmaf's ``tools/y4m_input.c`` (f85a8536, lines 596-710) reads, as
#: (pixel format, bit depth, stored layout). "mono" stores Y only and libvmaf gives it chroma 128;
#: "alpha" stores Y, U, V and an alpha plane that libvmaf drops. A header without a C tag is 420jpeg.
#: This reader is the tool's own, independent of vmafref.io, so that the comparison also checks
#: how vmafref reads the clips.
Y4M_COLOUR_SPACES = {
    "420": ("420", 8, "planar"), "420jpeg": ("420", 8, "planar"), "420mpeg2": ("420", 8, "planar"),
    "420paldv": ("420", 8, "planar"), "420p10": ("420", 10, "planar"), "420p12": ("420", 12, "planar"),
    "422": ("422", 8, "planar"), "422p10": ("422", 10, "planar"), "422p12": ("422", 12, "planar"),
    "444": ("444", 8, "planar"), "444p10": ("444", 10, "planar"), "444p12": ("444", 12, "planar"),
    "444alpha": ("444", 8, "alpha"), "mono": ("420", 8, "mono"),
}


def _y4m_header(handle) -> tuple[int, int, str]:
    """``(width, height, colour space)`` from a YUV4MPEG2 header line."""
    line = handle.readline(4096)
    if not line.startswith(b"YUV4MPEG2") or not line.endswith(b"\n"):
        raise ComparisonError(f"{handle.name}: not a YUV4MPEG2 file")
    tags = {token[:1]: token[1:] for token in line.decode("ascii", "replace").split()[1:]}
    colour_space = tags.get("C", "420jpeg")
    if colour_space not in Y4M_COLOUR_SPACES:
        raise ComparisonError(f"{handle.name}: Y4M colour space {colour_space!r} is not one libvmaf reads")
    try:
        return int(tags["W"]), int(tags["H"]), colour_space
    except (KeyError, ValueError):
        raise ComparisonError(f"{handle.name}: Y4M header without a valid W and H") from None


def _is_y4m(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(9) == b"YUV4MPEG2"


def clip_geometry(path: str, width: int | None = None, height: int | None = None, pixel_format: str | None = None,
                  bitdepth: int | None = None) -> tuple[int, int, str, int]:
    """``(width, height, pixel_format, bitdepth)`` of a clip: a Y4M header supplies what is not
    given; raw YUV needs all four (libvmaf's ``-w -h -p -b``)."""
    given = (width, height, pixel_format, bitdepth)
    try:
        if not _is_y4m(path):
            if None in given:
                raise ComparisonError(f"{path}: raw YUV needs -w -h -p -b")
            return width, height, pixel_format, bitdepth
        with open(path, "rb") as handle:
            w, h, colour_space = _y4m_header(handle)
    except OSError as error:
        raise ComparisonError(f"{path}: {error}") from None
    found = (w, h, *Y4M_COLOUR_SPACES[colour_space][:2])
    return tuple(value if value is not None else header for value, header in zip(given, found))


def iter_clip(path: str, width: int, height: int, pixel_format: str, bitdepth: int,
              frame_cnt: int | None = None) -> Iterator[list[np.ndarray]]:
    """Stream the ``[y, u, v]`` planes of a raw YUV or Y4M clip, frame by frame, as libvmaf's
    command line reads them; stops before reading frame ``frame_cnt`` (``tools/vmaf.c:342``)."""
    dtype = np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")
    chroma = chroma_shape(width, height, pixel_format)
    is_y4m = _is_y4m(path)
    with open(path, "rb") as handle:
        layout = "planar"
        if is_y4m:
            layout = Y4M_COLOUR_SPACES[_y4m_header(handle)[2]][2]
        stored = [(height, width)] + {"planar": [chroma, chroma], "mono": [], "alpha": [chroma, chroma, (height, width)]}[layout]
        count = 0
        while frame_cnt is None or count < frame_cnt:
            if is_y4m:
                marker = handle.readline(4096)
                if not marker:
                    return
                if not marker.startswith(b"FRAME"):
                    raise ComparisonError(f"{path}: expected FRAME before frame {count}")
            planes = []
            for h, w in stored:
                size = h * w * dtype.itemsize
                data = handle.read(size)
                if not data and not planes:
                    return
                if len(data) != size:
                    raise ComparisonError(f"{path}: ends inside frame {count}")
                planes.append(np.frombuffer(data, dtype=dtype).reshape(h, w))
            if layout == "mono":
                planes += [np.full(chroma, 1 << (bitdepth - 1), dtype), np.full(chroma, 1 << (bitdepth - 1), dtype)]
            yield planes[:3]
            count += 1


def run_vmafref(command: Sequence[str], args: argparse.Namespace, output: str) -> dict:
    argv = [*command, "score", "-r", args.reference, "-d", args.distorted, "--json", "-o", output, "-q"]
    for flag, value in (("-w", args.width), ("-h", args.height), ("-p", args.pixel_format), ("-b", args.bitdepth),
                        ("--frame_cnt", args.frame_cnt)):
        if value is not None:
            argv += [flag, str(value)]
    for model in args.model:
        argv += ["--model", model]
    for feature in args.feature:
        argv += ["--feature", feature]
    if args.no_prediction:
        argv.append("-n")
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode:
        raise ComparisonError(f"{shlex.join(argv)} exited with {result.returncode}: {result.stderr.strip()}")
    with open(output) as handle:
        return json.load(handle)


def _as_float(value) -> float:
    return math.nan if value is None else float(value)


def compare(libvmaf_frames: list[dict], libvmaf_pooled: dict, vmafref_json: dict, model_versions: dict[str, str],
            show_frames: bool = False) -> tuple[list[str], bool]:
    """Report lines and whether every value is inside its limit."""
    lines, ok = [], True
    theirs = [{key: _as_float(v) for key, v in frame["metrics"].items()} for frame in vmafref_json["frames"]]
    if len(theirs) != len(libvmaf_frames):
        lines.append(f"frame count: libvmaf {len(libvmaf_frames)}, vmafref {len(theirs)}")
        ok = False
    keys = list(libvmaf_frames[0]) if libvmaf_frames else []
    missing = [k for k in keys if any(k not in frame for frame in theirs)]
    extra = sorted({k for frame in theirs for k in frame} - set(keys))
    if missing or extra:
        lines.append(f"keys only in libvmaf: {missing}; only in vmafref: {extra}")
        ok = False
    lines.append(f"{'key':44} {'family':11} {'max |diff|':>11} {'max rel':>11} {'at frame':>8}  verdict")
    for key in keys:
        if key in missing:
            continue
        family = key_family(key, model_versions)
        rel_limit, floor = LIMITS[family]
        worst_abs, worst_rel, worst_frame, bad = 0.0, 0.0, -1, []
        for index, (mine, other) in enumerate(zip(libvmaf_frames, theirs)):
            expected, got = mine[key], other[key]
            if math.isnan(expected) and math.isnan(got):
                continue
            diff = abs(got - expected) if math.isfinite(expected) and math.isfinite(got) else math.inf
            rel = diff / abs(expected) if expected else (0.0 if diff == 0 else math.inf)
            if diff > worst_abs or worst_frame < 0:
                worst_abs, worst_frame = max(worst_abs, diff), index
            worst_rel = max(worst_rel, rel)
            if not diff <= rel_limit * max(floor, abs(expected)):
                bad.append((index, expected, got, diff))
        for method in _POOLING:
            expected = libvmaf_pooled[key][method]
            got = _as_float(vmafref_json.get("pooled_metrics", {}).get(key, {}).get(method))
            if not (math.isnan(expected) and math.isnan(got)):
                diff = abs(got - expected) if math.isfinite(got) else math.inf
                if not diff <= rel_limit * max(floor, abs(expected)):
                    bad.append((f"pooled {method}", expected, got, diff))
        verdict = "ok" if not bad else f"FAIL ({len(bad)} beyond {rel_limit:g})"
        ok &= not bad
        lines.append(f"{key:44} {family:11} {worst_abs:11.3e} {worst_rel:11.3e} {worst_frame:8d}  {verdict}")
        for index, expected, got, diff in (bad if not show_frames else []):
            lines.append(f"    frame {index}: libvmaf {expected!r} vmafref {got!r} |diff| {diff:.3e}")
        if show_frames:
            for index, (mine, other) in enumerate(zip(libvmaf_frames, theirs)):
                lines.append(f"    frame {index}: libvmaf {mine[key]!r} vmafref {other[key]!r} "
                             f"diff {other[key] - mine[key]:.3e}")
    return lines, ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--help", action="help", help="show this help and exit")
    parser.add_argument("reference")
    parser.add_argument("distorted")
    parser.add_argument("-w", "--width", type=int)
    parser.add_argument("-h", "--height", type=int)
    parser.add_argument("-p", "--pixel_format", choices=("420", "422", "444"))
    parser.add_argument("-b", "--bitdepth", type=int)
    parser.add_argument("-m", "--model", action="append", default=[], help="libvmaf --model syntax (repeatable)")
    parser.add_argument("--feature", action="append", default=[], help="libvmaf --feature syntax (repeatable)")
    parser.add_argument("-n", "--no_prediction", action="store_true")
    parser.add_argument("--frame_cnt", type=int)
    parser.add_argument("--libvmaf", required=True, help="path of libvmaf.so")
    parser.add_argument("--allow-version-mismatch", action="store_true",
                        help=f"accept a libvmaf whose vmaf_version() is not {EXPECTED_VERSION}")
    parser.add_argument("--vmafref", default=None,
                        help="command that runs vmafref (default: the vmafref package of this Python)")
    parser.add_argument("--frames", action="store_true", help="list every frame's values for every key")
    parser.add_argument("--cpumask", type=int, default=255,
                        help="libvmaf cpumask of the reference run (default: %(default)s, plain C)")
    parser.add_argument("--simd-check", action="store_true",
                        help="also run libvmaf with cpumask 0 and list keys where it differs from the reference run")
    args = parser.parse_args(argv)
    try:
        geometry = (args.width, args.height, args.pixel_format, args.bitdepth)
        if None in geometry:
            geometry = clip_geometry(args.reference, *geometry)
        width, height, pixel_format, bitdepth = geometry
        model_texts = args.model or ([] if args.no_prediction else ["version=vmaf_v0.6.1"])
        models = [parse_model(text) for text in model_texts]
        features = [parse_feature(text) for text in args.feature]
        library = LibVmaf(args.libvmaf, allow_version_mismatch=args.allow_version_mismatch)
        def libvmaf_run(cpumask: int):
            pairs = zip(iter_clip(args.reference, width, height, pixel_format, bitdepth, args.frame_cnt),
                        iter_clip(args.distorted, width, height, pixel_format, bitdepth, args.frame_cnt))
            return library.compute(pairs, width=width, height=height, pixel_format=pixel_format,
                                   bitdepth=bitdepth, models=models, features=features, cpumask=cpumask)

        scores = libvmaf_run(args.cpumask)
        if args.simd_check:
            simd = libvmaf_run(0)
            differing = sorted({key for a, b in zip(scores.frames, simd.frames) for key in a if a[key] != b.get(key)})
            print(f"libvmaf cpumask 0 vs {args.cpumask}: " +
                  (f"differs in {differing}" if differing else "identical doubles"))
        if args.no_prediction:
            # With -n libvmaf registers a given model's extractors but writes no score.
            for key in scores.model_keys:
                scores.pooled.pop(key)
                for frame in scores.frames:
                    frame.pop(key)
            models_for_scores = []
        else:
            models_for_scores = models
        command = shlex.split(args.vmafref) if args.vmafref else \
            [sys.executable, "-c", "import sys; from vmafref.cli import main; sys.exit(main())"]
        with tempfile.TemporaryDirectory() as directory:
            vmafref_json = run_vmafref(command, args, os.path.join(directory, "vmafref.json"))
    except (ComparisonError, LibVmafError, OSError, ValueError) as error:
        print(f"compare_with_libvmaf: error: {error}", file=sys.stderr)
        return 2
    versions = {model.name or "vmaf": model.version for model in models_for_scores}
    lines, ok = compare(scores.frames, scores.pooled, vmafref_json, versions, args.frames)
    print(f"libvmaf {scores.version} vs {vmafref_json.get('version', 'vmafref')}: {len(scores.frames)} frames, "
          f"{len(scores.frames[0]) if scores.frames else 0} keys")
    print("\n".join(lines))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
