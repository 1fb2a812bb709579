"""Drive libvmaf's C API through ctypes and read every value back as an IEEE double.

libvmaf's command-line tool prints six decimals; the C API hands back the doubles its
feature extractors stored. This module loads any ``libvmaf.so`` the caller names, feeds it
frames from numpy arrays, and returns, for every frame index, every feature value under
libvmaf's output key (the alias its writers use, ``src/feature/alias.c``) plus the model
scores, and the pooled values (``vmaf_score_pooled`` / ``vmaf_feature_score_pooled``:
min, max, mean, harmonic_mean).

Calls used (``libvmaf/libvmaf.h``, ``feature.h``, ``model.h``, ``picture.h``):
``vmaf_init`` (``n_threads=0``, no cpumask unless asked), ``vmaf_model_load``,
``vmaf_model_feature_overload``, ``vmaf_use_features_from_model``, ``vmaf_use_feature``,
``vmaf_feature_dictionary_set``, ``vmaf_picture_alloc``, ``vmaf_read_pictures`` (then a
flush with two NULLs), ``vmaf_feature_score_at_index``, ``vmaf_score_at_index``,
``vmaf_score_pooled``, ``vmaf_feature_score_pooled``, ``vmaf_write_output`` (CSV, only to
learn the names of the stored features), ``vmaf_version``; for a model collection
(``vmaf_b_v0.6.3``) ``vmaf_model_collection_load``, ``vmaf_model_collection_feature_overload``,
``vmaf_use_features_from_model_collection`` and ``vmaf_score_pooled_model_collection``, whose
per-frame keys are read back like features.

The feature collector stores a feature under its libvmaf name
(``VMAF_integer_feature_adm2_score``) when its options are the defaults, and under the
option-suffixed alias (``integer_adm2_egl_1``) otherwise (``src/feature/feature_name.c``).
The names are read from the CSV header that ``vmaf_write_output`` writes, mapped back to
the stored names through the alias table, and every value read through the API is checked
against the printed one.

Usable as a library (``LibVmaf``) and as a command::

    python -m vmafref.libvmaf_capi --libvmaf path/to/libvmaf.so --version
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import dataclasses
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "EXPECTED_VERSION",
    "PIXEL_FORMATS",
    "POOL_METHODS",
    "LibVmaf",
    "LibVmafError",
    "LibVmafVersionError",
    "ModelRequest",
    "FeatureRequest",
    "Scores",
    "chroma_shape",
]

#: The libvmaf commit the goldens and the reimplementation follow (``vmaf_version()``).
EXPECTED_VERSION = "f85a8536"

#: Pixel format name -> ``enum VmafPixelFormat`` (``picture.h``).
PIXEL_FORMATS = {"420": 1, "422": 2, "444": 3, "400": 4}

#: Pooling method name -> ``enum VmafPoolingMethod`` (``libvmaf.h``).
POOL_METHODS = {"min": 1, "max": 2, "mean": 3, "harmonic_mean": 4}

# libvmaf's alias table (``src/feature/alias.c``) is data both sides share; the values
# themselves are read back from libvmaf, never from vmafref.
from vmafref.feature_names import ALIASES as _ALIASES  # noqa: E402

_STORED_NAME = {alias: name for name, alias in _ALIASES.items()}


class LibVmafError(RuntimeError):
    """A libvmaf call returned an error code, or its output could not be read back."""


class LibVmafVersionError(LibVmafError):
    """The loaded library is not the libvmaf commit this project follows."""


class _Configuration(ctypes.Structure):
    _fields_ = [
        ("log_level", ctypes.c_int),
        ("n_threads", ctypes.c_uint),
        ("n_subsample", ctypes.c_uint),
        ("cpumask", ctypes.c_uint64),
        ("gpumask", ctypes.c_uint64),
    ]


class _Picture(ctypes.Structure):
    _fields_ = [
        ("pix_fmt", ctypes.c_int),
        ("bpc", ctypes.c_uint),
        ("w", ctypes.c_uint * 3),
        ("h", ctypes.c_uint * 3),
        ("stride", ctypes.c_ssize_t * 3),
        ("data", ctypes.c_void_p * 3),
        ("ref", ctypes.c_void_p),
        ("priv", ctypes.c_void_p),
    ]


class _ModelConfig(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("flags", ctypes.c_uint64)]


class _CollectionScore(ctypes.Structure):
    """``VmafModelCollectionScore`` (``model.h``): type, then bagging, stddev, ci.p95.lo, ci.p95.hi."""

    _fields_ = [("type", ctypes.c_int), ("bagging_score", ctypes.c_double), ("stddev", ctypes.c_double),
                ("lo", ctypes.c_double), ("hi", ctypes.c_double)]


#: ``enum VmafModelFlags`` (``model.h``).
MODEL_FLAGS = {"disable_clip": 1 << 0, "enable_transform": 1 << 1}


@dataclasses.dataclass(frozen=True)
class ModelRequest:
    """A built-in model loaded by version, with per-extractor option overloads.

    ``overloads`` maps an extractor name (``adm``) to its options (``{"debug": "true"}``),
    exactly what ``--model version=V:adm.debug=true`` asks of libvmaf's CLI.
    """

    version: str
    overloads: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    name: str | None = None
    #: Model flags by their ``--model`` names: ``disable_clip``, ``enable_transform``.
    flags: Sequence[str] = ()

    def cli_argument(self) -> str:
        """The equivalent ``--model`` argument of libvmaf's CLI."""
        parts = [f"version={self.version}"]
        if self.name:
            parts.append(f"name={self.name}")
        parts.extend(self.flags)
        for extractor, options in self.overloads.items():
            parts.extend(f"{extractor}.{key}={value}" for key, value in options.items())
        return ":".join(parts)


@dataclasses.dataclass(frozen=True)
class FeatureRequest:
    """One extractor registered on its own (``--feature name=opt=val:...``)."""

    name: str
    options: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def cli_argument(self) -> str:
        """The equivalent ``--feature`` argument of libvmaf's CLI."""
        if not self.options:
            return self.name
        return self.name + "=" + ":".join(f"{key}={value}" for key, value in self.options.items())


@dataclasses.dataclass
class Scores:
    """Everything one libvmaf context computed.

    ``frames[i]`` maps output key -> value for frame ``i`` (model scores under the model's
    name, ``vmaf`` by default); ``pooled[key][method]`` holds the pooled values.
    """

    version: str
    frames: list[dict[str, float]]
    pooled: dict[str, dict[str, float]]
    feature_keys: list[str]
    model_keys: list[str]


def chroma_shape(width: int, height: int, pixel_format: str) -> tuple[int, int]:
    """(height, width) of a chroma plane as raw YUV files store it (rounded up)."""
    if pixel_format == "444":
        return height, width
    if pixel_format == "422":
        return height, (width + 1) // 2
    if pixel_format == "420":
        return (height + 1) // 2, (width + 1) // 2
    if pixel_format == "400":
        return 0, 0
    raise ValueError(f"unknown pixel format {pixel_format!r}; known: {', '.join(PIXEL_FORMATS)}")


class LibVmaf:
    """A loaded ``libvmaf.so``.

    Args:
      path: the shared library to load.
      allow_version_mismatch: accept a library whose ``vmaf_version()`` is not
        :data:`EXPECTED_VERSION` (its values are then not the reference).
    """

    def __init__(self, path: str | os.PathLike, *, allow_version_mismatch: bool = False):
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"libvmaf library not found: {self.path}")
        try:
            self._lib = ctypes.CDLL(self.path)
        except OSError as error:
            raise LibVmafError(f"cannot load {self.path}: {error}") from None
        self._declare()
        self.version = self._lib.vmaf_version().decode()
        if self.version != EXPECTED_VERSION and not allow_version_mismatch:
            raise LibVmafVersionError(
                f"{self.path} is libvmaf {self.version!r}, but the reference is libvmaf "
                f"{EXPECTED_VERSION!r} (Netflix/vmaf commit f85a8536); pass "
                "--allow-version-mismatch to use it anyway")

    def _declare(self) -> None:
        lib = self._lib
        void_pp = ctypes.POINTER(ctypes.c_void_p)
        signatures = {
            "vmaf_version": ([], ctypes.c_char_p),
            "vmaf_init": ([void_pp, _Configuration], ctypes.c_int),
            "vmaf_close": ([ctypes.c_void_p], ctypes.c_int),
            "vmaf_feature_dictionary_set": ([void_pp, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int),
            "vmaf_feature_dictionary_free": ([void_pp], ctypes.c_int),
            "vmaf_use_feature": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p], ctypes.c_int),
            "vmaf_use_features_from_model": ([ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int),
            "vmaf_model_load": ([void_pp, ctypes.POINTER(_ModelConfig), ctypes.c_char_p], ctypes.c_int),
            "vmaf_model_feature_overload": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p], ctypes.c_int),
            "vmaf_model_destroy": ([ctypes.c_void_p], None),
            "vmaf_model_collection_load": ([void_pp, void_pp, ctypes.POINTER(_ModelConfig), ctypes.c_char_p],
                                           ctypes.c_int),
            "vmaf_model_collection_feature_overload": ([ctypes.c_void_p, void_pp, ctypes.c_char_p, ctypes.c_void_p],
                                                       ctypes.c_int),
            "vmaf_use_features_from_model_collection": ([ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int),
            "vmaf_score_pooled_model_collection": ([ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                                    ctypes.POINTER(_CollectionScore), ctypes.c_uint, ctypes.c_uint],
                                                   ctypes.c_int),
            "vmaf_model_collection_destroy": ([ctypes.c_void_p], None),
            "vmaf_picture_alloc": ([ctypes.POINTER(_Picture), ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                    ctypes.c_uint], ctypes.c_int),
            "vmaf_picture_unref": ([ctypes.POINTER(_Picture)], ctypes.c_int),
            "vmaf_read_pictures": ([ctypes.c_void_p, ctypes.POINTER(_Picture), ctypes.POINTER(_Picture),
                                    ctypes.c_uint], ctypes.c_int),
            "vmaf_feature_score_at_index": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_double),
                                             ctypes.c_uint], ctypes.c_int),
            "vmaf_score_at_index": ([ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_double),
                                     ctypes.c_uint], ctypes.c_int),
            "vmaf_score_pooled": ([ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_double),
                                   ctypes.c_uint, ctypes.c_uint], ctypes.c_int),
            "vmaf_feature_score_pooled": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                           ctypes.POINTER(ctypes.c_double), ctypes.c_uint, ctypes.c_uint],
                                          ctypes.c_int),
            "vmaf_write_output": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int], ctypes.c_int),
        }
        for name, (argtypes, restype) in signatures.items():
            try:
                function = getattr(lib, name)
            except AttributeError:
                raise LibVmafError(f"{self.path} does not export {name}; is it libvmaf >= 2?") from None
            function.argtypes = argtypes
            function.restype = restype

    def _check(self, code: int, what: str) -> None:
        if code:
            raise LibVmafError(f"{what} failed with error {code} ({os.strerror(-code) if code < 0 else code})")

    def _dictionary(self, options: Mapping[str, str]) -> ctypes.c_void_p:
        dictionary = ctypes.c_void_p()
        for key, value in options.items():
            self._check(self._lib.vmaf_feature_dictionary_set(ctypes.byref(dictionary), str(key).encode(),
                                                              str(value).encode()),
                        f"vmaf_feature_dictionary_set({key}={value})")
        return dictionary

    def compute(self, frames: Iterable[tuple[Sequence[np.ndarray], Sequence[np.ndarray]]], *, width: int,
                height: int, pixel_format: str, bitdepth: int, models: Sequence[ModelRequest] = (),
                features: Sequence[FeatureRequest] = (), cpumask: int = 0, log_level: int = 1) -> Scores:
        """Run one libvmaf context over ``frames`` and read back every value.

        ``frames`` yields ``(reference_planes, distorted_planes)``; each is a sequence whose
        first element is the luma plane, shape ``(height, width)``, ``uint8`` for 8-bit and
        ``uint16`` above; chroma planes, when given, are copied too (the features covered
        here read only luma).
        """
        if pixel_format not in PIXEL_FORMATS:
            raise ValueError(f"unknown pixel format {pixel_format!r}; known: {', '.join(PIXEL_FORMATS)}")
        if not 8 <= bitdepth <= 16:
            raise ValueError(f"bit depth must be 8..16, got {bitdepth}")
        if not models and not features:
            raise ValueError("nothing to compute: give at least one model or feature")
        names = [model.name or "vmaf" for model in models]
        if len(set(names)) != len(names):
            raise ValueError(f"model names must be unique within one context, got {names}")
        lib = self._lib
        context = ctypes.c_void_p()
        config = _Configuration(log_level=log_level, n_threads=0, n_subsample=0, cpumask=cpumask, gpumask=0)
        self._check(lib.vmaf_init(ctypes.byref(context), config), "vmaf_init")
        loaded: list[ctypes.c_void_p] = []
        collections: list[ctypes.c_void_p] = []
        try:
            for model in models:
                handle = ctypes.c_void_p()
                flags = sum(MODEL_FLAGS[flag] for flag in model.flags)
                model_config = _ModelConfig(name=model.name.encode() if model.name else None, flags=flags)
                if lib.vmaf_model_load(ctypes.byref(handle), ctypes.byref(model_config), model.version.encode()):
                    # As libvmaf's CLI (tools/vmaf.c:223-286): not a model, so maybe a model collection.
                    collection = ctypes.c_void_p()
                    model_config = _ModelConfig(name=model.name.encode() if model.name else None, flags=flags)
                    self._check(lib.vmaf_model_collection_load(ctypes.byref(handle), ctypes.byref(collection),
                                                               ctypes.byref(model_config), model.version.encode()),
                                f"vmaf_model_load / vmaf_model_collection_load({model.version})")
                    loaded.append(handle)
                    collections.append(collection)
                    for extractor, options in model.overloads.items():
                        self._check(lib.vmaf_model_collection_feature_overload(
                            handle, ctypes.byref(collection), extractor.encode(), self._dictionary(options)),
                            f"vmaf_model_collection_feature_overload({extractor})")
                    self._check(lib.vmaf_use_features_from_model_collection(context, collection),
                                f"vmaf_use_features_from_model_collection({model.version})")
                    continue
                loaded.append(handle)
                for extractor, options in model.overloads.items():
                    self._check(lib.vmaf_model_feature_overload(handle, extractor.encode(),
                                                                self._dictionary(options)),
                                f"vmaf_model_feature_overload({extractor})")
                self._check(lib.vmaf_use_features_from_model(context, handle),
                            f"vmaf_use_features_from_model({model.version})")
            for feature in features:
                self._check(lib.vmaf_use_feature(context, feature.name.encode(), self._dictionary(feature.options)),
                            f"vmaf_use_feature({feature.name})")
            count = self._feed(context, frames, width, height, pixel_format, bitdepth)
            if count == 0:
                raise ValueError("no frames to score")
            return self._collect(context, loaded, names, count, collections)
        finally:
            for handle in loaded:
                lib.vmaf_model_destroy(handle)
            for collection in collections:
                lib.vmaf_model_collection_destroy(collection)
            lib.vmaf_close(context)

    def _feed(self, context, frames, width, height, pixel_format, bitdepth) -> int:
        lib = self._lib
        dtype = np.uint8 if bitdepth == 8 else np.dtype("<u2")
        index = 0
        for reference, distorted in frames:
            pictures = []
            for planes in (reference, distorted):
                picture = _Picture()
                self._check(lib.vmaf_picture_alloc(ctypes.byref(picture), PIXEL_FORMATS[pixel_format], bitdepth,
                                                   width, height), "vmaf_picture_alloc")
                try:
                    self._copy_planes(picture, planes, width, height, dtype)
                except Exception:
                    lib.vmaf_picture_unref(ctypes.byref(picture))
                    raise
                pictures.append(picture)
            # vmaf_read_pictures takes ownership of both pictures, on success and failure.
            self._check(lib.vmaf_read_pictures(context, ctypes.byref(pictures[0]), ctypes.byref(pictures[1]), index),
                        f"vmaf_read_pictures(index {index})")
            index += 1
        self._check(lib.vmaf_read_pictures(context, None, None, 0), "vmaf_read_pictures(flush)")
        return index

    @staticmethod
    def _copy_planes(picture: _Picture, planes: Sequence[np.ndarray], width: int, height: int, dtype) -> None:
        luma = np.asarray(planes[0])
        if luma.shape != (height, width):
            raise ValueError(f"luma plane has shape {luma.shape}, expected {(height, width)}")
        if luma.dtype != dtype:
            raise ValueError(f"luma plane has dtype {luma.dtype}, expected {np.dtype(dtype)}")
        for plane_index, plane in enumerate(planes[:3]):
            rows = min(int(picture.h[plane_index]), plane.shape[0])
            cols = min(int(picture.w[plane_index]), plane.shape[1] if plane.ndim == 2 else 0)
            if rows == 0 or cols == 0 or not picture.data[plane_index]:
                continue
            source = np.ascontiguousarray(np.asarray(plane, dtype=dtype)[:rows, :cols])
            stride = int(picture.stride[plane_index])
            row_bytes = cols * source.itemsize
            base = int(picture.data[plane_index])
            for row in range(rows):
                ctypes.memmove(base + row * stride, source[row].ctypes.data, row_bytes)

    def _stored_feature_names(self, context) -> list[str]:
        """Output keys of every stored feature, in collector order, from the CSV header."""
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "names.csv")
            self._check(self._lib.vmaf_write_output(context, path.encode(), 3), "vmaf_write_output(csv)")
            with open(path, newline="") as handle:
                rows = list(csv.reader(handle))
        header = [cell for cell in rows[0] if cell]
        if not header or header[0] != "Frame":
            raise LibVmafError(f"unexpected CSV header from vmaf_write_output: {rows[0]!r}")
        self._printed = {}
        for row in rows[1:]:
            cells = [cell for cell in row if cell]
            if len(cells) == len(header):
                frame = int(cells[0])
                self._printed[frame] = dict(zip(header[1:], cells[1:]))
        return header[1:]

    def _read(self, context, name: str, index: int) -> float | None:
        value = ctypes.c_double()
        if self._lib.vmaf_feature_score_at_index(context, name.encode(), ctypes.byref(value), index):
            return None
        return value.value

    def _collect(self, context, models, model_names, count, collections=()) -> Scores:
        lib = self._lib
        model_scores: dict[str, list[float]] = {}
        for handle, name in zip(models, model_names):
            values = []
            for index in range(count):
                value = ctypes.c_double()
                self._check(lib.vmaf_score_at_index(context, handle, ctypes.byref(value), index),
                            f"vmaf_score_at_index({name}, {index})")
                values.append(value.value)
            model_scores[name] = values
        # A collection's members and bootstrap statistics, written per frame into the feature
        # collector as libvmaf's CLI has them written (tools/vmaf.c:415-419); read back below.
        before = set(self._stored_feature_names(context)) if collections else set()
        for collection in collections:
            pooled_score = _CollectionScore()
            self._check(lib.vmaf_score_pooled_model_collection(context, collection, POOL_METHODS["mean"],
                                                               ctypes.byref(pooled_score), 0, count - 1),
                        "vmaf_score_pooled_model_collection")
        collection_keys = [key for key in self._stored_feature_names(context) if key not in before] \
            if collections else []
        keys = [key for key in self._stored_feature_names(context) if key not in model_scores]
        stored: dict[str, str] = {}
        for key in keys:
            for candidate in (_STORED_NAME.get(key), key):
                if candidate and self._read(context, candidate, 0) is not None:
                    stored[key] = candidate
                    break
            else:
                raise LibVmafError(f"cannot read feature {key!r} back through vmaf_feature_score_at_index")
        frames: list[dict[str, float]] = [dict() for _ in range(count)]
        for key, name in stored.items():
            for index in range(count):
                value = self._read(context, name, index)
                if value is None:
                    raise LibVmafError(f"feature {key!r} has no value at frame {index}")
                frames[index][key] = value
                self._cross_check(key, index, value)
        for name, values in model_scores.items():
            for index, value in enumerate(values):
                frames[index][name] = value
                self._cross_check(name, index, value)
        pooled: dict[str, dict[str, float]] = {}
        for key, name in stored.items():
            pooled[key] = {}
            for method, code in POOL_METHODS.items():
                value = ctypes.c_double()
                self._check(lib.vmaf_feature_score_pooled(context, name.encode(), code, ctypes.byref(value), 0,
                                                          count - 1), f"vmaf_feature_score_pooled({key}, {method})")
                pooled[key][method] = value.value
        for handle, name in zip(models, model_names):
            pooled[name] = {}
            for method, code in POOL_METHODS.items():
                value = ctypes.c_double()
                self._check(lib.vmaf_score_pooled(context, handle, code, ctypes.byref(value), 0, count - 1),
                            f"vmaf_score_pooled({name}, {method})")
                pooled[name][method] = value.value
        return Scores(version=self.version, frames=frames, pooled=pooled,
                      feature_keys=[key for key in stored if key not in collection_keys],
                      model_keys=list(model_scores) + collection_keys)

    def _cross_check(self, key: str, index: int, value: float) -> None:
        """The double read through the API must print as libvmaf printed it."""
        printed = self._printed.get(index, {}).get(key)
        if printed is None:
            return
        if math.isnan(value) and printed.lower().lstrip("-") == "nan":
            return
        if math.isinf(value) and printed.lower().lstrip("-") in ("inf", "infinity"):
            return
        decimals = len(printed.split(".")[1]) if "." in printed else 0
        if f"{value:.{decimals}f}" != printed:
            raise LibVmafError(f"{key} at frame {index}: API value {value!r} but libvmaf printed {printed}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report the version of a libvmaf shared library.")
    parser.add_argument("--libvmaf", required=True, help="path of libvmaf.so")
    parser.add_argument("--allow-version-mismatch", action="store_true")
    parser.add_argument("--version", action="store_true", help="print vmaf_version() and exit")
    args = parser.parse_args(argv)
    try:
        library = LibVmaf(args.libvmaf, allow_version_mismatch=args.allow_version_mismatch)
    except LibVmafError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(library.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
