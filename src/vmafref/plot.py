"""``vmafref plot``: per-frame curves of libvmaf or vmafref JSON files, as PNG or SVG.

Reads libvmaf's JSON layout (``frames[i].frameNum``, ``frames[i].metrics{...}``,
``pooled_metrics{metric: {min, max, mean, harmonic_mean}}``), which ``vmafref score --json``
writes too; draws one panel per chosen metric with one curve per file, the pooled mean in
the legend. The image bytes depend only on the inputs and the installed matplotlib: Agg
renders it, the PNG carries no software tag and the SVG no date, and SVG element ids come
from a fixed salt.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vmafref.cli.exit_status import EXIT_ERROR, describe_error

__all__ = ["PlotError", "Series", "load_series", "plot_series", "register", "run_plot"]

#: Output formats by file extension.
FORMATS = {".png": "png", ".svg": "svg"}
#: Largest JSON read (a 1080p hour of libvmaf per-frame output is tens of megabytes).
MAX_JSON_BYTES = 1 << 30


class PlotError(ValueError):
    """An input or option ``vmafref plot`` cannot use; reported in one line, exit status 2."""


@dataclass(frozen=True)
class Series:
    """One file's per-frame values of one metric, and its pooled mean."""

    label: str
    metric: str
    frames: tuple[int, ...]
    values: tuple[float, ...]
    mean: float


def _read_document(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise PlotError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PlotError(f"{path}: is a directory, not a JSON file") from None
    if len(raw) > MAX_JSON_BYTES:
        raise PlotError(f"{path}: larger than {MAX_JSON_BYTES >> 20} MiB")
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PlotError(f"{path}: not UTF-8 text, not a libvmaf JSON file") from None
    except json.JSONDecodeError as error:
        raise PlotError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise PlotError(f"{path}: nested too deeply to be a libvmaf JSON file") from None
    if not isinstance(document, dict):
        raise PlotError(f"{path}: holds a JSON {type(document).__name__}, not libvmaf's object")
    return document


def _number(value: Any) -> float | None:
    """A per-frame value as a float; ``null`` (libvmaf's NaN) and non-numbers as ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def load_series(path: str, metrics: Sequence[str], label: str | None = None) -> list[Series]:
    """The chosen ``metrics`` of one libvmaf-layout JSON file, one :class:`Series` each.

    Raises :class:`PlotError` for a missing or unreadable file, non-JSON, a document without a
    non-empty ``frames`` list of ``{"metrics": {...}}`` objects, or a metric no frame holds. The
    mean is ``pooled_metrics[metric].mean`` when the file has it, else the mean of the frames.
    """
    document = _read_document(path)
    frames = document.get("frames")
    if not isinstance(frames, list) or not frames:
        raise PlotError(f"{path}: no per-frame values (a libvmaf JSON file has a non-empty 'frames' list)")
    rows = []
    for position, frame in enumerate(frames):
        if not isinstance(frame, dict) or not isinstance(frame.get("metrics"), dict):
            raise PlotError(f"{path}: frames[{position}] has no 'metrics' object")
        number = frame.get("frameNum", position)
        rows.append((number if isinstance(number, int) and not isinstance(number, bool) else position,
                     frame["metrics"]))
    available = sorted({key for _, metrics_of in rows for key in metrics_of})
    pooled = document.get("pooled_metrics") if isinstance(document.get("pooled_metrics"), dict) else {}
    name = label if label is not None else os.path.basename(path)
    out = []
    for metric in metrics:
        points = [(number, _number(values.get(metric))) for number, values in rows if metric in values]
        if not points:
            raise PlotError(f"{path}: no metric {metric!r}; it has {', '.join(available) or 'none'}")
        numbers = tuple(number for number, _ in points)
        values = tuple(math.nan if value is None else value for _, value in points)
        mean = _number((pooled.get(metric) or {}).get("mean")) if isinstance(pooled.get(metric), dict) else None
        if mean is None:
            finite = [value for value in values if math.isfinite(value)]
            mean = sum(finite) / len(finite) if finite else math.nan
        out.append(Series(name, metric, numbers, values, mean))
    return out


def plot_series(series: Sequence[Series], metrics: Sequence[str], output: str, *, title: str | None = None) -> None:
    """Draw one panel per metric, one curve per file, and write ``output`` (PNG or SVG by extension).

    Deterministic bytes: the figure is built without pyplot's global state, rendered by Agg
    (PNG) or the SVG backend, with no date or software metadata and a fixed SVG id salt.
    """
    extension = os.path.splitext(output)[1].lower()
    if extension not in FORMATS:
        raise PlotError(f"{output}: unknown image type {extension or '(none)'!r}; use .png or .svg")
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    style = {"svg.hashsalt": "vmafref", "svg.fonttype": "path", "path.simplify": False}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=(8.0, 2.6 * len(metrics) + 0.6), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
        for ax, metric in zip(axes, metrics):
            for item in (s for s in series if s.metric == metric):
                ax.plot(item.frames, item.values, linewidth=1.2, label=f"{item.label} (mean {item.mean:.4f})")
            ax.set_ylabel(metric)
            ax.grid(True, linewidth=0.4, alpha=0.5)
            ax.legend(loc="best", fontsize="small")
        axes[-1].set_xlabel("frame")
        if title:
            figure.suptitle(title)
        metadata = {"Software": None} if FORMATS[extension] == "png" else {"Date": None, "Creator": None}
        figure.savefig(output, format=FORMATS[extension], metadata=metadata)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plot", help="per-frame curves of libvmaf or vmafref JSON files (PNG or SVG)",
        description="Plot per-frame metrics of one or more libvmaf-layout JSON files (vmafref score --json "
                    "writes the same layout), overlaid, pooled means in the legend.")
    parser.add_argument("inputs", nargs="+", metavar="JSON", help="libvmaf or vmafref JSON output files")
    parser.add_argument("--metric", action="append", default=None, metavar="NAME",
                        help="metric to plot (repeatable; default vmaf), e.g. --metric vmaf --metric integer_adm2")
    parser.add_argument("--label", action="append", default=None, metavar="TEXT",
                        help="legend label of each input, in order (default: the file name)")
    parser.add_argument("--title", help="figure title")
    parser.add_argument("-o", "--output", required=True, help="image to write: .png or .svg")
    parser.set_defaults(handler=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    """Load, check, draw; every ordinary failure is one line on stderr and exit status 2."""
    metrics = list(dict.fromkeys(args.metric or ["vmaf"]))
    labels = args.label or []
    try:
        if labels and len(labels) != len(args.inputs):
            raise PlotError(f"{len(labels)} --label for {len(args.inputs)} inputs; give one per input or none")
        if os.path.splitext(args.output)[1].lower() not in FORMATS:
            raise PlotError(f"{args.output}: unknown image type; use .png or .svg")
        series = []
        for index, path in enumerate(args.inputs):
            series += load_series(path, metrics, labels[index] if labels else None)
        plot_series(series, metrics, args.output, title=args.title)
    except (PlotError, OSError, ValueError) as error:
        print(f"vmafref plot: error: {describe_error(error)}", file=sys.stderr)
        return EXIT_ERROR
    return 0
