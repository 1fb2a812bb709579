"""``vmafref score``: libvmaf's command line, answered by vmafref.

The flags are libvmaf's own (``libvmaf/tools/cli_parse.c:34-60``), parsed the same way:
``--model version=NAME|path=P[:name=N][:disable_clip][:enable_transform][:FEX.OPT=VAL…]``
and ``--feature NAME[=opt=val[:opt=val…]]``. See specs/cli.md.
"""

from __future__ import annotations

import argparse
import importlib.resources
import lzma
import os
import shutil
import sys
import tempfile
import warnings
from typing import TYPE_CHECKING, Any

from vmafref.cli.exit_status import EXIT_ERROR, EXIT_OK, EXIT_OUTPUT_FAILED, describe_error
from vmafref.features._float_rcp_table import DEFAULT_RCPSS, RCP_TABLES

if TYPE_CHECKING:  # imported where used: scoring pulls in JAX
    from vmafref.scoring import FeatureRequest, ModelRequest

__all__ = ["register", "parse_model_option", "parse_feature_option", "run_score"]

EXAMPLE_FILES = ("src01_hrc00_160x90_ref.yuv.xz", "src01_hrc01_160x90_dis.yuv.xz")
EXAMPLE_GEOMETRY = {"width": 160, "height": 90, "pixel_format": "420", "bitdepth": 8}


class CliError(ValueError):
    """A command-line value libvmaf would reject too."""


def parse_model_option(text: str) -> "ModelRequest":
    """Parse one ``--model`` value into a :class:`~vmafref.scoring.ModelRequest` (``cli_parse.c:194-260``)."""
    from vmafref.scoring import ModelRequest

    version = path = None
    name = "vmaf"
    disable_clip = enable_transform = False
    overloads: dict[str, dict[str, str]] = {}
    for item in text.split(":"):
        key, _, value = item.partition("=")
        if not _:
            if key in ("disable_clip", "enable_transform"):
                value = "true"
            else:
                raise CliError(f"problem parsing model, bad option string {key!r} in {text!r}")
        if key in ("version", "path") and not value:
            raise CliError(f"--model {text!r}: {key}= is empty; give a built-in version or a model file")
        if key == "version":
            version = value
        elif key == "path":
            path = value
        elif key == "name":
            name = value
        elif key == "disable_clip":
            disable_clip = value == "true"
        elif key == "enable_transform":
            enable_transform = value == "true"
        elif "." in key:
            extractor, _, option = key.partition(".")
            overloads.setdefault(extractor, {})[option] = value
        else:
            raise CliError(f"problem parsing model {text!r}: unknown key {key!r}")
    if (version is None) == (path is None):
        raise CliError(f"--model {text!r} needs exactly one of version=NAME or path=FILE")
    return ModelRequest(version=version or path, name=name, disable_clip=disable_clip,
                        enable_transform=enable_transform, overloads=overloads)


def parse_feature_option(text: str) -> "FeatureRequest":
    """Parse one ``--feature`` value (``cli_parse.c:262-293``)."""
    from vmafref.scoring import FeatureRequest

    name, _, rest = text.partition("=")
    if not name:
        raise CliError(f"--feature {text!r} has no extractor name")
    options: dict[str, str] = {}
    if rest:
        for pair in rest.split(":"):
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise CliError(f"--feature {text!r}: option {pair!r} is not key=value")
            options[key] = value
    return FeatureRequest(name, options)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score", add_help=False,
        help="score a reference/distorted pair with libvmaf's flags and JSON keys",
        description="Compute VMAF and its features as libvmaf f85a8536 does, with libvmaf's flags. "
                    "Values are written at full double precision.")
    parser.add_argument("--help", action="help", help="show this help and exit")
    parser.add_argument("-r", "--reference", help="reference clip (.yuv, .y4m, or a container ffmpeg decodes)")
    parser.add_argument("-d", "--distorted", help="distorted clip (.yuv, .y4m, or a container ffmpeg decodes)")
    parser.add_argument("-w", "--width", type=int, help="width (raw YUV; read from the header for Y4M)")
    parser.add_argument("-h", "--height", type=int, help="height")
    parser.add_argument("-p", "--pixel_format", choices=("420", "422", "444"), help="chroma subsampling")
    parser.add_argument("-b", "--bitdepth", type=int, help="8, 10, 12 or 16")
    parser.add_argument("-m", "--model", action=_InOrder, default=[], metavar="version=NAME[:opt…]",
                        help="model to predict with (repeatable); default version=vmaf_v0.6.1")
    parser.add_argument("--feature", action=_InOrder, default=[], metavar="NAME[=opt=val…]",
                        help="extra feature extractor (repeatable): adm, vif, motion, float_adm, float_vif, float_motion")
    parser.add_argument("--aom_ctc", action=_InOrder, default=[], metavar="VERSION",
                        help="libvmaf's AOM CTC preset (v1.0 … v7.0): models and features it adds")
    parser.add_argument("--nflx_ctc", action=_InOrder, default=[], metavar="VERSION",
                        help="libvmaf's Netflix CTC preset (v1.0)")
    parser.add_argument("-n", "--no_prediction", action="store_true", help="compute features only")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--xml", dest="output_format", action="store_const", const="xml", help="write XML (default)")
    fmt.add_argument("--json", dest="output_format", action="store_const", const="json", help="write JSON")
    fmt.add_argument("--csv", dest="output_format", action="store_const", const="csv", help="write CSV")
    parser.add_argument("-o", "--output", help="output file ('-' for standard output)")
    parser.add_argument("--frame_cnt", type=int, help="score at most this many frames")
    parser.add_argument("--frame_skip_ref", type=_unsigned, default=0, metavar="N",
                        help="skip the first N frames of the reference")
    parser.add_argument("--frame_skip_dist", type=_unsigned, default=0, metavar="N",
                        help="skip the first N frames of the distorted clip")
    parser.add_argument("--subsample", type=_unsigned, default=0, metavar="N",
                        help="score only every Nth frame (frames 0, N, 2N, …; 0 and 1: every frame)")
    parser.add_argument("--allow_length_mismatch", action="store_true",
                        help="clips of different lengths: warn and score the common frames, as libvmaf "
                             "does (default: an error)")
    parser.add_argument("--threads", type=_unsigned, default=0, metavar="N",
                        help="score N frames at once (0 and 1: one): on a CPU, vmafref's frame-independent "
                             "extractors in N worker processes; the values never depend on it")
    parser.add_argument("--cpumask", type=_unsigned, default=None, metavar="BITMASK",
                        help="accepted for libvmaf compatibility; vmafref always computes libvmaf's C path, "
                             "and warns where the SIMD path this mask leaves libvmaf differs from it "
                             "(specs/integer_adm.md §9)")
    parser.add_argument("--gpumask", type=_unsigned, default=0, metavar="BITMASK",
                        help="accepted for libvmaf compatibility; vmafref has no GPU path")
    parser.add_argument("--libvmaf-convention", default="f85a8536", metavar="NAME",
                        help="reproduce another libvmaf's arithmetic: f85a8536 (default, the reference) or v3.0 "
                             "(libvmaf v3.0.0's motion, float motion and float VIF; specs/cli.md)")
    parser.add_argument("--rcpss", default=DEFAULT_RCPSS, choices=tuple(RCP_TABLES),
                        help="CPU family whose rcpss reciprocal estimates libvmaf's float ADM divided with: "
                             "intel (default, fixed whatever this CPU is) or amd (specs/float_adm.md §4)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar; with -o, no pooled-score lines either (both appear only "
                             "when stderr is a terminal)")
    parser.add_argument("-v", "--version", action="store_true",
                        help="print the version (and the libvmaf commit reproduced) and exit")
    parser.add_argument("--example", action="store_true",
                        help="score the bundled example pair (libvmaf's src01 160x90 test clips, 48 frames)")
    parser.add_argument("--batch", metavar="LIST",
                        help="score many pairs in one process: LIST has one pair a line, given by the flags "
                             "of a 'vmafref score' of its own (each with its -o); compiled stages are shared "
                             "by pairs of the same shape ('-' reads standard input)")
    parser.add_argument("--tiny-model", action="append", default=[], metavar="NAME|PATH",
                        help="also run a registered tiny network per frame (repeatable)")
    parser.add_argument("--tiny-device", choices=("cpu", "cuda", "auto"), default="cpu",
                        help="onnxruntime device for tiny networks (auto: CUDA when available, else CPU)")
    parser.add_argument("--prefilter", metavar="NAME|PATH",
                        help="filter the distorted luma with a tiny filter network (learned_filter_v1) first")
    parser.set_defaults(handler=run_score, output_format=None, requests=[])


class _InOrder(argparse.Action):
    """Append to ``dest`` and to ``requests``: libvmaf applies -m, --feature and the CTC
    presets in command-line order (cli_parse.c:496-533), and that order is the key order."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.append(values)
        setattr(namespace, self.dest, items)
        requests = list(getattr(namespace, "requests", None) or [])
        requests.append((self.dest, values))
        namespace.requests = requests


def _unsigned(text: str) -> int:
    """libvmaf's ``parse_unsigned`` (``strtoul(text, &end, 0)``: decimal, 0x hex, 0 octal),
    without its wrap-around of negative numbers."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an unsigned integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; an unsigned integer is needed")
    return value


def _example_paths(directory: str) -> tuple[str, str]:
    paths = []
    for name in EXAMPLE_FILES:
        resource = importlib.resources.files("vmafref") / "data" / "example" / name
        target = os.path.join(directory, name[: -len(".xz")])
        with resource.open("rb") as compressed, lzma.open(compressed) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
        paths.append(target)
    return paths[0], paths[1]


def run_score(args: argparse.Namespace) -> int:
    from vmafref.io import VideoFormatError
    from vmafref.output import OutputError
    from vmafref.vmaf_model import ModelError

    try:
        if getattr(args, "batch", None):
            return _run_batch(args)
        return _run(args)
    except (CliError, VideoFormatError, ModelError, OutputError, ValueError, OSError,
            RecursionError, RuntimeError) as error:
        # Every ordinary failure is one line and status 2; Ctrl-C reaches vmafref.cli.main (130).
        print(f"vmafref score: error: {describe_error(error)}", file=sys.stderr)
        return EXIT_ERROR


class _LineParser(argparse.ArgumentParser):
    """The score parser for one --batch line: a bad line is an error of that line, not an exit."""

    def error(self, message: str):
        raise CliError(message)


def _run_batch(args: argparse.Namespace) -> int:
    """``--batch LIST``: each line's flags scored in this process, in order (specs/cli.md).

    Blank lines and lines starting with ``#`` are skipped. A failing line prints
    ``vmafref score: error: LIST:N: …`` and the others still run; the status is the worst one.
    """
    import shlex

    from vmafref.io import VideoFormatError
    from vmafref.output import OutputError
    from vmafref.vmaf_model import ModelError

    alone = [flag for flag, given in (("-r", args.reference), ("-d", args.distorted), ("--example", args.example),
                                      ("-o", args.output)) if given]
    if alone:
        raise CliError(f"--batch takes every pair's flags from its list; do not also give {', '.join(alone)}")
    if args.batch == "-":
        lines = sys.stdin.read().splitlines()
    else:
        with open(args.batch, encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    parsers = argparse.ArgumentParser(add_help=False).add_subparsers()
    register(parsers)
    line_parser = parsers.choices["score"]
    line_parser.__class__ = _LineParser
    worst = EXIT_OK
    jobs = 0
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        jobs += 1
        try:
            line_args = line_parser.parse_args(shlex.split(line))
            if line_args.batch:
                raise CliError("--batch inside a batch list")
            if line_args.quiet is False and args.quiet:
                line_args.quiet = True
            if not line_args.threads:  # the list's --threads for the lines that give none
                line_args.threads = args.threads
            status = _run(line_args)
        except (CliError, VideoFormatError, ModelError, OutputError, ValueError, OSError,
                RecursionError, RuntimeError) as error:
            print(f"vmafref score: error: {args.batch}:{number}: {describe_error(error)}", file=sys.stderr)
            status = EXIT_ERROR
        worst = max(worst, status)
    if not jobs:
        raise CliError(f"--batch {args.batch}: no pair to score")
    return worst


def _requests(args: argparse.Namespace) -> tuple[list, list]:
    """Models and features in command-line order, presets expanded (cli_parse.c:496-533, 562-572)."""
    from vmafref.cli.presets import preset

    models, features = [], []
    for dest, value in getattr(args, "requests", None) or []:
        if dest == "model":
            models.append(parse_model_option(value))
        elif dest == "feature":
            features.append(parse_feature_option(value))
        else:
            try:
                chosen = preset(f"--{dest}", value)
            except ValueError as error:
                raise CliError(str(error)) from None
            _check_preset(chosen)
            models += [parse_model_option(text) for text in chosen.models]
            features += [parse_feature_option(text) for text in chosen.features]
    if not models and not args.no_prediction:
        models = [parse_model_option("version=vmaf_v0.6.1")]
    return models, features


def _check_preset(chosen: Any) -> None:
    """Refuse a preset vmafref cannot run whole, naming what is missing and what it can run."""
    from vmafref.cli.presets import missing_extractors
    from vmafref.features import EXTRACTOR_MODULES

    missing = missing_extractors(chosen, frozenset(EXTRACTOR_MODULES))
    if not missing and not chosen.common_bitdepth:
        return
    reasons = []
    if missing:
        reasons.append(f"its features {', '.join(missing)} are not implemented in vmafref")
    if chosen.common_bitdepth:
        reasons.append("it scores clips of different bit depths, which vmafref refuses")
    vmaf_part = " ".join(f"-m {model}" for model in chosen.models)
    raise CliError(f"{chosen.flag} {chosen.version} cannot be run: {'; '.join(reasons)}. "
                   f"Its VMAF models alone: {vmaf_part}")


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _run(args: argparse.Namespace) -> int:
    from vmafref.output import VERSION_STRING, resolve_output_target
    from vmafref.scoring import score

    if args.version:
        print(VERSION_STRING, file=sys.stderr)  # to stderr, as libvmaf's -v (cli_parse.c:538-540)
        return EXIT_OK
    models, features = _requests(args)
    if args.no_prediction and not models and not features:
        raise CliError("--no_prediction with no --model and no --feature computes nothing")
    geometry = {"width": args.width, "height": args.height, "pixel_format": args.pixel_format, "bitdepth": args.bitdepth}
    # libvmaf draws its progress line and prints pooled scores only on a terminal
    # (tools/vmaf.c:90,370,407); a script reads the -o document.
    terminal = _stderr_is_terminal()

    columns, prefilter = _tiny_networks(args)
    with tempfile.TemporaryDirectory(prefix="vmafref-example-") as scratch:
        if args.example:
            if args.reference or args.distorted:
                raise CliError("--example scores the bundled pair; do not also give -r/-d")
            reference, distorted = _example_paths(scratch)
            geometry = dict(EXAMPLE_GEOMETRY)
        else:
            if not args.reference or not args.distorted:
                raise CliError("both -r/--reference and -d/--distorted are required (or --example)")
            reference, distorted = args.reference, args.distorted
        if args.frame_cnt is not None and args.frame_cnt <= 0:
            raise CliError("--frame_cnt must be positive")
        # A path that can never be written fails now, not after the scoring (specs/cli.md).
        if args.output:
            resolve_output_target(args.output)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = score(reference, distorted, **geometry, models=[] if args.no_prediction else models,
                           features=features + _model_extractors_when_no_prediction(args, models),
                           frame_cnt=args.frame_cnt, progress=terminal and not args.quiet, prefilter=prefilter,
                           per_frame_columns=columns, subsample=max(args.subsample, 1),
                           skip_ref=args.frame_skip_ref, skip_dis=args.frame_skip_dist,
                           allow_length_mismatch=args.allow_length_mismatch,
                           libvmaf_convention=args.libvmaf_convention, rcpss=args.rcpss, threads=args.threads)
    for warning in caught:  # libvmaf prints '"X" ended before "Y".' whatever stderr is
        print(f"vmafref score: warning: {warning.message}", file=sys.stderr)
    simd_note = _simd_cpumask_note(args.cpumask, result)
    if simd_note:
        print(f"vmafref score: warning: {simd_note}", file=sys.stderr)
    if terminal and not (args.quiet and args.output):
        for model in ([] if args.no_prediction else models):
            print(f"{model.version}: {result.pooled[model.name]['mean']!r}", file=sys.stderr)
        for model in ([] if args.no_prediction else models):
            bootstrap = [result.pooled.get(model.name + suffix, {}).get("mean")
                         for suffix in ("_bagging", "_ci_p95_lo", "_ci_p95_hi", "_stddev")]
            if None not in bootstrap:  # a model collection (tools/vmaf.c:415-433)
                print(f"{model.version}: {bootstrap[0]!r}, ci.p95: [{bootstrap[1]!r}, {bootstrap[2]!r}], "
                      f"stddev: {bootstrap[3]!r}", file=sys.stderr)
        for column in columns:
            print(f"{column.column_name}: {result.pooled[column.column_name]['mean']!r}", file=sys.stderr)
    if args.output:
        return _save(result, args.output, args.output_format or "xml")
    return EXIT_OK


def _simd_cpumask_note(cpumask: int | None, result: Any) -> str | None:
    """Where libvmaf run with ``--cpumask`` would compute the integer ADM differently: its x86
    kernels are AVX-512 unless bit 16 is set, else AVX2 unless bit 8 is set (libvmaf.c:122,
    integer_adm.c:3080-3109); see specs/integer_adm.md §9."""
    from vmafref.features.integer_adm import simd_tail_scale

    if cpumask is None or not any(key.startswith("integer_adm") for key in result.keys):
        return None
    kernel = "avx512" if not cpumask & 16 else "avx2" if not cpumask & 8 else None
    scale = simd_tail_scale(result.width, kernel) if kernel else None
    if scale is None:
        return None
    return (f"libvmaf with --cpumask {cpumask} uses its {kernel.upper()} integer ADM, which at width "
            f"{result.width} differs from its C code from scale {scale} on; vmafref computes the C path "
            "(libvmaf's --cpumask 255)")


def _save(result: Any, path: str, output_format: str) -> int:
    """Write the document; if that fails, keep it anyway and say where (specs/cli.md, exit 3)."""
    from vmafref.output import render, resolve_output_target, write_fallback, write_text

    text = render(result, output_format)
    try:
        write_text(text, path)
        return EXIT_OK
    except OSError as error:
        failure = error
    try:
        failed = resolve_output_target(path)
    except OSError:
        failed = None
    try:
        where = write_fallback(text, failed, suffix=f".{output_format}")
    except OSError as error:
        print(f"vmafref score: error: {failure}; the scores were computed but could not be saved "
              f"anywhere either: {error}", file=sys.stderr)
        return EXIT_OUTPUT_FAILED
    print(f"vmafref score: error: {failure}; the scores were computed and the document was written "
          f"to {where} instead", file=sys.stderr)
    return EXIT_OUTPUT_FAILED


def _model_extractors_when_no_prediction(args: argparse.Namespace, models: list) -> list:
    """With ``-n``, a given model still registers its extractors, as libvmaf does."""
    if not args.no_prediction:
        return []
    from vmafref.scoring import FeatureRequest

    return [FeatureRequest(name, options) for model in models for name, options in model.load().extractor_requests()]


class _NetworkColumn:
    """A tiny network as a per-frame column of the scorer (specs/cli.md).

    FR regressors wait until every feature they read is final for the frame (motion2 is
    published a frame late); NR models only need the distorted luma.
    """

    def __init__(self, model: Any):
        self.model = model
        self.column_name = model.column_name
        self.required_features = tuple(model.feature_order) if model.kind == "fr" else ()

    def score_frame(self, dis_luma: Any, bitdepth: int, features: Any) -> float:
        return self.model.score_frame(dis_luma, bitdepth, features)


def _tiny_networks(args: argparse.Namespace) -> tuple[list, Any]:
    if not args.tiny_model and not args.prefilter:
        return [], None
    from vmafref.models.release.runtime import LearnedFilter, TinyModel

    columns = [_NetworkColumn(TinyModel.load(name, device=args.tiny_device)) for name in args.tiny_model]
    names = [column.column_name for column in columns]
    if len(set(names)) != len(names):
        raise CliError(f"--tiny-model given the same network twice ({', '.join(names)})")
    prefilter = LearnedFilter.load(args.prefilter, device=args.tiny_device).apply if args.prefilter else None
    return columns, prefilter
