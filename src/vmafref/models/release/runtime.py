r"""Scoring with the tiny networks: sessions built only from verified bytes.

* :class:`TinyModel` wraps an NR or FR network for per-frame scoring
  (``score_frame(dis_luma, bitdepth, features)``);
* :class:`LearnedFilter` wraps ``learned_filter_v1`` as a luma pre-filter
  (``apply(luma, bitdepth) -> luma``).

Both open their model through :func:`vmafref.models.release.loader.load` (sha256, opset, allowlist,
no external data) and hand onnxruntime the bytes that were checked. Devices: ``"cpu"``
(always works), ``"cuda"`` (CUDAExecutionProvider, an error when onnxruntime lacks it) and
``"auto"`` (CUDA when available, else CPU).

Preprocessing is one shared definition (specs/models/evaluation.md §5 and
specs/models/sidecar.md §4):

* luma to [0, 1]: :math:`x / (2^{b} - 1)` for bit depth :math:`b` (no high-byte truncation);
* NR frames: one, two or four **native-resolution** 224×224 crops centred in the frame (see
  :func:`nr_input`), whose outputs are averaged: a resize to 224×224 would average away the
  blocking and ringing the network has to see (:func:`area_resize` stays for the corpus
  loaders' thumbnails);
* FR features: picked by name in the sidecar's ``feature_order`` and standardised with its
  ``feature_mean``/``feature_std``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from vmafref.models.networks.codec import codec_onehot
from vmafref.models.release.loader import VerifiedModel, load
from vmafref.models.datasets.standardize import Standardizer

__all__ = [
    "DEVICES",
    "RuntimeInputError",
    "DeviceUnavailableError",
    "NR_INPUT_SIZE",
    "luma_to_unit",
    "unit_to_luma",
    "area_resize",
    "nr_input",
    "select_providers",
    "TinyModel",
    "LearnedFilter",
]

DEVICES = ("cpu", "cuda", "auto")
NR_INPUT_SIZE = 224


class RuntimeInputError(ValueError):
    """A frame, bit depth, feature dict or model kind that the network cannot score."""


class DeviceUnavailableError(RuntimeError):
    """``device="cuda"`` was asked for but onnxruntime has no CUDAExecutionProvider."""


def _check_luma(luma: np.ndarray, bitdepth: int) -> np.ndarray:
    if isinstance(bitdepth, bool) or not isinstance(bitdepth, (int, np.integer)) or not 8 <= bitdepth <= 16:
        raise RuntimeInputError(f"bitdepth must be an integer in 8..16, got {bitdepth!r}")
    array = np.asarray(luma)
    if array.ndim != 2 or min(array.shape) < 1:
        raise RuntimeInputError(f"luma must be a non-empty 2-D plane, got shape {array.shape}")
    if array.dtype.kind not in "ui":
        raise RuntimeInputError(f"luma must hold integer samples, got dtype {array.dtype}")
    peak = (1 << int(bitdepth)) - 1
    if array.size and (int(array.min()) < 0 or int(array.max()) > peak):
        raise RuntimeInputError(f"luma samples must lie in [0, {peak}] for bit depth {bitdepth}, "
                                f"found [{int(array.min())}, {int(array.max())}]")
    return array


def luma_to_unit(luma: np.ndarray, bitdepth: int) -> np.ndarray:
    """Integer luma to float64 in [0, 1]: ``x / (2**bitdepth - 1)``."""
    array = _check_luma(luma, bitdepth)
    return array.astype(np.float64) / float((1 << int(bitdepth)) - 1)


def unit_to_luma(unit: np.ndarray, bitdepth: int) -> np.ndarray:
    """Inverse of :func:`luma_to_unit`: ``floor(clip(y, 0, 1) * peak + 1/2)`` as uint8/uint16."""
    peak = (1 << int(bitdepth)) - 1
    values = np.floor(np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0) * peak + 0.5)
    return values.astype(np.uint8 if bitdepth == 8 else np.uint16)


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``[n_out, n_in]`` weights: row i averages input cells over [i·s, (i+1)·s), s = n_in/n_out."""
    scale = n_in / n_out
    starts = np.arange(n_out)[:, None] * scale
    ends = starts + scale
    cells = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(ends, cells + 1) - np.maximum(starts, cells), 0.0, None)
    return overlap / scale


def area_resize(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """Exact area resampling of a float plane to ``height × width`` (float64).

    Each output pixel is the coverage-weighted mean of the input pixels under it; for integer
    downscale factors this is the plain block mean, and a constant plane stays constant.
    """
    x = np.asarray(plane, dtype=np.float64)
    if x.ndim != 2:
        raise RuntimeInputError(f"area_resize expects a 2-D plane, got shape {x.shape}")
    return _area_matrix(x.shape[0], height) @ x @ _area_matrix(x.shape[1], width).T


def nr_input(dis_luma: np.ndarray, bitdepth: int) -> np.ndarray:
    """The NR network's inputs ``[K, 1, 224, 224]`` float32 for one distorted luma plane.

    Native-resolution crops, never a resize (specs/models/nr_metric_v1.md §2): a grid of
    ``rows × cols`` abutting 224×224 crops centred in the frame, ``rows = 2`` when the frame is
    at least 448 high (else 1), ``cols`` likewise for the width, so K is 1, 2 or 4. A frame
    smaller than 224 in a dimension is reflect-padded to 224 there (centred). The frame's
    score is the mean of the K outputs.
    """
    unit = luma_to_unit(dis_luma, bitdepth)
    size = NR_INPUT_SIZE
    height, width = unit.shape
    pad_h, pad_w = max(0, size - height), max(0, size - width)
    if pad_h or pad_w:
        unit = np.pad(unit, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)), mode="reflect"
                      if min(height, width) > 1 else "edge")
        height, width = unit.shape
    rows, cols = (2 if height >= 2 * size else 1), (2 if width >= 2 * size else 1)
    top, left = (height - rows * size) // 2, (width - cols * size) // 2
    crops = [unit[top + r * size:top + (r + 1) * size, left + c * size:left + (c + 1) * size]
             for r in range(rows) for c in range(cols)]
    return np.stack(crops).astype(np.float32)[:, None]


def select_providers(device: str) -> list[str]:
    """onnxruntime providers for ``device`` (see the module docstring)."""
    import onnxruntime as ort

    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    available = ort.get_available_providers()
    has_cuda = "CUDAExecutionProvider" in available
    if device == "cuda":
        if not has_cuda:
            raise DeviceUnavailableError(f"device='cuda' needs onnxruntime's CUDAExecutionProvider; available: "
                                         f"{', '.join(available)}")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "auto" and has_cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _session(verified: VerifiedModel, device: str, threads: int | None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(verified.model_bytes, sess_options=options, providers=select_providers(device))


class _Base:
    _kinds: tuple[str, ...] = ()

    def __init__(self, verified: VerifiedModel, *, device: str = "auto", threads: int | None = None):
        if verified.kind not in self._kinds:
            raise RuntimeInputError(f"{verified.model_id} is a {verified.kind!r} model; {type(self).__name__} "
                                    f"takes {' or '.join(self._kinds)} models")
        self.verified = verified
        self.device = device
        self.session = _session(verified, device, threads)

    @classmethod
    def load(cls, name_or_path: str | os.PathLike, *, device: str = "auto", variant: str | None = None,
             registry_path: str | os.PathLike | None = None, threads: int | None = None):
        """Verifies ``name_or_path`` with :func:`vmafref.models.load` and opens a session."""
        return cls(load(name_or_path, variant=variant, registry_path=registry_path), device=device, threads=threads)

    @property
    def model_id(self) -> str:
        return self.verified.model_id

    @property
    def kind(self) -> str:
        return self.verified.kind

    @property
    def sidecar(self) -> dict:
        return self.verified.sidecar

    @property
    def providers(self) -> list[str]:
        return list(self.session.get_providers())

    def _run(self, feed: Mapping[str, np.ndarray]) -> np.ndarray:
        output = self.verified.output_names[0]
        return self.session.run([output], {k: np.ascontiguousarray(v, np.float32) for k, v in feed.items()})[0]


class TinyModel(_Base):
    """An NR (``nr_metric_v1``) or FR (``fr_regressor_*``) network scoring one frame at a time.

    ``column_name`` is the per-frame output key: ``nr_mos_score`` for the NR model, the model
    id for FR regressors (from the sidecar).
    """

    _kinds = ("nr", "fr")

    def __init__(self, verified: VerifiedModel, *, device: str = "auto", threads: int | None = None):
        super().__init__(verified, device=device, threads=threads)
        self._standardizer = (Standardizer.from_dict(verified.sidecar) if verified.kind == "fr" else None)
        self._codec_input = "codec_onehot" in verified.input_names

    @property
    def column_name(self) -> str:
        return self.sidecar["column_name"]

    @property
    def feature_order(self) -> tuple[str, ...]:
        return tuple(self.sidecar["feature_order"])

    def fr_input(self, features: Mapping[str, float], codec: str | None = None) -> dict[str, np.ndarray]:
        """The FR network's feed for one frame's feature dict (see the module docstring)."""
        missing = [name for name in self.feature_order if name not in features]
        if missing:
            raise RuntimeInputError(f"{self.model_id} needs feature(s) {', '.join(missing)}; got "
                                    f"{', '.join(sorted(features)) or 'none'}")
        values = np.array([[float(features[name]) for name in self.feature_order]], dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise RuntimeInputError(f"{self.model_id}: non-finite feature value in {values.tolist()}")
        feed = {"features": self._standardizer.transform(values)}
        if self._codec_input:
            feed["codec_onehot"] = codec_onehot([codec])
        return feed

    def score_frame(self, dis_luma: np.ndarray | None, bitdepth: int, features: Mapping[str, float] | None = None,
                    *, codec: str | None = None) -> float:
        """One frame's score.

        Args:
          dis_luma: the distorted luma plane (integer samples); required for NR, ignored for FR.
          bitdepth: 8..16.
          features: ``{output key: value}`` of the frame (the scorer's per-frame dict); required
            for FR, ignored for NR.
          codec: FR v2 only; codec name for the one-hot input (``None`` → ``"unknown"``).
        """
        if self.kind == "nr":
            if dis_luma is None:
                raise RuntimeInputError(f"{self.model_id} is a no-reference model and needs the distorted luma")
            feed = {self.verified.input_names[0]: nr_input(dis_luma, bitdepth)}
        else:
            if features is None:
                raise RuntimeInputError(f"{self.model_id} is a full-reference regressor and needs the frame's features")
            feed = self.fr_input(features, codec)
        # NR: the mean over the frame's crops (one value for FR).
        value = float(np.mean(np.asarray(self._run(feed), dtype=np.float64).ravel()))
        if not np.isfinite(value):
            raise RuntimeInputError(f"{self.model_id} produced a non-finite score")
        return value

    def calibrated(self, raw_score: float) -> float:
        """NR only: ``clip(slope · raw + intercept, 0, 100)`` with the sidecar's calibration."""
        if self.kind != "nr":
            raise RuntimeInputError(f"{self.model_id} carries no NR calibration")
        value = self.sidecar["calibration_slope"] * float(raw_score) + self.sidecar["calibration_intercept"]
        return float(min(max(value, 0.0), 100.0))


class LearnedFilter(_Base):
    """``learned_filter_v1`` as a pre-filter: ``apply(luma, bitdepth) -> luma`` of the same
    shape and dtype (``--prefilter learned_filter_v1``)."""

    _kinds = ("filter",)

    @classmethod
    def load(cls, name_or_path: str | os.PathLike = "learned_filter_v1", **kwargs: Any):
        return super().load(name_or_path, **kwargs)

    def apply(self, luma: np.ndarray, bitdepth: int) -> np.ndarray:
        unit = luma_to_unit(luma, bitdepth).astype(np.float32)[None, None]
        out = np.asarray(self._run({self.verified.input_names[0]: unit}))
        if out.shape != unit.shape:
            raise RuntimeInputError(f"{self.model_id} returned shape {out.shape} for input {unit.shape}")
        filtered = unit_to_luma(out[0, 0], bitdepth)
        return filtered.astype(np.asarray(luma).dtype, copy=False)
