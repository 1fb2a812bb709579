"""Regenerate or re-check the golden files under ``golden/`` with a real libvmaf.

The tool is three modules: ``golden_clips.py`` (clip formats and the seeded generators),
``golden_cases.py`` (the runs and the case recipes) and this one (running libvmaf, writing
and re-checking the files, comparing through :func:`vmafref.tolerances.compare_run`); its
tests are ``tests/tools/test_make_golden.py``.

Every case is a recipe in ``golden_cases.CASES``: how its clips are made (seeded numpy for the
synthetic ones, Netflix/vmaf_resource blobs for the real ones, ffmpeg command lines for the
codec ones), their geometry, and which libvmaf runs are asked of them. Running the script

    python tools/make_golden.py --libvmaf path/to/libvmaf.so                 # regenerate all
    python tools/make_golden.py --libvmaf path/to/libvmaf.so --case ID ...   # some cases
    python tools/make_golden.py --libvmaf path/to/libvmaf.so --check         # re-check
    python tools/make_golden.py --libvmaf path/to/v3.0.0/libvmaf.so --convention v3.0   # the v3.0 runs

writes ``golden/<case>/{ref,dis}.<yuv|y4m>.xz`` (clips, lzma/xz), ``golden/<case>/expected.json``
(every key of every frame, model scores, pooled values, at full double precision) and
``golden/manifest.json``. ``--check`` recomputes every case from the stored clips and exits
non-zero on any difference from the stored values or metadata. Clips are rebuilt from their
recipe only with ``--rebuild-clips`` (this needs ``--vmaf-resource`` for the real clips and
ffmpeg for the codec ones); otherwise the stored clips are used, after their sha256 is
checked. A run may be taken under another libvmaf convention (``golden_cases.CONVENTION_LIBVMAF``,
e.g. ``v3.0``): such runs are computed only with ``--convention NAME`` from a library of that
version (any other is refused), which computes nothing else; without it they keep their stored
values. See docs/golden.md.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import lzma
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_cases import (  # noqa: E402  (the tools folder is not a package)
    CASES,
    CONVENTION_LIBVMAF,
    LIBVMAF_COMMIT,
    MANIFEST_FORMAT,
    REFERENCE_CPUMASK,
    RUNS,
    SIMD_CPUMASKS,
    GOLDEN_DIR,
    BuildContext,
    Case,
    run_convention,
)
from golden_clips import read_frames  # noqa: E402
from vmafref.libvmaf_capi import EXPECTED_VERSION, FeatureRequest, LibVmaf, LibVmafError, ModelRequest  # noqa: E402

from vmafref.tolerances import CPU_FAMILY_LIMIT, EXACT, TOLERANCES, compare_run, within  # noqa: E402

__all__ = ["CASES", "RUNS", "TOLERANCES", "Case", "read_frames", "main"]


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
    entry = {"id": run_id, "models": run["models"], "features": run.get("features", []), "libvmaf_cli": cli,
             "feature_family": run["feature_family"], "model_family": run["model_family"]}
    if run.get("convention"):
        entry["convention"] = run["convention"]
    return entry


def run_recipe(entry: dict) -> dict:
    """A manifest run without its measured provenance (``libvmaf``): what :func:`run_manifest_entry` gives."""
    return {key: value for key, value in entry.items() if key != "libvmaf"}


def runs_under(case: Case, convention: str | None) -> list[str]:
    """The runs of ``case`` taken under ``convention`` (``None``: the reference libvmaf)."""
    return [run_id for run_id in case.runs if run_convention(run_id) == convention]


def check_library_convention(library: LibVmaf, convention: str | None) -> None:
    """``ValueError`` unless ``library`` is the libvmaf of ``convention`` (only checked for a
    convention: the reference's version is checked when the library is opened)."""
    if convention is None:
        return
    if convention not in CONVENTION_LIBVMAF:
        raise ValueError(f"unknown libvmaf convention {convention!r}; known: {', '.join(CONVENTION_LIBVMAF)}")
    wanted = CONVENTION_LIBVMAF[convention]
    if library.version != wanted["vmaf_version"]:
        raise ValueError(f"{library.path} is libvmaf {library.version!r}, but the {convention} runs come from libvmaf "
                         f"{wanted['vmaf_version']} (tag {wanted['tag']}, commit {wanted['commit'][:8]})")


def run_provenance(library: LibVmaf, convention: str) -> dict:
    """The ``libvmaf`` record of a run taken under ``convention`` with ``library``."""
    return {"commit": CONVENTION_LIBVMAF[convention]["commit"], "vmaf_version": library.version,
            "n_threads": 0, "cpumask": REFERENCE_CPUMASK, "rcpss": this_cpu_rcpss()}


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


def expected_document(case: Case, results: dict, libvmaf_version: str) -> dict:
    return {"case": case.id, "libvmaf_version": libvmaf_version,
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


def _plan(case: Case, old: dict | None, golden: Path, context: BuildContext, rebuild: bool, cpumasks: Sequence[int],
          only_runs: Sequence[str] | None, convention: str | None) -> tuple[list[str], dict, tuple | None]:
    """What :func:`generate` does with ``case``: the runs it computes, the stored runs it keeps
    (``{run_id: stored}``) and, when clips are rebuilt for a case that keeps runs, the clips
    (rebuilt here so that a difference from the stored ones refuses the case before anything is
    written). ``ValueError`` when the case cannot be generated so."""
    if only_runs is not None:
        missing = [run_id for run_id in only_runs if run_id not in case.runs]
        if missing or old is None or rebuild:
            raise ValueError(f"{case.id}: --run needs a stored case whose recipe has the runs "
                             f"(missing {missing}) and no --rebuild-clips")
        foreign = [run_id for run_id in only_runs if run_convention(run_id) != convention]
        if foreign:
            raise ValueError(f"{case.id}: runs {foreign} are not taken under "
                             f"{'the reference libvmaf' if convention is None else 'convention ' + convention}; "
                             f"each convention's runs come from its own libvmaf (--convention)")
        asked = [run_id for run_id in case.runs if run_id in only_runs]
    else:
        asked = runs_under(case, convention)
    if convention is not None and (old is None or not asked):
        raise ValueError(f"{case.id}: --convention {convention} computes the stored case's {convention} runs "
                         f"({'it has none' if old is not None else 'the case is not stored yet'})")
    kept_ids = [run_id for run_id in case.runs if run_id not in asked]
    if not kept_ids:
        return asked, {}, None
    if old is None:
        raise ValueError(f"{case.id}: its runs {kept_ids} come from another libvmaf; generate the case with the "
                         "reference libvmaf first")
    stored = json.loads((golden / old["expected"]).read_text())["runs"]
    absent = [run_id for run_id in kept_ids if run_id not in stored]
    if absent:
        raise ValueError(f"{case.id}: runs {absent} are neither stored nor computed here (a run taken under a "
                         "libvmaf convention is computed with --convention and that libvmaf)")
    if convention is None and only_runs is not None:
        unmeasured = sorted(set(old["libvmaf"].get("simd_disagreements", {})) - {str(m) for m in cpumasks})
        if unmeasured:
            raise ValueError(f"{case.id}: the manifest records SIMD disagreements for cpumask(s) {unmeasured}; "
                             "pass them to --simd-cpumask so that the new runs are measured under them too")
    clips = None
    if rebuild:
        clips = case.build(context)
        changed = [role for role, data in zip(("reference", "distorted"), clips) if sha256(data) != old[role]["sha256"]]
        if changed:
            raise ValueError(f"{case.id}: the rebuilt {' and '.join(changed)} clip differs from the stored one, whose "
                             f"values runs {kept_ids} keep; rebuild them too (their libvmaf, --convention)")
    return asked, {run_id: stored[run_id] for run_id in kept_ids}, clips


def generate(library: LibVmaf, cases: Sequence[Case], golden: Path, context: BuildContext, rebuild: bool,
             cpumasks: Sequence[int], only_runs: Sequence[str] | None = None, convention: str | None = None) -> int:
    """Writes the cases' clips, expected values and manifest entries.

    ``only_runs`` recomputes just those runs of each case from its stored clips and keeps the
    stored values of its other runs (a float run's values depend on the CPU family that made
    them, specs/float_adm.md §4, so adding a fixed-point run must not rewrite them).
    ``convention`` (``library`` must be its libvmaf) computes the case's runs taken under that
    libvmaf convention and keeps everything else, the case's own ``libvmaf`` record included;
    without it, runs taken under a convention keep their stored values. Those runs are
    computed on the C path only (no SIMD cpumask) and record their own ``libvmaf`` provenance.
    """
    check_library_convention(library, convention)
    manifest = load_manifest(golden)
    entries = {entry["id"]: entry for entry in manifest.get("cases", [])}
    # Every case is checked before any is rewritten: a refusal leaves golden/ as it was.
    plans = {case.id: _plan(case, entries.get(case.id), golden, context, rebuild, cpumasks, only_runs, convention)
             for case in cases}
    for case in cases:
        old = entries.get(case.id)
        asked, kept, clips = plans[case.id]
        if clips is not None:
            reference, distorted = clips
        elif rebuild or old is None:
            reference, distorted = case.build(context)
            if old is not None:
                for role, data in (("reference", reference), ("distorted", distorted)):
                    if sha256(data) != old[role]["sha256"]:
                        print(f"note: {case.id}: rebuilt {role} clip differs from the stored one", file=sys.stderr)
        else:
            reference, distorted = stored_clips(golden, old)
            case.source = old["source"]
        results, disagreements = compute_reference(library, case, reference, distorted,
                                                   cpumasks if convention is None else (), asked)
        if kept:
            recorded = old["libvmaf"].get("simd_disagreements", {})
            for mask, keys in disagreements.items():
                disagreements[mask] = sorted(set(keys) | {key for key in recorded.get(mask, [])
                                                          if key.split("/", 1)[0] in kept})
            results = {run_id: results[run_id] if run_id in results else kept[run_id] for run_id in case.runs}
        frame_count = len(next(iter(results.values()))["frames"])
        entry = manifest_entry(case, reference, distorted, frame_count, library)
        if convention is None:
            entry["libvmaf"]["simd_disagreements"] = disagreements
            if any(run_convention(run_id) is None and RUNS[run_id]["feature_family"] == "float" for run_id in kept):
                # Kept float runs are the stored CPU family's (specs/float_adm.md §4): keep its record.
                if "rcpss" in old["libvmaf"]:
                    entry["libvmaf"]["rcpss"] = old["libvmaf"]["rcpss"]
                else:
                    del entry["libvmaf"]["rcpss"]
            if any(disagreements.values()):
                print(f"note: {case.id}: libvmaf's SIMD paths differ from its C code in "
                      f"{sorted({k for keys in disagreements.values() for k in keys})}", file=sys.stderr)
            libvmaf_version = library.version
        else:  # the case's record is the reference libvmaf's, as its other runs
            entry["libvmaf"] = old["libvmaf"]
            libvmaf_version = json.loads((golden / old["expected"]).read_text())["libvmaf_version"]
        old_runs = {run["id"]: run for run in old["runs"]} if old is not None else {}
        for run in entry["runs"]:
            if run["id"] in asked and convention is not None:
                run["libvmaf"] = run_provenance(library, convention)
            elif run["id"] in kept and "libvmaf" in old_runs.get(run["id"], {}):
                run["libvmaf"] = old_runs[run["id"]]["libvmaf"]
        if case.note:
            entry["note"] = case.note
        if case.equivalent_to:
            entry["equivalent_to"] = case.equivalent_to
        case_dir = golden / case.id
        if case_dir.exists():
            shutil.rmtree(case_dir)
        case_dir.mkdir(parents=True)
        for role, data in (("reference", reference), ("distorted", distorted)):
            (golden / entry[role]["file"]).write_bytes(compress(data))
        write_json(golden / entry["expected"], expected_document(case, results, libvmaf_version))
        entries[case.id] = entry
        size = sum((golden / entry[role]["file"]).stat().st_size for role in ("reference", "distorted"))
        print(f"{case.id}: {frame_count} frames ({', '.join(asked)} computed), clips {size / 1024:.0f} KiB compressed")
    order = [case.id for case in CASES]
    manifest = {
        "format": MANIFEST_FORMAT,
        "description": "libvmaf outputs at full double precision; see docs/golden.md",
        "libvmaf": {"repository": "Netflix/vmaf", "commit": LIBVMAF_COMMIT, "vmaf_version": EXPECTED_VERSION},
        "conventions": CONVENTION_LIBVMAF,
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


def check(library: LibVmaf, cases: Sequence[Case], golden: Path, cpumasks: Sequence[int],
          convention: str | None = None) -> int:
    """Recompute the cases' runs taken under ``convention`` (``None``: the reference libvmaf's,
    with ``library`` that libvmaf) and compare them with the stored values; 1 on any difference."""
    check_library_convention(library, convention)
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
                any(run_recipe(run) != run_manifest_entry(run["id"]) for run in entry["runs"]):
            problems.append("manifest runs differ from the recipe")
        runs = runs_under(case, convention)
        others = [run_id for run_id in case.runs if run_id not in runs]
        if others:
            conventions = sorted({run_convention(run_id) or "the reference libvmaf" for run_id in others})
            notes.append(f"runs {others} ({', '.join(conventions)}) are not checked with this libvmaf")
        if not runs:
            problems.append(f"no run of the case is taken under {convention or 'the reference libvmaf'}")
        try:
            reference, distorted = stored_clips(golden, entry)
            expected = json.loads((golden / entry["expected"]).read_text())["runs"]
            stray = sorted(set(expected) - set(case.runs))
            if stray:
                problems.append(f"stored runs {stray} are not in the recipe")
            got, disagreements = compute_reference(library, case, reference, distorted,
                                                   cpumasks if convention is None else (), runs) if runs else ({}, {})
            recorded = entry["libvmaf"].get("simd_disagreements", {})
            for mask, keys in disagreements.items():
                if mask in recorded and recorded[mask] != keys:
                    # Informational only: which SIMD sets cpumask 0 enables depends on the machine.
                    print(f"note {case.id}: cpumask {mask} differs from C in {keys}; the manifest records "
                          f"{recorded[mask]} (another CPU?)")
            for run_id in runs:
                run_problems = diff_runs({run_id: expected[run_id]} if run_id in expected else {},
                                         {run_id: got[run_id]})
                if run_problems and run_id in expected \
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
            if got and entry["frame_count"] != len(next(iter(got.values()))["frames"]):
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
                        help=f"accept a libvmaf whose vmaf_version() is not {EXPECTED_VERSION} (not with --convention)")
    parser.add_argument("--convention", choices=sorted(CONVENTION_LIBVMAF),
                        help="compute (or --check) only the runs taken under this libvmaf convention, with its "
                             "libvmaf (v3.0: libvmaf 3.0.0; another version is refused); the cases that have "
                             "such runs unless --case is given")
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
                        help="cpumasks whose disagreements with the C path are recorded (default: %(default)s; "
                             "not with --convention)")
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
    if args.convention and args.allow_version_mismatch:
        parser.error("--allow-version-mismatch is for the reference libvmaf; a convention's runs come from its "
                     "own libvmaf version only")
    if args.case:
        cases = [known[case_id] for case_id in args.case]
    elif args.convention:
        cases = [case for case in CASES if runs_under(case, args.convention)]
    else:
        cases = CASES
    try:
        library = LibVmaf(args.libvmaf, allow_version_mismatch=args.allow_version_mismatch or bool(args.convention))
        check_library_convention(library, args.convention)
    except (LibVmafError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        return check(library, cases, args.golden, args.simd_cpumask, args.convention)
    with tempfile.TemporaryDirectory() as work:
        context = BuildContext(vmaf_resource=args.vmaf_resource, ffmpeg=args.ffmpeg, work=Path(work))
        try:
            return generate(library, cases, args.golden, context, args.rebuild_clips, args.simd_cpumask, args.run,
                            args.convention)
        except (RuntimeError, LibVmafError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
