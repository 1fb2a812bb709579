"""``vmafref conformance``: score pairs with a user's libvmaf and with vmafref, compare every
value, and explain the differences (specs/conformance.md).

For each pair the libvmaf command-line tool runs with the same model and feature flags as
vmafref (``--json -o``); every frame's value and every pooled value is compared key by key
under the tolerance rules of the goldens (:mod:`vmafref.tolerances`). When values differ,
the comparison is repeated with what would explain them, and a difference counts as explained
only when one of these *reproduces* libvmaf's numbers:

* ``convention``: vmafref re-scores under another libvmaf convention
  (:mod:`vmafref.conventions`; ``v3.0`` for a libvmaf that predates v3.2's motion changes);
* ``simd``: libvmaf re-runs with ``--cpumask 255`` (its plain C path, vmafref's reference):
  its x86 SIMD integer ADM differs from its C code at some frame widths.

Differences nothing reproduces are unexplained (exit status 1), with a likely cause when one
is known (libvmaf v3.0's float motion / float VIF border mirroring).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence

from vmafref.conventions import CONVENTIONS, DEFAULT_CONVENTION
from vmafref.tolerances import TOLERANCES, within

__all__ = ["ConformanceError", "Pair", "PairReport", "Report", "key_family", "compare_documents",
           "read_libvmaf_json", "read_pair_list", "run_conformance", "LibvmafBinary", "REFERENCE_VERSION"]

#: ``vmaf_version()`` of the libvmaf vmafref reproduces.
REFERENCE_VERSION = "f85a8536"
POOL_METHODS = ("min", "max", "mean", "harmonic_mean")
#: libvmaf's command line prints ``%.6f``: half a unit of the sixth decimal.
SIX_DECIMALS_HALF_UNIT = 5e-7
C_PATH_CPUMASK = 255


class ConformanceError(RuntimeError):
    """The comparison could not run (bad input, libvmaf or vmafref failing): exit status 2."""


# ----------------------------------------------------------------------------- key families

_FLOAT_FEATURE = re.compile(r"^(adm|aim|vif|motion)(\d|_|$)")
_FLOAT_STRICT = ("float_", "ciede", "psnr_hvs")


def key_family(key: str, model_families: dict[str, str]) -> str:
    """The tolerance family (:data:`vmafref.tolerances.TOLERANCES`) of an output key.

    Model scores take their model's family (``vmaf`` for a model on fixed-point features,
    ``float`` for a float model); keys of the fixed-point extractors (``integer_*``,
    ``VMAF_integer_*``, ``psnr_*``, ``mse_*``, ``cambi``) are ``fixed_point``; the float ADM,
    VIF and motion keys (``adm2``, ``vif_scale0``, ``motion2``, …) ``float``; the other float
    features (``float_ssim``, ``float_psnr``, ``ciede2000``, ``psnr_hvs*``) ``float_strict``;
    anything else ``float``.
    """
    if key in model_families:
        return model_families[key]
    for name, family in model_families.items():
        if key.startswith(name + "_"):  # bootstrap members and statistics: vmaf_0001, vmaf_bagging ...
            return family
    if key.startswith(_FLOAT_STRICT):
        return "float_strict"
    if key.startswith(("integer_", "VMAF_integer_", "psnr_", "mse_", "apsnr_", "cambi")):
        return "fixed_point"
    return "float"


def _model_families(model_texts: Sequence[str], no_prediction: bool) -> dict[str, str]:
    if no_prediction:
        return {}
    families = {}
    for text in model_texts or ["version=vmaf_v0.6.1"]:
        parts = dict(part.partition("=")[::2] for part in text.split(":"))
        name = parts.get("name") or "vmaf"
        source = parts.get("version") or parts.get("path") or ""
        families[name] = "float" if "float" in os.path.basename(source) else "vmaf"
    return families


# ------------------------------------------------------------------------------ documents

_NON_FINITE = re.compile(r"(?<=[:\[,])(\s*)-?(nan|inf|infinity)\b", re.IGNORECASE)


def read_libvmaf_json(text: str) -> dict:
    """A libvmaf ``--json`` document as ``{"version", "frames": [{key: float}], "pooled": {key:
    {method: float}}, "precision": "six_decimals"|"full", "frame_numbers": [...]}``.

    libvmaf's own tool prints ``%.6f`` (``output.c``); a build that prints more is read at full
    precision. Non-finite values are ``null`` (NaN here)."""
    try:
        cleaned = _NON_FINITE.sub(r"\1null", text)
        document = json.loads(cleaned)
        raw = json.loads(cleaned, parse_float=str, parse_int=str)
        texts = [value for frame in raw["frames"] for value in frame["metrics"].values() if isinstance(value, str)]
        texts += [value for methods in raw.get("pooled_metrics", {}).values() for value in methods.values()
                  if isinstance(value, str)]
        frames = [{key: math.nan if value is None else float(value) for key, value in frame["metrics"].items()}
                  for frame in document["frames"]]
        numbers = [int(frame.get("frameNum", index)) for index, frame in enumerate(document["frames"])]
        pooled = {key: {method: math.nan if value is None else float(value) for method, value in methods.items()}
                  for key, methods in document.get("pooled_metrics", {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ConformanceError(f"libvmaf's output is not a libvmaf JSON document: {error}") from None
    decimals = [token for token in texts if re.fullmatch(r"-?\d+\.\d+", token)]
    six = bool(decimals) and all(re.fullmatch(r"-?\d+\.\d{6}", token) for token in decimals)
    return {"version": str(document.get("version", "")), "frames": frames, "pooled": pooled,
            "frame_numbers": numbers, "precision": "six_decimals" if six else "full"}


def _vmafref_document(path: str) -> dict:
    with open(path) as handle:
        text = handle.read()
    document = read_libvmaf_json(text)
    document["precision"] = "full"
    return document


# ----------------------------------------------------------------------------- comparison

@dataclasses.dataclass
class KeyResult:
    key: str
    family: str
    compared: int = 0
    failures: int = 0
    worst_abs: float = 0.0
    worst_rel: float = 0.0
    worst_at: str = ""
    first_failure: str = ""
    missing: str = ""  # "libvmaf" or "vmafref" when the key is only on the other side

    @property
    def ok(self) -> bool:
        return not self.failures and not self.missing


def _passes(expected: float, got: float, family: str, precision: str) -> bool:
    limit = TOLERANCES[family]["limit"]
    if precision == "six_decimals" and math.isfinite(expected) and math.isfinite(got):
        if family == "fixed_point":
            return f"{got:.6f}" == f"{expected:.6f}"  # a bit-exact value prints the same six decimals
        return abs(got - expected) <= SIX_DECIMALS_HALF_UNIT * (1 + 1e-9) + limit["atol"] + limit["rtol"] * abs(expected)
    return within(expected, got, limit)


def compare_documents(libvmaf: dict, vmafref: dict, model_families: dict[str, str]) -> dict[str, KeyResult]:
    """Every key's comparison, libvmaf's values expected (frames by position, then pooled)."""
    precision = libvmaf["precision"]
    results: dict[str, KeyResult] = {}
    lib_keys = list(dict.fromkeys(k for frame in libvmaf["frames"] for k in frame))
    ref_keys = list(dict.fromkeys(k for frame in vmafref["frames"] for k in frame))
    for key in lib_keys + [k for k in ref_keys if k not in lib_keys]:
        result = results[key] = KeyResult(key, key_family(key, model_families))
        if key not in ref_keys:
            result.missing = "vmafref"
            continue
        if key not in lib_keys:
            result.missing = "libvmaf"
            continue
        cells = [(f"frame {n}", a.get(key, math.nan), b.get(key, math.nan))
                 for n, a, b in zip(libvmaf["frame_numbers"], libvmaf["frames"], vmafref["frames"])]
        cells += [(f"pooled {method}", libvmaf["pooled"].get(key, {}).get(method, math.nan),
                   vmafref["pooled"].get(key, {}).get(method, math.nan))
                  for method in POOL_METHODS if key in libvmaf["pooled"]]
        for where, expected, got in cells:
            result.compared += 1
            both_nan = math.isnan(expected) and math.isnan(got)
            diff = 0.0 if both_nan or expected == got else (
                abs(got - expected) if math.isfinite(expected) and math.isfinite(got) else math.inf)
            rel = diff / abs(expected) if expected and math.isfinite(expected) else (0.0 if diff == 0 else math.inf)
            if diff > result.worst_abs or not result.worst_at:
                result.worst_abs, result.worst_at = diff, where
            result.worst_rel = max(result.worst_rel, rel)
            if not _passes(expected, got, result.family, precision):
                result.failures += 1
                if not result.first_failure:
                    result.first_failure = f"{where}: libvmaf {expected!r}, vmafref {got!r}"
    if len(libvmaf["frames"]) != len(vmafref["frames"]):
        results["<frame count>"] = KeyResult("<frame count>", "fixed_point", failures=1, first_failure=(
            f"libvmaf {len(libvmaf['frames'])} frames, vmafref {len(vmafref['frames'])}"))
    return results


def _differing(results: dict[str, KeyResult]) -> set[str]:
    return {key for key, result in results.items() if not result.ok}


# -------------------------------------------------------------------------------- running

@dataclasses.dataclass
class Pair:
    reference: str
    distorted: str
    width: int | None = None
    height: int | None = None
    pixel_format: str | None = None
    bitdepth: int | None = None
    frame_cnt: int | None = None

    def geometry_flags(self) -> list[str]:
        flags = []
        for flag, value in (("-w", self.width), ("-h", self.height), ("-p", self.pixel_format),
                            ("-b", self.bitdepth), ("--frame_cnt", self.frame_cnt)):
            if value is not None:
                flags += [flag, str(value)]
        return flags

    @property
    def label(self) -> str:
        return f"{self.reference} vs {self.distorted}"


def read_pair_list(path: str, defaults: Pair | None = None) -> list[Pair]:
    """Pairs from a list file: one pair a line, ``REF DIS [-w W -h H -p P -b B] [--frame_cnt N]``
    (shell quoting; ``#`` starts a comment); relative paths are relative to the list's folder;
    geometry not on a line comes from ``defaults``."""
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeError) as error:
        raise ConformanceError(f"cannot read the pair list {path!r}: {error}") from None
    base = os.path.dirname(os.path.abspath(path))
    pairs = []
    for number, line in enumerate(lines, 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise ConformanceError(f"{path}:{number}: {error}") from None
        if not words:
            continue
        positional, options = [], {}
        flags = {"-w": "width", "-h": "height", "-p": "pixel_format", "-b": "bitdepth", "--frame_cnt": "frame_cnt"}
        iterator = iter(words)
        for word in iterator:
            if word in flags:
                value = next(iterator, None)
                if value is None:
                    raise ConformanceError(f"{path}:{number}: {word} needs a value")
                options[flags[word]] = value
            elif word.startswith("-"):
                raise ConformanceError(f"{path}:{number}: unknown flag {word!r} (known: {', '.join(flags)})")
            else:
                positional.append(word)
        if len(positional) != 2:
            raise ConformanceError(f"{path}:{number}: expected REF DIS [-w W -h H -p P -b B], got {line.strip()!r}")
        try:
            values = {name: (value if name == "pixel_format" else int(value)) for name, value in options.items()}
        except ValueError:
            raise ConformanceError(f"{path}:{number}: -w, -h, -b and --frame_cnt take integers") from None
        given = dataclasses.asdict(defaults) if defaults else {}
        merged = {name: values.get(name, given.get(name)) for name in
                  ("width", "height", "pixel_format", "bitdepth", "frame_cnt")}
        ref, dis = (p if os.path.isabs(p) else os.path.join(base, p) for p in positional)
        pairs.append(Pair(ref, dis, **merged))
    if not pairs:
        raise ConformanceError(f"the pair list {path!r} names no pair")
    return pairs


class LibvmafBinary:
    """The libvmaf command-line tool (``vmaf``) at ``path``."""

    def __init__(self, path: str, timeout: float | None = None):
        resolved = path if os.sep in path else (_which(path) or path)
        if not os.path.isfile(resolved):
            raise ConformanceError(f"--libvmaf {path!r}: no such file")
        if not os.access(resolved, os.X_OK):
            raise ConformanceError(f"--libvmaf {path!r} is not executable (give libvmaf's `vmaf` tool)")
        self.path = resolved
        self.timeout = timeout
        self.version = self._version()

    def _version(self) -> str:
        try:
            done = subprocess.run([self.path, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ConformanceError(f"cannot run {self.path}: {error}") from None
        text = (done.stderr + done.stdout).strip()
        match = re.search(r"VMAF version\s+(\S+)", text)
        return match.group(1) if match else (text.splitlines()[-1] if text else "unknown")

    def score(self, pair: Pair, requests: Sequence[str], cpumask: int | None, output: str) -> dict:
        argv = [self.path, "-r", pair.reference, "-d", pair.distorted, *pair.geometry_flags(), *requests,
                "--json", "-o", output, "-q"]
        if cpumask is not None:
            argv += ["--cpumask", str(cpumask)]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ConformanceError(f"{shlex.join(argv)}: {error}") from None
        if done.returncode != 0 or not os.path.exists(output):
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ConformanceError(f"libvmaf failed (status {done.returncode}) on {pair.label}: "
                                   f"{' / '.join(tail) or 'no output'}")
        with open(output) as handle:
            return read_libvmaf_json(handle.read())


class LibvmafLibrary:
    """libvmaf's shared library (``libvmaf.so``) at ``path``, driven through its C API
    (:mod:`vmafref.libvmaf_capi`): every value at full double precision. The clips are read
    with vmafref's own readers (libvmaf's library reads none) and fed as pictures."""

    def __init__(self, path: str, timeout: float | None = None):
        from vmafref.libvmaf_capi import LibVmaf, LibVmafError

        if not os.path.isfile(path):
            raise ConformanceError(f"--libvmaf {path!r}: no such file")
        try:
            self._library = LibVmaf(path, allow_version_mismatch=True)
        except (LibVmafError, OSError) as error:
            raise ConformanceError(f"--libvmaf {path!r}: cannot load it as libvmaf: {error}") from None
        self.path = path
        self.version = self._library.version

    def score(self, pair: Pair, requests: Sequence[str], cpumask: int | None, output: str) -> dict:
        from vmafref.cli.score import CliError, parse_feature_option, parse_model_option
        from vmafref.io import VideoFormatError, open_pair
        from vmafref.libvmaf_capi import FeatureRequest, LibVmafError, ModelRequest

        models, features, no_prediction = [], [], False
        tokens = iter(requests)
        try:
            for token in tokens:
                if token == "--model":
                    model = parse_model_option(next(tokens))
                    flags = tuple(flag for flag, on in (("disable_clip", model.disable_clip),
                                                        ("enable_transform", model.enable_transform)) if on)
                    models.append(ModelRequest(model.version, {k: dict(v) for k, v in model.overloads.items()},
                                               None if model.name == "vmaf" else model.name, flags))
                elif token == "--feature":
                    feature = parse_feature_option(next(tokens))
                    features.append(FeatureRequest(feature.name, dict(feature.options)))
                elif token == "--no_prediction":
                    no_prediction = True
        except CliError as error:
            raise ConformanceError(str(error)) from None
        if not models and not no_prediction:  # libvmaf's tool then loads its default model
            models.append(ModelRequest("vmaf_v0.6.1"))
        try:
            with open_pair(pair.reference, pair.distorted, width=pair.width, height=pair.height,
                           pixel_format=pair.pixel_format, bitdepth=pair.bitdepth,
                           frame_cnt=pair.frame_cnt) as clips:
                geometry = clips.geometry
                frames = (((ref.y, ref.u, ref.v), (dis.y, dis.u, dis.v)) for _, ref, dis in clips)
                scores = self._library.compute(frames, width=geometry.width, height=geometry.height,
                                               pixel_format=geometry.pixel_format, bitdepth=geometry.bitdepth,
                                               models=models, features=features, cpumask=cpumask or 0)
        except (VideoFormatError, LibVmafError, ValueError, OSError) as error:
            raise ConformanceError(f"libvmaf's library could not score {pair.label}: {error}") from None
        frames_out, pooled = scores.frames, scores.pooled
        if no_prediction:  # as libvmaf's -n: the models' features, not their scores
            frames_out = [{k: v for k, v in frame.items() if k not in scores.model_keys} for frame in frames_out]
            pooled = {k: v for k, v in pooled.items() if k not in scores.model_keys}
        return {"version": scores.version, "frames": frames_out, "pooled": pooled,
                "frame_numbers": list(range(len(frames_out))), "precision": "full"}


def open_libvmaf(path: str, timeout: float | None = None) -> LibvmafBinary | LibvmafLibrary:
    """libvmaf at ``path``: its shared library (a ``.so``/``.dylib`` name) through the C API,
    otherwise its command-line tool."""
    return (LibvmafLibrary if _is_shared_library(path) else LibvmafBinary)(path, timeout=timeout)


def _is_shared_library(path: str) -> bool:
    """A shared library by its name: ``libvmaf.so``, ``libvmaf.so.3.2.0``, ``libvmaf.dylib``."""
    return re.search(r"\.so(\.\d+)*$|\.dylib$", os.path.basename(path)) is not None


def _which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def _vmafref_score(pair: Pair, requests: Sequence[str], convention: str, output: str) -> dict:
    """vmafref's ``score`` command, in this process (compiled stages are reused across pairs)."""
    from vmafref.cli import main

    argv = ["score", "-r", pair.reference, "-d", pair.distorted, *pair.geometry_flags(), *requests,
            "--json", "-o", output, "-q", "--libvmaf-convention", convention]
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        status = main(argv)
    if status != 0:
        message = errors.getvalue().strip().splitlines()
        raise ConformanceError(f"vmafref could not score {pair.label}: {message[-1] if message else status}")
    return _vmafref_document(output)


# -------------------------------------------------------------------------------- reports

EXPLANATIONS = {
    "convention": "vmafref --libvmaf-convention {convention} reproduces it: this libvmaf ({version}) computes "
                  "these keys as {libvmaf}",
    "simd": "libvmaf's x86 SIMD path differs from its own C code here (its integer ADM does at some frame "
            "widths, specs/score.md); libvmaf --cpumask 255 (the C path, vmafref's reference) reproduces "
            "vmafref's values",
}

#: Likely causes of differences that no convention reproduces: (key pattern, a convention that
#: must have been tried, the text). None at present: the ``v3.0`` convention reproduces libvmaf
#: v3.0.0's float motion and float VIF border mirror too.
HINTS: tuple[tuple[re.Pattern, str, str], ...] = ()


@dataclasses.dataclass
class PairReport:
    pair: Pair
    libvmaf_version: str
    precision: str
    cpumask: int | None
    keys: dict[str, KeyResult]
    explained: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # key -> causes
    explanations: list[str] = dataclasses.field(default_factory=list)
    hints: list[str] = dataclasses.field(default_factory=list)
    frames: int = 0

    @property
    def unexplained(self) -> list[str]:
        return [key for key, result in self.keys.items() if not result.ok and key not in self.explained]

    @property
    def differing(self) -> list[str]:
        return [key for key, result in self.keys.items() if not result.ok]

    def status(self) -> str:
        if self.unexplained:
            return "FAIL"
        return "explained" if self.differing else "ok"

    def as_json(self) -> dict:
        def finite(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "reference": self.pair.reference, "distorted": self.pair.distorted,
            "geometry": {"width": self.pair.width, "height": self.pair.height,
                         "pixel_format": self.pair.pixel_format, "bitdepth": self.pair.bitdepth},
            "frames": self.frames, "libvmaf_version": self.libvmaf_version, "libvmaf_precision": self.precision,
            "libvmaf_cpumask": self.cpumask, "status": self.status(),
            "keys": {key: {"family": r.family, "compared": r.compared, "failures": r.failures,
                           "max_abs_diff": finite(r.worst_abs), "max_rel_diff": finite(r.worst_rel),
                           "worst_at": r.worst_at, "first_failure": r.first_failure or None,
                           "only_in": {"vmafref": "libvmaf", "libvmaf": "vmafref"}.get(r.missing),
                           "verdict": "ok" if r.ok else ("explained" if key in self.explained else "differs"),
                           "explained_by": self.explained.get(key, [])}
                     for key, r in self.keys.items()},
            "explanations": self.explanations, "hints": self.hints, "unexplained": self.unexplained,
        }


@dataclasses.dataclass
class Report:
    libvmaf: str
    libvmaf_version: str
    pairs: list[PairReport]
    strict: bool = False

    @property
    def conformant(self) -> bool:
        return all(not p.unexplained and not (self.strict and p.differing) for p in self.pairs)

    def as_json(self) -> dict:
        return {"libvmaf": self.libvmaf, "libvmaf_version": self.libvmaf_version,
                "reference_version": REFERENCE_VERSION, "tolerances": TOLERANCES, "strict": self.strict,
                "conformant": self.conformant, "pairs": [p.as_json() for p in self.pairs]}

    def summary(self) -> str:
        lines = [f"libvmaf {self.libvmaf_version} ({self.libvmaf}) vs vmafref (libvmaf {REFERENCE_VERSION} "
                 f"reference), {len(self.pairs)} pair(s)"]
        for report in self.pairs:
            lines.append("")
            lines.append(f"{report.status():9} {report.pair.label}: {report.frames} frames, libvmaf printed "
                         f"{'6 decimals' if report.precision == 'six_decimals' else 'full precision'}"
                         + (f", --cpumask {report.cpumask}" if report.cpumask is not None else ""))
            lines.append(f"  {'key':44} {'family':12} {'max |diff|':>10} {'max rel':>10}  verdict")
            for key, r in report.keys.items():
                if r.missing:
                    verdict = f"only in {'libvmaf' if r.missing == 'vmafref' else 'vmafref'}"
                    lines.append(f"  {key:44} {r.family:12} {'-':>10} {'-':>10}  "
                                 f"{verdict}{' (explained)' if key in report.explained else ''}")
                    continue
                verdict = "ok" if r.ok else (f"explained ({', '.join(report.explained[key])})"
                                             if key in report.explained else f"DIFFERS ({r.failures} values)")
                lines.append(f"  {key:44} {r.family:12} {r.worst_abs:10.3g} {r.worst_rel:10.3g}  {verdict}")
                if not r.ok and key not in report.explained and r.first_failure:
                    lines.append(f"      first: {r.first_failure}")
            for text in report.explanations:
                lines.append(f"  explained: {text}")
            for text in report.hints:
                lines.append(f"  likely cause: {text}")
        verdict = "CONFORMANT" if self.conformant else "NOT CONFORMANT"
        counts = {status: sum(p.status() == status for p in self.pairs) for status in ("ok", "explained", "FAIL")}
        lines.append("")
        lines.append(f"{verdict}: {counts['ok']} identical within tolerance, {counts['explained']} with every "
                     f"difference explained, {counts['FAIL']} with unexplained differences"
                     + (" (--strict: explained differences fail too)" if self.strict else ""))
        return "\n".join(lines)


def _simd_tail_note(width: int | None) -> str:
    """Where libvmaf's SIMD DWT reads past the row at this width (specs/integer_adm.md §9)."""
    from vmafref.features.integer_adm import simd_tail_scale

    if not width:
        return ""
    parts = [f"{kernel.upper()} from scale {scale}" for kernel in ("avx512", "avx2")
             if (scale := simd_tail_scale(width, kernel)) is not None]
    if not parts:
        return ""
    return "; at this width the SIMD DWT's last vector reads past the row: " + ", ".join(parts)


def _explain(pair: Pair, base: dict[str, KeyResult], libvmaf_doc: dict, families: dict[str, str],
             rescore: Callable[[str], dict], rerun_c_path: Callable[[], dict] | None, vmafref_doc: dict,
             report: PairReport, progress: Callable[[str], None]) -> None:
    differing = _differing(base)
    if not differing:
        return
    libvmaf_docs = {"given": libvmaf_doc}
    vmafref_docs = {DEFAULT_CONVENTION: vmafref_doc}
    if libvmaf_doc["version"] != REFERENCE_VERSION:
        for name in CONVENTIONS:
            if name != DEFAULT_CONVENTION:
                progress(f"re-scoring with vmafref --libvmaf-convention {name}")
                vmafref_docs[name] = rescore(name)
    if rerun_c_path is not None:
        progress("re-running libvmaf with --cpumask 255 (its C path)")
        libvmaf_docs["c_path"] = rerun_c_path()
    remaining: dict[tuple[str, str], set[str]] = {}
    for lib_name, lib_doc in libvmaf_docs.items():
        for conv, ref_doc in vmafref_docs.items():
            remaining[(lib_name, conv)] = _differing(compare_documents(lib_doc, ref_doc, families))
    for key in sorted(differing):
        fixes = [combo for combo, keys in remaining.items() if key not in keys]
        if not fixes:
            continue
        # The simplest fix: fewest changes from the run as given, conventions before the C path.
        lib_name, conv = min(fixes, key=lambda c: ((c[0] != "given") + (c[1] != DEFAULT_CONVENTION),
                                                   c[0] != "given"))
        causes = []
        if conv != DEFAULT_CONVENTION:
            causes.append(f"convention {conv}")
        if lib_name == "c_path":
            causes.append("libvmaf SIMD")
        report.explained[key] = causes
    used = {cause for causes in report.explained.values() for cause in causes}
    for conv in vmafref_docs:
        if f"convention {conv}" in used:
            keys = sorted(k for k, c in report.explained.items() if f"convention {conv}" in c)
            report.explanations.append(EXPLANATIONS["convention"].format(
                convention=conv, version=libvmaf_doc["version"] or "unknown version",
                libvmaf=CONVENTIONS[conv].libvmaf) + f" ({', '.join(keys)})")
    if "libvmaf SIMD" in used:
        keys = sorted(k for k, c in report.explained.items() if "libvmaf SIMD" in c)
        report.explanations.append(EXPLANATIONS["simd"] + f" ({', '.join(keys)}; width {pair.width or '?'}"
                                   f"{_simd_tail_note(pair.width)})")
    unexplained = [key for key in differing if key not in report.explained]
    for pattern, convention, text in HINTS:
        hit = [key for key in unexplained if pattern.match(key)]
        if hit and convention in vmafref_docs:
            report.hints.append(f"{text} ({', '.join(sorted(hit))})")


def run_conformance(libvmaf: str, pairs: Sequence[Pair], *, models: Sequence[str] = (), features: Sequence[str] = (),
                    no_prediction: bool = False, cpumask: int | None = None, strict: bool = False,
                    explain: bool = True, progress: Callable[[str], None] | None = None,
                    timeout: float | None = None) -> Report:
    """Score every pair with libvmaf's tool at ``libvmaf`` and with vmafref; see the module doc."""
    say = progress or (lambda message: None)
    binary = open_libvmaf(libvmaf, timeout=timeout)
    requests = [arg for text in models for arg in ("--model", text)]
    requests += [arg for text in features for arg in ("--feature", text)]
    if no_prediction:
        requests.append("--no_prediction")
    families = _model_families(models, no_prediction)
    reports = []
    with tempfile.TemporaryDirectory(prefix="vmafref-conformance-") as work:
        for number, pair in enumerate(pairs, 1):
            for path in (pair.reference, pair.distorted):
                if not os.path.isfile(path):
                    raise ConformanceError(f"{path!r}: no such file")
            say(f"[{number}/{len(pairs)}] {pair.label}: libvmaf")
            lib_doc = binary.score(pair, requests, cpumask, os.path.join(work, f"libvmaf-{number}.json"))
            say(f"[{number}/{len(pairs)}] {pair.label}: vmafref")
            ref_doc = _vmafref_score(pair, requests, DEFAULT_CONVENTION, os.path.join(work, f"vmafref-{number}.json"))
            base = compare_documents(lib_doc, ref_doc, families)
            report = PairReport(pair, lib_doc["version"] or binary.version, lib_doc["precision"], cpumask, base,
                                frames=len(lib_doc["frames"]))
            if explain:
                counter = iter(range(1000))

                def rescore(convention: str) -> dict:
                    return _vmafref_score(pair, requests, convention,
                                          os.path.join(work, f"vmafref-{number}-{convention}.json"))

                def rerun() -> dict:
                    return binary.score(pair, requests, C_PATH_CPUMASK,
                                        os.path.join(work, f"libvmaf-{number}-c{next(counter)}.json"))

                _explain(pair, base, lib_doc, families, rescore, None if cpumask == C_PATH_CPUMASK else rerun,
                         ref_doc, report, lambda message: say(f"[{number}/{len(pairs)}] {message}"))
            say(f"[{number}/{len(pairs)}] {report.status()}")
            reports.append(report)
    return Report(binary.path, binary.version, reports, strict=strict)
