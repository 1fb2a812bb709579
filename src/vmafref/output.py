"""libvmaf's output schemas (JSON, XML, CSV) at full double precision.

Layout and key names follow ``libvmaf/src/output.c`` (``vmaf_write_output_json`` :160-300,
``_xml`` :70-158, ``_csv`` :304-345); every number is printed with the shortest string that
round-trips to the same double (Python's ``repr``) instead of libvmaf's ``%.6f``, and NaN or
infinity become ``null`` as there. See specs/score.md §7.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any
from xml.sax.saxutils import quoteattr

from vmafref import __version__
from vmafref.pooling import POOLING_METHODS
from vmafref.scoring import ScoreResult

__all__ = ["format_number", "to_json", "to_xml", "to_csv", "write_output", "VERSION_STRING"]

#: Written where libvmaf writes ``vmaf_version()``.
VERSION_STRING = f"vmafref {__version__} (libvmaf f85a8536)"


def format_number(value: float) -> str:
    """Shortest round-trip decimal for a finite double, ``null`` otherwise."""
    value = float(value)
    if not math.isfinite(value):
        return "null"
    return repr(value)


def _fps_text(result: ScoreResult) -> str:
    fps = result.fps
    return "null" if not math.isfinite(fps) else format_number(round(fps, 2))


def to_json(result: ScoreResult) -> str:
    lines = ["{", f'  "version": {json.dumps(VERSION_STRING)},', f'  "fps": {_fps_text(result)},', '  "frames": [']
    frame_blocks = []
    for index, row in enumerate(result.frames):
        keys = [k for k in result.keys if k in row]
        metrics = ",\n".join(f"        {json.dumps(k)}: {format_number(row[k])}" for k in keys)
        frame_blocks.append(f'    {{\n      "frameNum": {index},\n      "metrics": {{\n{metrics}\n      }}\n    }}')
    lines.append(",\n".join(frame_blocks))
    lines.append("  ],")
    pooled_blocks = []
    for key in result.keys:
        if key not in result.pooled:
            continue
        methods = ",\n".join(f'      "{m}": {format_number(result.pooled[key][m])}' for m in POOLING_METHODS)
        pooled_blocks.append(f"    {json.dumps(key)}: {{\n{methods}\n    }}")
    lines.append('  "pooled_metrics": {')
    lines.append(",\n".join(pooled_blocks))
    lines.append("  },")
    aggregate = ",\n".join(f"    {json.dumps(k)}: {format_number(v)}" for k, v in result.aggregate.items())
    lines.append('  "aggregate_metrics": {' + (f"\n{aggregate}\n  " if aggregate else "") + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_xml(result: ScoreResult) -> str:
    out = [f"<VMAF version={quoteattr(VERSION_STRING)}>",
           f'  <params qualityWidth="{result.width}" qualityHeight="{result.height}" />',
           f'  <fyi fps="{_fps_text(result)}" />', "  <frames>"]
    for index, row in enumerate(result.frames):
        attrs = " ".join(f'{k}="{format_number(row[k])}"' for k in result.keys if k in row)
        out.append(f'    <frame frameNum="{index}" {attrs} />')
    out.append("  </frames>")
    out.append("  <pooled_metrics>")
    for key in result.keys:
        if key in result.pooled:
            attrs = " ".join(f'{m}="{format_number(result.pooled[key][m])}"' for m in POOLING_METHODS)
            out.append(f'    <metric name="{key}" {attrs} />')
    out.append("  </pooled_metrics>")
    aggregate = " ".join(f'{k}="{format_number(v)}"' for k, v in result.aggregate.items())
    out.append(f"  <aggregate_metrics {aggregate}/>" if aggregate else "  <aggregate_metrics />")
    out.append("</VMAF>")
    return "\n".join(out) + "\n"


def to_csv(result: ScoreResult) -> str:
    out = ["Frame," + "".join(f"{k}," for k in result.keys)]
    for index, row in enumerate(result.frames):
        out.append(f"{index}," + "".join(f"{format_number(row[k])}," for k in result.keys if k in row))
    return "\n".join(out) + "\n"


_WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv}


def write_output(result: ScoreResult, path: str, output_format: str = "xml") -> None:
    """Write ``result`` to ``path`` atomically (``-`` writes to standard output)."""
    try:
        text = _WRITERS[output_format](result)
    except KeyError:
        raise ValueError(f"unknown output format {output_format!r}; use one of {', '.join(_WRITERS)}") from None
    if path == "-":
        import sys
        sys.stdout.write(text)
        return
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp", encoding="utf-8")
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, path)
    except BaseException:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
        raise


def load_json(path: str) -> dict[str, Any]:
    """Read a libvmaf-schema JSON file (vmafref's or libvmaf's own)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
