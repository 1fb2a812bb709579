"""``vmafref conformance``: compare a libvmaf build with vmafref on given pairs (specs/conformance.md)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from vmafref.cli.exit_status import EXIT_ERROR, EXIT_FAILED, EXIT_OK, describe_error

__all__ = ["register", "run_conformance_command"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "conformance", add_help=False,
        help="score pairs with a libvmaf build and with vmafref, compare every value, explain differences",
        description="Score each pair with libvmaf (its `vmaf` tool or its library) and with vmafref (same --model/--feature flags), "
                    "compare frame by frame and key by key under the golden tolerances, and explain the "
                    "differences (specs/conformance.md). Exit status: 0 conformant, 1 unexplained "
                    "differences, 2 bad input.")
    parser.add_argument("--help", action="help", help="show this help and exit")
    parser.add_argument("--libvmaf", required=True, metavar="BIN|LIB",
                        help="libvmaf's command-line tool (`vmaf`), or its shared library (`libvmaf.so…`), "
                             "driven through its C API at full precision")
    parser.add_argument("-r", "--reference", action="append", default=[], help="reference clip (repeatable)")
    parser.add_argument("-d", "--distorted", action="append", default=[],
                        help="distorted clip; the Nth -d pairs with the Nth -r")
    parser.add_argument("--pairs", metavar="FILE", action="append", default=[],
                        help="a list of pairs, one a line: REF DIS [-w W -h H -p P -b B] [--frame_cnt N]")
    parser.add_argument("-w", "--width", type=int, help="width of raw YUV pairs")
    parser.add_argument("-h", "--height", type=int, help="height of raw YUV pairs")
    parser.add_argument("-p", "--pixel_format", choices=("420", "422", "444"), help="chroma subsampling")
    parser.add_argument("-b", "--bitdepth", type=int, choices=(8, 10, 12, 16), help="bit depth")
    parser.add_argument("--frame_cnt", type=int, help="compare at most this many frames of each pair")
    parser.add_argument("-m", "--model", action="append", default=[], metavar="version=NAME[:opt…]",
                        help="libvmaf --model syntax, given to both (repeatable; default version=vmaf_v0.6.1)")
    parser.add_argument("--feature", action="append", default=[], metavar="NAME[=opt=val…]",
                        help="libvmaf --feature syntax, given to both (repeatable)")
    parser.add_argument("-n", "--no_prediction", action="store_true", help="compare features only")
    parser.add_argument("--cpumask", type=lambda text: int(text, 0), metavar="BITMASK",
                        help="libvmaf's --cpumask for its run (255: its plain C path, vmafref's reference); "
                             "default: none, libvmaf picks its SIMD paths")
    parser.add_argument("--no-explain", dest="explain", action="store_false",
                        help="only compare; do not re-run anything to explain differences")
    parser.add_argument("--strict", action="store_true", help="explained differences fail too (exit status 1)")
    parser.add_argument("--json-out", metavar="PATH", help="write the full report as JSON")
    parser.add_argument("--timeout", type=float, help="seconds one libvmaf run may take")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(handler=run_conformance_command)


def run_conformance_command(args: argparse.Namespace) -> int:
    from vmafref.conformance import ConformanceError, Pair, read_pair_list, run_conformance

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"vmafref conformance: {message}", file=sys.stderr, flush=True)

    try:
        if len(args.reference) != len(args.distorted):
            raise ConformanceError(f"{len(args.reference)} -r but {len(args.distorted)} -d: give them in pairs")
        if args.frame_cnt is not None and args.frame_cnt <= 0:
            raise ConformanceError("--frame_cnt must be positive")
        defaults = Pair("", "", args.width, args.height, args.pixel_format, args.bitdepth, args.frame_cnt)
        pairs = [Pair(r, d, args.width, args.height, args.pixel_format, args.bitdepth, args.frame_cnt)
                 for r, d in zip(args.reference, args.distorted)]
        for path in args.pairs:
            pairs += read_pair_list(path, defaults)
        if not pairs:
            raise ConformanceError("no pair to compare: give -r REF -d DIS or --pairs FILE")
        report = run_conformance(args.libvmaf, pairs, models=args.model, features=args.feature,
                                 no_prediction=args.no_prediction, cpumask=args.cpumask, strict=args.strict,
                                 explain=args.explain, progress=progress, timeout=args.timeout)
    except (ConformanceError, OSError, ValueError) as error:
        print(f"vmafref conformance: error: {describe_error(error)}", file=sys.stderr)
        return EXIT_ERROR
    print(report.summary())
    if args.json_out:
        try:
            with open(args.json_out, "w") as handle:
                json.dump(report.as_json(), handle, indent=1)
                handle.write("\n")
        except OSError as error:
            print(f"vmafref conformance: error: cannot write --json-out: {describe_error(error)}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_OK if report.conformant else EXIT_FAILED
