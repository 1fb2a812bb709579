r"""``vmafref audit``: rebuild registry entries in fresh processes and compare sha256 file by file.

For each audited model the parent process starts a **fresh** Python process whose first action
is :func:`vmafref.models.training.determinism.pin_process_for_determinism` (one CPU, CPU platform, fixed
XLA ISA ceiling), before numpy or jax is imported (``python -m vmafref.models.training.pinned rebuild``);
it then runs this module's child entry. The child rebuilds the entry's files into a
temporary folder and reports their sha256; the parent compares them with the registry pins
and reports every file as ``match`` or ``MISMATCH``. Any mismatch (or a child that fails)
makes the audit fail.

Two rebuild sources (specs/models/audit.md §2):

* ``training`` (default): replay the recorded training provenance: read the pinned training
  inputs (``model/tiny/training``, checked against their manifest; smoke entries regenerate
  theirs from the recorded seed), retrain (LOSO folds and final fit), export, quantise, calibrate and write the
  sidecar with the recorded invocation. Checks the parameters file, the fp32 ONNX, the int8
  twin and the sidecar.
* ``params``: start from the committed parameters file (verified against its pin), export
  and quantise. Checks the fp32 ONNX and the int8 twin.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import queue
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from vmafref.models.release.registry import default_registry_path, find_entry, read_registry

__all__ = ["SOURCES", "FileCheck", "AuditReport", "audit", "rebuild_in_fresh_process", "format_report"]

SOURCES = ("training", "training-loso", "params")
#: Registry entry keys of the files a rebuild produces, with their pin keys.
FILE_PINS = (("params", "params_sha256"), ("onnx", "sha256"), ("int8_onnx", "int8_sha256"),
             ("sidecar", "sidecar_sha256"))
MANIFEST_NAME = "rebuilt.json"
@dataclasses.dataclass(frozen=True)
class FileCheck:
    model_id: str
    file: str
    expected_sha256: str | None
    rebuilt_sha256: str | None

    @property
    def match(self) -> bool:
        return self.expected_sha256 == self.rebuilt_sha256


@dataclasses.dataclass(frozen=True)
class AuditReport:
    source: str
    checks: tuple[FileCheck, ...]
    failures: tuple[str, ...]
    seconds: dict[str, float]
    wall_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and all(c.match for c in self.checks)


def rebuild_in_fresh_process(model_id: str, *, registry_path: Path, source: str, out_dir: Path,
                             cpu: int | None = None, timeout: float | None = None) -> dict[str, str | None]:
    """Runs the child rebuild and returns ``{registry file key: sha256 or None}``.

    ``cpu`` restricts the child to that CPU before it starts (it then pins itself to it), so
    that parallel rebuilds do not share a core. Raises ``RuntimeError`` with the child's
    stderr tail when it fails.
    """
    command = [sys.executable, "-m", "vmafref.models.training.pinned", "rebuild", "--child", model_id, "--registry",
               str(registry_path), "--from", source, "--out", str(out_dir)]
    restrict = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                               preexec_fn=restrict)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"rebuild of {model_id} failed (exit {completed.returncode}):\n{tail}")
    return json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))


def audit(model_ids: Sequence[str] | None = None, *, registry_path: str | os.PathLike | None = None,
          source: str = "training", jobs: int | None = None, progress: bool = True) -> AuditReport:
    """Audits ``model_ids`` (default: every registry entry); see the module docstring.

    ``jobs`` rebuilds run at once, each on its own CPU (default: one per CPU this process may
    use). Each child pins itself to one CPU, so its bytes do not depend on ``jobs``.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    registry_path = Path(registry_path) if registry_path is not None else default_registry_path()
    registry = read_registry(registry_path)
    ids = list(model_ids) if model_ids else [e["id"] for e in registry["models"]]
    entries = {model_id: find_entry(registry, model_id) for model_id in ids}
    cpus = sorted(os.sched_getaffinity(0))
    jobs = max(1, min(jobs or len(cpus), len(cpus), len(ids)))
    free_cpus: queue.Queue[int] = queue.Queue()
    for cpu in cpus[:jobs]:
        free_cpus.put(cpu)

    def one(model_id: str) -> tuple[str, dict | None, str | None, float]:
        cpu = free_cpus.get()
        start = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix=f"vmafref-audit-{model_id}-") as folder:
                rebuilt = rebuild_in_fresh_process(model_id, registry_path=registry_path.resolve(), source=source,
                                                   out_dir=Path(folder), cpu=cpu if jobs > 1 else None)
            return model_id, rebuilt, None, time.perf_counter() - start
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            return model_id, None, f"{model_id}: {error}", time.perf_counter() - start
        finally:
            free_cpus.put(cpu)

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(one, ids))
    wall = time.perf_counter() - started
    checks, failures, seconds = [], [], {}
    for model_id, rebuilt, failure, elapsed in outcomes:
        seconds[model_id] = elapsed
        if failure is not None:
            failures.append(failure)
            continue
        entry = entries[model_id]
        for file_key, pin_key in FILE_PINS:
            if file_key not in rebuilt:
                continue  # this source does not rebuild that file
            label = entry[file_key] if entry[file_key] is not None else f"{model_id}.int8.onnx (not shipped)"
            check = FileCheck(model_id, label, entry[pin_key], rebuilt[file_key])
            checks.append(check)
            if progress:
                print(_format_check(check), flush=True)
        if progress:
            print(f"{model_id}: rebuilt in {elapsed:.1f} s", flush=True)
    return AuditReport(source=source, checks=tuple(checks), failures=tuple(failures), seconds=seconds,
                       wall_seconds=wall)


def _format_check(check: FileCheck) -> str:
    verdict = "match" if check.match else "MISMATCH"
    expected = check.expected_sha256 or "(none)"
    rebuilt = check.rebuilt_sha256 or "(none)"
    line = f"{verdict:8s}  {check.model_id:18s}  {check.file:34s}  {expected[:16]}"
    return line if check.match else f"{line}  rebuilt {rebuilt[:16]}"


def format_report(report: AuditReport) -> str:
    lines = [_format_check(c) for c in report.checks]
    lines += [f"FAILED    {f}" for f in report.failures]
    mismatches = sum(not c.match for c in report.checks)
    per_model = ", ".join(f"{m} {s:.0f} s" for m, s in report.seconds.items())
    lines.append(f"audit ({report.source}): {len(report.checks)} files, {mismatches} mismatches, "
                 f"{len(report.failures)} failed rebuilds; wall {report.wall_seconds:.1f} s ({per_model})")
    return "\n".join(lines)


def _child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m vmafref.models.release.audit")
    parser.add_argument("--child", required=True, metavar="MODEL")
    parser.add_argument("--registry", required=True, type=Path)
    parser.add_argument("--from", dest="source", choices=SOURCES, required=True)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    from vmafref.models.training.determinism import pin_process_for_determinism

    pin_process_for_determinism()
    from vmafref.models.release import pipeline

    rebuilt = pipeline.rebuild(args.child, registry_path=args.registry, source=args.source, out_dir=args.out)
    (args.out / MANIFEST_NAME).write_text(json.dumps(rebuilt, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
