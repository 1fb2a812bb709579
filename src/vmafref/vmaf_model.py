"""libvmaf's JSON quality models: linear rescale, RBF nu-SVR, score mapping, transform, clip.

The arithmetic follows ``libvmaf/src/predict.c:303-418`` and the libsvm kernel in
``libvmaf/src/svm.cpp:320-372,2510-2518`` operation for operation, in IEEE double with the
C library's ``exp``, so that a frame's score equals libvmaf's to the last bit when the
features do. See specs/score.md §3-§5.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vmafref.feature_names import alias, feature_key

__all__ = [
    "BUILTIN_MODELS",
    "BUILTIN_MODEL_COLLECTIONS",
    "MODEL_TYPES",
    "ModelError",
    "SvmModel",
    "ScoreTransform",
    "VmafModel",
    "VmafModelCollection",
    "ModelFeature",
    "load_model",
    "load_model_collection",
    "load_model_or_collection",
    "model_feature_keys",
    "parse_libsvm_model",
]

#: Models shipped as package data (``src/vmafref/data/models``), BSD-2-Clause-Patent, Netflix.
BUILTIN_MODELS = ("vmaf_v0.6.1", "vmaf_float_v0.6.1", "vmaf_v0.6.1neg", "vmaf_float_v0.6.1neg", "vmaf_4k_v0.6.1",
                  "vmaf_4k_v0.6.1neg", "vmaf_float_4k_v0.6.1",
                  # VMAF v1 (libvmaf/src/model.c:108-147): cambi, speed_chroma_uv, adm3, motion3.
                  "vmaf_v1.0.16_3d0h", "vmaf_v1.0.16_3d0h_2160", "vmaf_v1.0.16_5d0h", "vmaf_v1.0.16_1d5h_2160",
                  "vmaf_v1.0.16_hfr_3d0h", "vmaf_v1.0.16_hfr_3d0h_2160", "vmaf_v1.0.16_hfr_5d0h",
                  "vmaf_v1.0.16_hfr_1d5h_2160")

#: Bootstrap model collections shipped the same way (``libvmaf/src/model.c:68-94``): a JSON
#: object whose keys ``"0"``, ``"1"``, … each hold one model (specs/bootstrap_models.md §1).
BUILTIN_MODEL_COLLECTIONS = ("vmaf_b_v0.6.3", "vmaf_float_b_v0.6.3")

#: ``model_type`` values libvmaf reads (``read_json_model.c:313-324``); all three predict alike.
MODEL_TYPES = ("LIBSVMNUSVR", "BOOTSTRAP_LIBSVMNUSVR", "RESIDUEBOOTSTRAP_LIBSVMNUSVR")

#: libvmaf extractor that provides each model feature (``feature_extractor.c``'s provided-feature lists).
_PROVIDER_PREFIXES = (
    ("VMAF_integer_feature_adm", "adm"),
    ("VMAF_integer_feature_vif", "vif"),
    ("VMAF_integer_feature_motion", "motion"),
    ("VMAF_feature_adm", "float_adm"),
    ("VMAF_feature_vif", "float_vif"),
    ("VMAF_feature_motion", "float_motion"),
    ("Cambi_feature", "cambi"),
    ("Speed_chroma_feature", "speed_chroma"),
)


class ModelError(ValueError):
    """A model file that cannot be read or evaluated as libvmaf would."""


@dataclass(frozen=True)
class SvmModel:
    """A libsvm ``nu_svr`` / ``epsilon_svr`` model with an RBF kernel (dense support vectors)."""

    svm_type: str
    gamma: float
    rho: float
    coefficients: tuple[float, ...]
    support_vectors: tuple[tuple[float, ...], ...]

    def predict(self, x: tuple[float, ...]) -> float:
        """``Σ_i coef_i · exp(−γ‖x − sv_i‖²) − ρ`` summed in libsvm's order (specs/score.md §4)."""
        total = 0.0
        neg_gamma = -self.gamma
        for coef, sv in zip(self.coefficients, self.support_vectors):
            squared = 0.0
            for xi, si in zip(x, sv):
                d = xi - si
                squared += d * d
            total += coef * math.exp(neg_gamma * squared)
        return total - self.rho


def parse_libsvm_model(text: str, n_features: int) -> SvmModel:
    """Parse libsvm's text model format into a dense :class:`SvmModel`.

    Missing ``index:value`` pairs in a support vector are zeros; ``x − 0`` squared equals the
    ``x·x`` libsvm adds for a missing index, so the dense form is bit-identical.
    """
    header: dict[str, str] = {}
    lines = text.splitlines()
    try:
        sv_start = lines.index("SV") + 1
    except ValueError:
        raise ModelError("libsvm model has no 'SV' section") from None
    for line in lines[: sv_start - 1]:
        parts = line.split(None, 1)
        if len(parts) == 2:
            header[parts[0]] = parts[1].strip()
    svm_type = header.get("svm_type")
    if svm_type not in ("nu_svr", "epsilon_svr"):
        raise ModelError(f"unsupported svm_type {svm_type!r} (vmafref supports nu_svr and epsilon_svr)")
    if header.get("kernel_type") != "rbf":
        raise ModelError(f"unsupported kernel_type {header.get('kernel_type')!r} (only rbf)")
    try:
        gamma = _finite(float(header["gamma"]), "libsvm gamma")
        rho = _finite(float(header["rho"].split()[0]), "libsvm rho")
        total_sv = int(header["total_sv"])
    except (KeyError, ValueError, IndexError) as error:
        raise ModelError(f"libsvm model header is incomplete or malformed: {error}") from None
    if gamma < 0:
        raise ModelError(f"libsvm gamma {gamma!r} is negative; the RBF kernel needs gamma >= 0")
    coefficients: list[float] = []
    support_vectors: list[tuple[float, ...]] = []
    for line_number, line in enumerate(lines[sv_start:], start=sv_start + 1):
        fields = line.split()
        if not fields:
            continue
        coefficient, vector = _support_vector(fields, n_features, line_number)
        coefficients.append(coefficient)
        support_vectors.append(vector)
    if len(coefficients) != total_sv:
        raise ModelError(f"libsvm model declares {total_sv} support vectors but holds {len(coefficients)}")
    return SvmModel(svm_type, gamma, rho, tuple(coefficients), tuple(support_vectors))


def _finite(value: float, what: str) -> float:
    """``value`` if finite; a model holding NaN or infinity would score ``null`` frames."""
    if not math.isfinite(value):
        raise ModelError(f"{what} is {value!r}; a model must hold finite numbers")
    return value


def _support_vector(fields: list[str], n_features: int, line_number: int) -> tuple[float, tuple[float, ...]]:
    """One ``coef index:value …`` line of libsvm's SV section, dense, checked."""
    where = f"libsvm model line {line_number}"
    try:
        coefficient = _finite(float(fields[0]), f"{where}: coefficient")
        vector = [0.0] * n_features
        for pair in fields[1:]:
            index_text, value_text = pair.split(":")
            index = int(index_text)
            if not 1 <= index <= n_features:
                raise ModelError(f"{where}: support vector index {index} outside 1..{n_features}")
            vector[index - 1] = _finite(float(value_text), f"{where}: support vector value {index}")
    except ValueError as error:
        if isinstance(error, ModelError):
            raise
        raise ModelError(f"{where}: not 'coefficient index:value ...': {error}") from None
    return coefficient, tuple(vector)


@dataclass(frozen=True)
class ScoreTransform:
    """Optional score transform: polynomial, piecewise-linear knots, rectification (``predict.c:163-225``)."""

    enabled: bool = False
    p0: float | None = None
    p1: float | None = None
    p2: float | None = None
    knots: tuple[tuple[float, float], ...] | None = None
    out_lte_in: bool = False
    out_gte_in: bool = False

    def apply(self, y_in: float) -> float:
        if self.p0 is not None or self.p1 is not None or self.p2 is not None:
            y_out = 0.0
            if self.p0 is not None:
                y_out += self.p0
            if self.p1 is not None:
                y_out += self.p1 * y_in
            if self.p2 is not None:
                y_out += self.p2 * y_in * y_in
        else:
            y_out = y_in
        if self.knots:
            y_out = _piecewise_linear(y_out, self.knots)
        if self.out_lte_in and y_out > y_in:
            y_out = y_in
        if self.out_gte_in and y_out < y_in:
            y_out = y_in
        return y_out


def _linear_through(p1: tuple[float, float], p2: tuple[float, float]) -> tuple[float, float]:
    (x1, y1), (x2, y2) = p1, p2
    if x2 - x1 == 0 or y2 - y1 == 0:
        return 1.0, 0.0
    if x1 == 0:
        return (y2 - y1) / x2, y1
    alpha = (y2 - y1) / (x2 - x1)
    return alpha, y1 - x1 * alpha


def _piecewise_linear(x: float, knots: tuple[tuple[float, float], ...]) -> float:
    """``piecewise_linear_mapping`` (``predict.c:102-158``), extrapolating the end segments."""
    y = 0.0
    n_seg = len(knots) - 1
    for idx in range(n_seg):
        (x0, y0), (x1, y1) = knots[idx], knots[idx + 1]
        inside = x0 <= x <= x1
        if y0 == y1:
            if inside or (idx == 0 and x < x0) or (idx == n_seg - 1 and x > x1):
                y = y0
        else:
            slope, offset = _linear_through(knots[idx], knots[idx + 1])
            if inside or (idx == 0 and x < x0) or (idx == n_seg - 1 and x > x1):
                y = slope * x + offset
    return y


@dataclass(frozen=True)
class ModelFeature:
    """One model input: libvmaf feature name, its extractor, options, and normalisation."""

    name: str
    extractor: str
    options: Mapping[str, Any]
    slope: float
    intercept: float


@dataclass(frozen=True)
class VmafModel:
    """A libvmaf ``LIBSVMNUSVR`` JSON model (specs/score.md §3)."""

    version: str
    features: tuple[ModelFeature, ...]
    slope: float
    intercept: float
    svm: SvmModel
    norm_type: str
    clip: tuple[float, float] | None
    transform: ScoreTransform = field(default_factory=ScoreTransform)
    name: str = "vmaf"
    model_type: str = "LIBSVMNUSVR"
    #: ``chroma_correction_parameter`` (``read_json_model.c:357-363``): with it, a zero
    #: ``speed_chroma`` feature is replaced by ``c - c * adm3`` (``predict.c:243-300, 384-392``).
    chroma_correction: float | None = None

    def extractor_requests(self) -> list[tuple[str, dict[str, Any]]]:
        """``(extractor name, options)`` pairs the model needs, merged per extractor, in first-use order."""
        requests: dict[str, dict[str, Any]] = {}
        for feature in self.features:
            requests.setdefault(feature.extractor, {}).update(feature.options)
        return [(name, dict(options)) for name, options in requests.items()]

    def predict(self, values: Mapping[str, float], feature_keys: tuple[str, ...] | None = None, *,
                transform_and_clip: bool = True) -> float:
        """Score one frame from its feature values (keyed by output key).

        ``feature_keys`` gives the output key of each model feature (as the extractors name
        them once their options are applied); by default the plain alias is used.
        ``transform_and_clip=False`` is libvmaf's ``VMAF_MODEL_FLAG_DISABLE_CLIP |
        VMAF_MODEL_FLAG_DISABLE_TRANSFORM`` (``predict.c:450-459``): the bootstrap statistics
        are taken on those raw scores (specs/bootstrap_models.md §3).
        """
        keys = feature_keys or tuple(alias(f.name) for f in self.features)
        x = []
        for feature, key in zip(self.features, keys):
            try:
                value = values[key]
            except KeyError:
                raise ModelError(f"model {self.version} needs feature {key!r}, which was not computed") from None
            if self.norm_type == "linear_rescale":
                value = feature.slope * value + feature.intercept
            x.append(value)
        if self.chroma_correction is not None:
            x = self._chroma_from_luma(x)
        prediction = self.svm.predict(tuple(x))
        if self.norm_type == "linear_rescale":
            prediction = (prediction - self.intercept) / self.slope
        if not transform_and_clip:
            return prediction
        return self.transform_and_clip(prediction)

    def _chroma_from_luma(self, x: list[float]) -> list[float]:
        """``post_process_feature_from_another(model, node, c, 0.0, "adm3", "speed_chroma")``.

        Scans the features in order: the one whose name holds ``adm3`` guides, the one holding
        ``speed_chroma`` is guided; as soon as the guided value, denormalised, is not exactly
        0 nothing changes. Otherwise it becomes the normalised ``(-c * adm3) + c``, adm3 being
        the denormalised guiding value (``predict.c:243-300``). See specs/speed.md §7.
        """
        linear = self.norm_type == "linear_rescale"

        def denormalize(value, feature):
            return (value - feature.intercept) / feature.slope if linear else value

        guiding = guided_idx = None
        for i, feature in enumerate(self.features):
            if "adm3" in feature.name:
                if guiding is not None:
                    raise ModelError(f"model {self.version}: more than one feature matches 'adm3'")
                guiding = denormalize(x[i], feature)
            if "speed_chroma" in feature.name:
                if guided_idx is not None:
                    raise ModelError(f"model {self.version}: more than one feature matches 'speed_chroma'")
                if denormalize(x[i], feature) != 0.0:
                    return x
                guided_idx = i
        if guided_idx is None or guiding is None:
            # libvmaf reads an uninitialised guiding score / index here.
            raise ModelError(f"model {self.version}: chroma_correction_parameter needs an adm3 and a "
                             "speed_chroma feature")
        c = self.chroma_correction
        corrected = (-c * guiding) + c
        feature = self.features[guided_idx]
        if linear:
            corrected = feature.slope * corrected + feature.intercept
        x = list(x)
        x[guided_idx] = corrected
        return x

    def transform_and_clip(self, prediction: float) -> float:
        """libvmaf's ``transform`` then ``clip`` (``predict.c:176-242``), each only when enabled."""
        if self.transform.enabled:
            prediction = self.transform.apply(prediction)
        if self.clip is not None:
            low, high = self.clip
            prediction = low if prediction < low else prediction
            prediction = high if prediction > high else prediction
        return prediction


def _provider(feature_name: str) -> str:
    for prefix, extractor in _PROVIDER_PREFIXES:
        if feature_name.startswith(prefix):
            return extractor
    raise ModelError(f"no vmafref extractor provides model feature {feature_name!r}")


#: Largest model file read (libvmaf's models are tens of kilobytes; this stops ``/dev/zero``).
MAX_MODEL_BYTES = 64 << 20


def _read_model_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_MODEL_BYTES + 1)
    except FileNotFoundError:
        raise ModelError(f"unknown model {path!r}: not a built-in version ({', '.join(BUILTIN_MODELS)}) "
                         "and no such file") from None
    except IsADirectoryError:
        raise ModelError(f"model path {path!r} is a directory, not a libvmaf JSON model file") from None
    except OSError as error:
        raise ModelError(f"cannot read model file {path!r}: {error.strerror or error}") from None
    if len(raw) > MAX_MODEL_BYTES:
        raise ModelError(f"model file {path!r} is larger than {MAX_MODEL_BYTES >> 20} MiB; not a libvmaf model")
    return raw


def _refuse_constant(name: str) -> float:
    raise ModelError(f"holds {name}, which is not a JSON number; a model must hold finite numbers")


def _finite_json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise ModelError(f"holds {text}, which overflows a double; a model must hold finite numbers")
    return value


def parse_model_json(raw: bytes, source: str) -> dict:
    """Decode a model file strictly: UTF-8, valid JSON, no NaN or infinity, bounded nesting.

    Python's ``json`` accepts ``NaN``, ``Infinity`` and ``1e999``; libvmaf's model reader does
    not read them as numbers, and a model holding one would give ``null`` scores, so they are
    refused here. See specs/score.md §3.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelError(f"model file {source} is not UTF-8 text (byte {error.start}: "
                         f"{raw[error.start:error.start + 1]!r})") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_json_float)
    except ModelError as error:
        raise ModelError(f"model file {source} {error}") from None
    except json.JSONDecodeError as error:
        raise ModelError(f"model file {source} is not valid JSON: {error}") from None
    except RecursionError:
        raise ModelError(f"model file {source} is nested too deeply to be a libvmaf model") from None
    if not isinstance(document, dict):
        raise ModelError(f"model file {source} holds a JSON {type(document).__name__}, not an object")
    return document


def _read_model_json(version_or_path: str) -> tuple[str, dict]:
    if version_or_path in BUILTIN_MODELS:
        resource = importlib.resources.files("vmafref") / "data" / "models" / f"{version_or_path}.json"
        return version_or_path, json.loads(resource.read_text(encoding="utf-8"))
    if not version_or_path:
        raise ModelError(f"empty model name: give a built-in version ({', '.join(BUILTIN_MODELS)}) or a path")
    document = parse_model_json(_read_model_bytes(version_or_path), version_or_path)
    return os.path.splitext(os.path.basename(version_or_path))[0], document


def _number(value: Any, what: str) -> float:
    """A JSON number (not a boolean) as a finite double."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ModelError(f"{what} is {value!r}, not a number")
    try:
        return _finite(float(value), what)
    except OverflowError:
        raise ModelError(f"{what} is an integer too large for a double") from None


def _number_list(value: Any, what: str, length: int | None = None) -> list[float]:
    if not isinstance(value, list):
        raise ModelError(f"{what} is {type(value).__name__}, not a list of numbers")
    if length is not None and len(value) != length:
        raise ModelError(f"{what} has {len(value)} entries, not {length}")
    return [_number(item, f"{what}[{index}]") for index, item in enumerate(value)]


def _optional_number(value: Any, what: str) -> float | None:
    return None if value is None else _number(value, what)


def _validated_model_dict(document: dict, version: str) -> dict:
    """Check the shape of ``model_dict`` before it is used, so that a malformed file fails
    with a message naming the field (specs/score.md §3), never with a TypeError."""
    model_dict = document.get("model_dict")
    if not isinstance(model_dict, dict):
        raise ModelError(f"model {version}: no 'model_dict' object")
    model_type = model_dict.get("model_type")
    if model_type not in MODEL_TYPES:
        raise ModelError(f"model {version}: model_type {model_type!r} is not supported (only {', '.join(MODEL_TYPES)})")
    names = model_dict.get("feature_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ModelError(f"model {version}: 'feature_names' must be a non-empty list of strings")
    for key in ("slopes", "intercepts"):
        if not isinstance(model_dict.get(key), list) or len(model_dict[key]) != len(names) + 1:
            raise ModelError(f"model {version}: {len(names)} features need {len(names) + 1} slopes and intercepts")
        _number_list(model_dict[key], f"model {version}: {key}")
    norm_type = model_dict.get("norm_type", "none")
    if norm_type not in ("linear_rescale", "none"):
        raise ModelError(f"model {version}: norm_type {norm_type!r} is not supported")
    if norm_type == "linear_rescale" and model_dict["slopes"][0] == 0:
        raise ModelError(f"model {version}: slopes[0] is 0, and the score mapping divides by it")
    options = model_dict.get("feature_opts_dicts")
    if options is not None and (not isinstance(options, list) or len(options) != len(names)
                                or not all(isinstance(o, dict) for o in options)):
        raise ModelError(f"model {version}: 'feature_opts_dicts' must be a list of {len(names)} objects")
    for index, opts in enumerate(options or ()):
        for key, value in opts.items():
            if isinstance(value, float):
                _finite(value, f"model {version}: feature_opts_dicts[{index}] {key}")
            elif not isinstance(value, (str, int, bool)):
                raise ModelError(f"model {version}: feature_opts_dicts[{index}] {key} is {value!r}, not a "
                                 "string, number or boolean")
    if model_dict.get("score_clip") is not None:
        _number_list(model_dict["score_clip"], f"model {version}: score_clip", length=2)
    transform = model_dict.get("score_transform")
    if transform is not None:
        if not isinstance(transform, dict):
            raise ModelError(f"model {version}: 'score_transform' must be an object")
        for key in ("p0", "p1", "p2"):
            _optional_number(transform.get(key), f"model {version}: score_transform {key}")
        knots = transform.get("knots")
        if knots is not None:
            if not isinstance(knots, list):
                raise ModelError(f"model {version}: score_transform knots must be a list of [x, y] pairs")
            for index, knot in enumerate(knots):
                _number_list(knot, f"model {version}: score_transform knots[{index}]", length=2)
    if not isinstance(model_dict.get("model"), str):
        raise ModelError(f"model {version}: 'model' must hold the libsvm model text")
    return model_dict


def load_model(version_or_path: str, *, name: str = "vmaf", disable_clip: bool = False,
               enable_transform: bool = False, overloads: Mapping[str, Mapping[str, Any]] | None = None) -> VmafModel:
    """Load a built-in model by version, or a libvmaf JSON model file by path.

    ``overloads`` maps extractor name -> options, as ``--model ...:adm.debug=true`` does
    (``cli_parse.c:194-260``). ``disable_clip`` / ``enable_transform`` are the model flags.
    A model collection (``vmaf_b_v0.6.3``) is read by :func:`load_model_collection`.
    """
    if version_or_path in BUILTIN_MODEL_COLLECTIONS:
        raise ModelError(f"{version_or_path} is a model collection; load it with load_model_collection")
    version, document = _read_model_json(version_or_path)
    if "model_dict" not in document and "0" in document:
        raise ModelError(f"{version_or_path} is a model collection (keys \"0\", \"1\", ...); "
                         "load it with load_model_collection")
    return _build_model(document, version, name=name, disable_clip=disable_clip, enable_transform=enable_transform,
                        overloads=overloads)


def _build_model(document: dict, version: str, *, name: str, disable_clip: bool, enable_transform: bool,
                 overloads: Mapping[str, Mapping[str, Any]] | None) -> VmafModel:
    """One model from its JSON document (an object holding ``model_dict``)."""
    model_dict = _validated_model_dict(document, version)
    names = list(model_dict["feature_names"])
    slopes = list(model_dict["slopes"])
    intercepts = list(model_dict["intercepts"])
    norm_type = model_dict.get("norm_type", "none")
    options_per_feature = model_dict.get("feature_opts_dicts") or [{} for _ in names]
    overloads = {k: dict(v) for k, v in (overloads or {}).items()}
    features = []
    for index, feature_name in enumerate(names):
        extractor = _provider(feature_name)
        options = dict(options_per_feature[index])
        options.update(overloads.get(extractor, {}))
        features.append(ModelFeature(feature_name, extractor, options, slopes[index + 1], intercepts[index + 1]))
    unknown_overloads = sorted(set(overloads) - {f.extractor for f in features})
    if unknown_overloads:
        raise ModelError(f"model {version} does not use extractor(s) {', '.join(unknown_overloads)}; cannot overload them")
    clip = None
    score_clip = model_dict.get("score_clip")
    if score_clip is not None and not disable_clip:
        clip = (float(score_clip[0]), float(score_clip[1]))
    transform = ScoreTransform()
    raw_transform = model_dict.get("score_transform")
    if raw_transform is not None:
        knots = raw_transform.get("knots")
        transform = ScoreTransform(
            enabled=bool(raw_transform.get("enabled", False)) or enable_transform,
            p0=raw_transform.get("p0"), p1=raw_transform.get("p1"), p2=raw_transform.get("p2"),
            knots=tuple((float(a), float(b)) for a, b in knots) if knots else None,
            out_lte_in=raw_transform.get("out_lte_in") == "true",
            out_gte_in=raw_transform.get("out_gte_in") == "true",
        )
    svm = parse_libsvm_model(model_dict["model"], len(names))
    return VmafModel(version, tuple(features), slopes[0], intercepts[0], svm, norm_type, clip, transform, name,
                     model_dict["model_type"], chroma_correction=_chroma_correction(model_dict, version))


def _chroma_correction(model_dict: dict, version: str) -> float | None:
    value = model_dict.get("chroma_correction_parameter")
    if value is None:
        return None
    _finite(value, f"model {version}: chroma_correction_parameter")
    if float(value) == 0.0:
        # predict.c:385-386 then writes no score at all.
        raise ModelError(f"model {version}: chroma_correction_parameter 0 gives no score in libvmaf")
    return float(value)


#: Bootstrap statistics' output-key suffixes, in libvmaf's write order (``predict.c:507-531``).
COLLECTION_SUFFIXES = ("_bagging", "_stddev", "_ci_p95_lo", "_ci_p95_hi")


def _percentile(scores: list[float], perc: float) -> float:
    """``percentile`` of ``predict.c:430-438``: linear between the two nearest sorted scores."""
    p = perc * (len(scores) - 1) / 100.0
    idx_l, idx_r = math.floor(p), math.ceil(p)
    if idx_l == idx_r:
        return scores[idx_l]
    return scores[idx_l] * (idx_r - p) + scores[idx_r] * (p - idx_l)


@dataclass(frozen=True)
class VmafModelCollection:
    """A libvmaf bootstrap model collection (``BOOTSTRAP_LIBSVMNUSVR``; specs/bootstrap_models.md).

    ``main`` is the file's model ``"0"``, scored under ``name`` like any model; ``members`` are
    models ``"1"`` … ``"N"``, scored under ``name_0001`` … (``read_json_model.c:500-531``). The
    bootstrap statistics are taken over the members only.
    """

    version: str
    name: str
    main: VmafModel
    members: tuple[VmafModel, ...]

    @property
    def output_keys(self) -> tuple[str, ...]:
        """Every per-frame key the collection writes after ``main``'s, in libvmaf's order."""
        return tuple(m.name for m in self.members) + tuple(self.name + s for s in COLLECTION_SUFFIXES)

    def extractor_requests(self) -> list[tuple[str, dict[str, Any]]]:
        """Extractors of the members in first-use order (``libvmaf.c:464-474``)."""
        requests: dict[str, dict[str, Any]] = {}
        for member in self.members:
            for extractor, options in member.extractor_requests():
                requests.setdefault(extractor, {}).update(options)
        return [(name, dict(options)) for name, options in requests.items()]

    def predict(self, values: Mapping[str, float],
                member_keys: tuple[tuple[str, ...] | None, ...] | None = None) -> dict[str, float]:
        """Every member's score and the four bootstrap statistics of one frame
        (``vmaf_bootstrap_predict_score_at_index``, ``predict.c:440-533``).

        Mean, standard deviation and the 95 % interval are taken on the members' raw scores
        (no transform, no clip); then the mean and the interval ends go through the first
        member's transform and clip, and the standard deviation is scaled by the slope of that
        mapping at the mean, measured over ±0.01.
        """
        keys = member_keys or (None,) * len(self.members)
        out: dict[str, float] = {}
        raw: list[float] = []
        for member, member_key in zip(self.members, keys):
            raw.append(member.predict(values, member_key, transform_and_clip=False))
            out[member.name] = member.predict(values, member_key)
        count = len(raw)
        total = 0.0
        for value in raw:
            total += value
        mean = total / count
        delta = 0.01
        ssd = 0.0
        for value in raw:
            ssd += math.pow(value - mean, 2)
        stddev = math.sqrt(ssd / count)
        ordered = sorted(raw)
        low, high = _percentile(ordered, 2.5), _percentile(ordered, 97.5)
        first = self.members[0]
        bagging = first.transform_and_clip(mean)
        low, high = first.transform_and_clip(low), first.transform_and_clip(high)
        plus, minus = first.transform_and_clip(mean + delta), first.transform_and_clip(mean - delta)
        stddev *= (plus - minus) / (2.0 * delta)
        for suffix, value in zip(COLLECTION_SUFFIXES, (bagging, stddev, low, high)):
            out[self.name + suffix] = value
        return out


def load_model_collection(version_or_path: str, *, name: str = "vmaf", disable_clip: bool = False,
                          enable_transform: bool = False,
                          overloads: Mapping[str, Mapping[str, Any]] | None = None) -> VmafModelCollection:
    """Load a bootstrap model collection: a built-in one by version or a libvmaf JSON file by path.

    As ``model_collection_parse`` (``read_json_model.c:488-540``): the top-level keys are read in
    file order, the ``i``-th model is the one under key ``str(i)`` (other keys are skipped), and
    fewer than two models, or members of different or non-bootstrap types, are refused.
    """
    if version_or_path in BUILTIN_MODEL_COLLECTIONS:
        resource = importlib.resources.files("vmafref") / "data" / "models" / f"{version_or_path}.json"
        version, document = version_or_path, json.loads(resource.read_text(encoding="utf-8"))
    else:
        if version_or_path in BUILTIN_MODELS:
            raise ModelError(f"{version_or_path} is a single model, not a model collection")
        version, document = _read_model_json(version_or_path)
    models: list[VmafModel] = []
    for key, value in document.items():
        if key != str(len(models)):
            continue
        if not isinstance(value, dict):
            raise ModelError(f"model collection {version}: model {key!r} is not a JSON object")
        member_name = name if not models else f"{name}_{len(models):04d}"
        models.append(_build_model(value, f"{version}[{key}]", name=member_name, disable_clip=disable_clip,
                                   enable_transform=enable_transform, overloads=overloads))
    if len(models) < 2:
        raise ModelError(f"model collection {version} holds {len(models)} model(s) under keys \"0\", \"1\", ...; "
                         "a collection needs at least two (libvmaf refuses it otherwise)")
    members = tuple(models[1:])
    types = {m.model_type for m in members}
    if len(types) != 1 or not types <= {"BOOTSTRAP_LIBSVMNUSVR", "RESIDUEBOOTSTRAP_LIBSVMNUSVR"}:
        raise ModelError(f"model collection {version}: its members' model_type is {sorted(types)}; libvmaf scores "
                         "only collections of one bootstrap type (BOOTSTRAP_LIBSVMNUSVR or "
                         "RESIDUEBOOTSTRAP_LIBSVMNUSVR)")
    return VmafModelCollection(version, name, models[0], members)


def load_model_or_collection(version_or_path: str, **kwargs: Any) -> VmafModel | VmafModelCollection:
    """A model, or a model collection where the version or file is one, as libvmaf's ``--model``
    tries ``vmaf_model_load`` and then ``vmaf_model_collection_load`` (``tools/vmaf.c:223-246``)."""
    if version_or_path in BUILTIN_MODEL_COLLECTIONS:
        return load_model_collection(version_or_path, **kwargs)
    if version_or_path in BUILTIN_MODELS:
        return load_model(version_or_path, **kwargs)
    version, document = _read_model_json(version_or_path)
    if "model_dict" not in document and "0" in document:
        return load_model_collection(version_or_path, **kwargs)
    return _build_model(document, version, **{"name": "vmaf", "disable_clip": False, "enable_transform": False,
                                             "overloads": None, **kwargs})


def model_feature_keys(model: VmafModel, feature_params: Mapping[str, Mapping[str, tuple[str, Any]]]) -> tuple[str, ...]:
    """Output key of each model feature given each extractor's non-default feature parameters."""
    return tuple(feature_key(f.name, feature_params.get(f.extractor)) for f in model.features)
