"""``vmafref corpus``: fr-from-nr, build, validate. See specs/corpus/corpus.md §6."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    corpus = subparsers.add_parser("corpus", help="build and check full-reference training corpora",
                                   description="Build and check full-reference training corpora.")
    commands = corpus.add_subparsers(dest="corpus_command", metavar="COMMAND")
    corpus.set_defaults(handler=lambda args: (corpus.print_help(sys.stderr), 2)[1])

    adapter = commands.add_parser("fr-from-nr", help="turn no-reference uploads (+MOS) into FR rows over a CRF sweep")
    adapter.add_argument("--input", required=True, help="JSONL of NR rows ({'src': path, 'mos': ..., ...})")
    adapter.add_argument("--output", required=True, help="corpus file to write (.jsonl or .parquet)")
    adapter.add_argument("--crf", type=int, nargs="+", action="extend",
                         help="CRF sweep: --crf 22 30 38 or --crf 22 --crf 30 ... (default 18 23 28 33 38)")
    adapter.add_argument("--encoder", default="libx264", help="ffmpeg encoder or alias (x264, x265, vp9, av1, aom)")
    adapter.add_argument("--preset", help="encoder preset / cpu-used (default: the encoder's own default)")
    adapter.add_argument("--scorer", default="vmafref",
                         help="'vmafref' (in-process) or a libvmaf-compatible command (vmaf binary path, 'vmafref score')")
    adapter.add_argument("--base-dir", help="folder relative 'src' paths are taken from (default: the input's folder)")
    adapter.add_argument("--scratch-dir", help="folder for intermediate files (default: the system temp folder)")
    adapter.add_argument("--keep-intermediate-yuv", action="store_true", help="keep each decoded reference YUV")
    adapter.set_defaults(handler=_fr_from_nr)

    build = commands.add_parser("build", help="build (or resume) a corpus preset")
    build.add_argument("--preset", default="public",
                       help="preset name: resource (real clips, the tiny networks' training inputs), public, tiny")
    build.add_argument("--resource-root", help="resource preset: a clone of https://github.com/Netflix/vmaf_resource")
    build.add_argument("--check", metavar="DIR",
                       help="resource preset: compare the result with the pinned inputs in DIR "
                            "(default: the repository's model/tiny/training; 'none' skips the comparison)")
    build.add_argument("--out", required=True, help="output folder; run again with the same arguments to resume")
    build.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local process pool")
    build.add_argument("--workers", type=int, help="local pool size (default: CPU count)")
    build.add_argument("--scorer", default="vmafref", help="'vmafref' or a libvmaf-compatible command")
    build.add_argument("--retries", type=int, default=1, help="retries per failed cell (default 1)")
    build.add_argument("--max-new-rows", type=int, help="stop after this many new rows (build in chunks)")
    build.add_argument("--parquet", action="store_true", help="also write corpus.parquet")
    build.add_argument("--no-progress", action="store_true", help="no progress bar")
    build.set_defaults(handler=_build)

    validate = commands.add_parser("validate", help="check corpus files against the row schema")
    validate.add_argument("files", nargs="+", metavar="FILE", help=".jsonl or .parquet corpus files")
    validate.set_defaults(handler=_validate)


def _fr_from_nr(args: argparse.Namespace) -> int:
    from vmafref.corpus.fr_from_nr import DEFAULT_CRF_SWEEP, AdapterRunError, NrInputRow, NrToFrAdapter
    from vmafref.corpus.rows import atomic_write_text, dumps_row, validate_row, write_parquet

    input_path = Path(args.input)
    base_dir = Path(args.base_dir) if args.base_dir else input_path.parent
    nr_rows = []
    with open(input_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    nr_rows.append(NrInputRow.from_dict(json.loads(line), base_dir=base_dir))
                except (ValueError, KeyError) as error:
                    print(f"error: {input_path}:{number}: {error}", file=sys.stderr)
                    return 2
    try:
        adapter = NrToFrAdapter(crf_sweep=tuple(args.crf or DEFAULT_CRF_SWEEP), preset=args.preset,
                                encoder=args.encoder, scratch_dir=Path(args.scratch_dir) if args.scratch_dir else None,
                                keep_intermediate_yuv=args.keep_intermediate_yuv, scorer=args.scorer)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    status = 0
    try:
        for row in adapter.run_many(nr_rows):
            rows.append(row)
    except AdapterRunError as error:
        print(f"error: {error}", file=sys.stderr)
        status = 1
    output = Path(args.output)
    if str(output).endswith((".parquet", ".pq")):
        write_parquet(output, rows)
    else:
        for row in rows:
            validate_row(row, where=row["row_key"])
        atomic_write_text(output, "".join(dumps_row(row) + "\n" for row in rows))
    print(f"wrote {len(rows)} rows from {len(nr_rows)} sources to {output}")
    return status


def _build(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    if args.preset == "resource":
        return _build_resource(args)
    from vmafref.corpus.build import build
    try:
        summary = build(args.preset, args.out, scorer=args.scorer, workers=args.workers, scheduler=args.scheduler,
                        retries=args.retries, max_new_rows=args.max_new_rows, progress=not args.no_progress,
                        parquet=args.parquet)
    except ValueError as error:  # unknown preset, a folder holding another build, a bad encoder setting
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{summary.preset}: {summary.resumed} rows already done, {summary.completed} new, "
          f"{len(summary.failed)} failed of {summary.planned} planned ({summary.backend}, {summary.elapsed_s:.1f} s)")
    if summary.manifest_repaired:
        print("manifest.jsonl held torn or unreadable lines; rewritten without them")
    if summary.redone:
        print(f"redone {len(summary.redone)} row file(s) that did not hash to their manifest record: "
              f"{', '.join(summary.redone[:5])}{' ...' if len(summary.redone) > 5 else ''}")
    if summary.skipped_encoders:
        print(f"skipped encoders missing from this ffmpeg: {', '.join(summary.skipped_encoders)}")
    for failure in summary.failed:
        print(f"  failed {failure['row_key']} at {failure['step']}: {failure['error']}", file=sys.stderr)
    print(f"corpus: {os.path.join(summary.out_dir, summary.corpus)}")
    return 0 if summary.ok else 1


def _build_resource(args: argparse.Namespace) -> int:
    """The real-content corpus (specs/corpus/resource_corpus.md): build, then compare with the
    pinned training inputs and say what differs. Exit 0 when identical, 1 when the build
    differs from the pin, 2 on bad arguments or a missing source."""
    from vmafref.corpus import training_inputs as ti
    from vmafref.corpus.distortions import DistortionError
    from vmafref.corpus.resource import SourceUnavailableError
    from vmafref.corpus.resource_build import build_resource_corpus, compare_with_pinned

    if not args.resource_root:
        print("error: --preset resource needs --resource-root DIR (git clone https://github.com/Netflix/vmaf_resource)",
              file=sys.stderr)
        return 2
    if not Path(args.resource_root).is_dir():
        print(f"error: --resource-root {args.resource_root} is not a folder", file=sys.stderr)
        return 2
    try:
        built = build_resource_corpus(args.resource_root, args.out, workers=args.workers or os.cpu_count() or 1,
                                      progress=not args.no_progress)
    except (SourceUnavailableError, DistortionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"resource: {len(built['sources'])} sources, {built['rows']} feature rows -> {args.out}")
    if args.check == "none":
        return 0
    pinned_dir = Path(args.check) if args.check else ti.default_training_dir()
    try:
        pinned = ti.read_manifest(pinned_dir, verify=True)
    except ti.TrainingInputError as error:
        print(f"cannot compare with the pinned inputs: {error}", file=sys.stderr)
        return 1
    differences = compare_with_pinned(built, pinned)
    if not differences:
        print(f"identical to the pinned training inputs in {pinned_dir}")
        return 0
    print(f"differs from the pinned training inputs in {pinned_dir}:")
    for line in differences:
        print(f"  {line}")
    return 1


def _validate(args: argparse.Namespace) -> int:
    from vmafref.corpus.rows import CorpusRowError, read_rows

    status = 0
    for path in args.files:
        seen: dict[str, int] = {}
        try:
            count = 0
            for count, row in enumerate(read_rows(path), start=1):
                key = row["row_key"]
                if key in seen:
                    raise CorpusRowError(f"{path}: row {count} repeats row_key {key!r} (first at row {seen[key]})")
                seen[key] = count
        except (CorpusRowError, OSError, UnicodeDecodeError, RecursionError) as error:
            print(f"invalid: {error}", file=sys.stderr)
            status = 1
            continue
        except Exception as error:  # a damaged Parquet file: pyarrow raises its own error types
            if type(error).__module__.split(".")[0] != "pyarrow":
                raise
            print(f"invalid: {path}: not a readable Parquet file ({error})", file=sys.stderr)
            status = 1
            continue
        print(f"{path}: {count} valid rows")
    return status
