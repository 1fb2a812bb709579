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
from typing import Any

from vmafref.cli.exit_status import EXIT_ERROR, EXIT_OK, EXIT_OUTPUT_FAILED, describe_error

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
    parser.add_argument("-r", "--reference", help="reference clip (.yuv or .y4m)")
    parser.add_argument("-d", "--distorted", help="distorted clip (.yuv or .y4m)")
    parser.add_argument("-w", "--width", type=int, help="width (raw YUV; read from the header for Y4M)")
    parser.add_argument("-h", "--height", type=int, help="height")
    parser.add_argument("-p", "--pixel_format", choices=("420", "422", "444"), help="chroma subsampling")
    parser.add_argument("-b", "--bitdepth", type=int, help="8, 10, 12 or 16")
    parser.add_argument("-m", "--model", action="append", default=[], metavar="version=NAME[:opt…]",
                        help="model to predict with (repeatable); default version=vmaf_v0.6.1")
    parser.add_argument("--feature", action="append", default=[], metavar="NAME[=opt=val…]",
                        help="extra feature extractor (repeatable): adm, vif, motion, float_adm, float_vif, float_motion")
    parser.add_argument("-n", "--no_prediction", action="store_true", help="compute features only")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--xml", dest="output_format", action="store_const", const="xml", help="write XML (default)")
    fmt.add_argument("--json", dest="output_format", action="store_const", const="json", help="write JSON")
    fmt.add_argument("--csv", dest="output_format", action="store_const", const="csv", help="write CSV")
    parser.add_argument("-o", "--output", help="output file ('-' for standard output)")
    parser.add_argument("--frame_cnt", type=int, help="score at most this many frames")
    parser.add_argument("--threads", type=int, default=0,
                        help="accepted for libvmaf compatibility; results never depend on it")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar; with -o, no pooled-score lines either")
    parser.add_argument("--example", action="store_true",
                        help="score the bundled example pair (libvmaf's src01 160x90 test clips, 48 frames)")
    parser.add_argument("--tiny-model", action="append", default=[], metavar="NAME|PATH",
                        help="also run a registered tiny network per frame (repeatable)")
    parser.add_argument("--tiny-device", choices=("cpu", "cuda", "auto"), default="cpu",
                        help="onnxruntime device for tiny networks (auto: CUDA when available, else CPU)")
    parser.add_argument("--prefilter", metavar="NAME|PATH",
                        help="filter the distorted luma with a tiny filter network (learned_filter_v1) first")
    parser.set_defaults(handler=run_score, output_format=None)


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
        return _run(args)
    except (CliError, VideoFormatError, ModelError, OutputError, ValueError, OSError,
            RecursionError, RuntimeError) as error:
        # Every ordinary failure is one line and status 2; Ctrl-C reaches vmafref.cli.main (130).
        print(f"vmafref score: error: {describe_error(error)}", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    from vmafref.output import resolve_output_target
    from vmafref.scoring import score

    models = [parse_model_option(m) for m in args.model]
    if not models and not args.no_prediction:
        models = [parse_model_option("version=vmaf_v0.6.1")]
    features = [parse_feature_option(f) for f in args.feature]
    if args.no_prediction and not models and not features:
        raise CliError("--no_prediction with no --model and no --feature computes nothing")
    geometry = {"width": args.width, "height": args.height, "pixel_format": args.pixel_format, "bitdepth": args.bitdepth}

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
        target = resolve_output_target(args.output) if args.output else None
        result = score(reference, distorted, **geometry, models=[] if args.no_prediction else models,
                       features=features + _model_extractors_when_no_prediction(args, models),
                       frame_cnt=args.frame_cnt, progress=not args.quiet, prefilter=prefilter,
                       per_frame_columns=columns)
    # As libvmaf's tools/vmaf.c:407: the pooled scores are printed unless -q and -o are both given;
    # to stderr when the document itself goes to stdout (-o -), which they must not corrupt.
    if not (args.quiet and args.output):
        stream = sys.stderr if target is not None and target.kind == "stdout" else sys.stdout
        for model in ([] if args.no_prediction else models):
            pooled = result.pooled[model.name]["mean"]
            print(f"{model.version}: {pooled!r}", file=stream)
        for column in columns:
            print(f"{column.column_name}: {result.pooled[column.column_name]['mean']!r}", file=stream)
    if args.output:
        return _save(result, args.output, args.output_format or "xml")
    return EXIT_OK


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
    from vmafref.models.runtime import LearnedFilter, TinyModel

    columns = [_NetworkColumn(TinyModel.load(name, device=args.tiny_device)) for name in args.tiny_model]
    names = [column.column_name for column in columns]
    if len(set(names)) != len(names):
        raise CliError(f"--tiny-model given the same network twice ({', '.join(names)})")
    prefilter = LearnedFilter.load(args.prefilter, device=args.tiny_device).apply if args.prefilter else None
    return columns, prefilter
