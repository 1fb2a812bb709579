"""Per-feature standardisation of FR-regressor inputs, kept outside the ONNX graph.

The FR regressors take standardised features ``z = (x - mean) / std``; ``mean`` and ``std`` are
fitted on the training rows (population std, ``ddof=0``) and shipped in the model's sidecar,
never baked into the graph, so that the scaler lives in exactly one place. A
:class:`Standardizer` carries its feature order and refuses rows in any other order. See
specs/models/fr_regressor_v1.md §3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_RELATIVE_STD", "Standardizer", "StandardizerError"]

#: Smallest accepted std relative to max(1, |mean|) (specs/models/fr_regressor_v1.md §3).
MIN_RELATIVE_STD = 1e-9


class StandardizerError(ValueError):
    """Standardisation statistics or inputs that cannot give a correct result."""


def _as_order(feature_order: Sequence[str]) -> tuple[str, ...]:
    if isinstance(feature_order, str):
        raise StandardizerError("feature_order must be a sequence of feature names, not a single string")
    order = tuple(feature_order)
    if not order:
        raise StandardizerError("feature_order is empty")
    if not all(isinstance(name, str) and name for name in order):
        raise StandardizerError(f"feature_order must hold non-empty strings, got {order!r}")
    if len(set(order)) != len(order):
        raise StandardizerError(f"feature_order has duplicate names: {order!r}")
    return order


@dataclass(frozen=True)
class Standardizer:
    """``z = (x - mean) / std`` per feature, in a fixed feature order.

    ``mean`` and ``std`` are float64 tuples (what the sidecar stores); every ``std`` is finite
    and positive. Build one with :meth:`fit` or from a sidecar with :meth:`from_dict`.
    """

    feature_order: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self):
        order = _as_order(self.feature_order)
        mean = np.asarray(self.mean, dtype=np.float64)
        std = np.asarray(self.std, dtype=np.float64)
        if mean.shape != (len(order),) or std.shape != (len(order),):
            raise StandardizerError(
                f"mean and std need one value per feature ({len(order)}), got shapes {mean.shape} and {std.shape}")
        if not np.all(np.isfinite(mean)):
            raise StandardizerError(f"mean is not finite: {mean.tolist()}")
        # A std below MIN_RELATIVE_STD·max(1, |mean|) is rounding noise of a constant column
        # (e.g. the mean of three 0.1s is not exactly 0.1): dividing by it yields garbage.
        floor = MIN_RELATIVE_STD * np.maximum(1.0, np.abs(mean))
        bad = [name for name, value, low in zip(order, std, floor) if not (np.isfinite(value) and value > low)]
        if bad:
            raise StandardizerError(
                f"std must be finite and > {MIN_RELATIVE_STD:g}·max(1, |mean|); constant or non-finite "
                f"feature(s): {', '.join(bad)} (std={std.tolist()})")
        object.__setattr__(self, "feature_order", order)
        object.__setattr__(self, "mean", tuple(float(v) for v in mean))
        object.__setattr__(self, "std", tuple(float(v) for v in std))

    @classmethod
    def fit(cls, features: np.ndarray, feature_order: Sequence[str]) -> Standardizer:
        """Fit mean and population std (``ddof=0``) column-wise on ``features`` ``[N, F]``.

        Refuses non-finite values, fewer than two rows and constant columns (a zero std would
        turn that feature into NaN or infinity, not into information).
        """
        order = _as_order(feature_order)
        x = cls._check_matrix(features, len(order))
        if x.shape[0] < 2:
            raise StandardizerError(f"need at least 2 rows to fit a standardizer, got {x.shape[0]}")
        return cls(order, tuple(x.mean(axis=0)), tuple(x.std(axis=0, ddof=0)))

    @staticmethod
    def _check_matrix(features: np.ndarray, width: int) -> np.ndarray:
        x = np.asarray(features)
        if x.dtype.kind not in "fiu":
            raise StandardizerError(f"features must be numeric, got dtype {x.dtype}")
        x = x.astype(np.float64)
        if x.ndim != 2 or x.shape[1] != width:
            raise StandardizerError(f"features must have shape [N, {width}], got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise StandardizerError("features contain NaN or infinity")
        return x

    def _rows(self, rows) -> np.ndarray:
        if isinstance(rows, Mapping):
            rows = [rows]
        if isinstance(rows, (list, tuple)) and rows and isinstance(rows[0], Mapping):
            matrix = []
            for i, row in enumerate(rows):
                missing = [name for name in self.feature_order if name not in row]
                if missing:
                    raise StandardizerError(f"row {i} lacks feature(s) {', '.join(missing)}")
                matrix.append([row[name] for name in self.feature_order])
            rows = matrix
        return self._check_matrix(rows, len(self.feature_order))

    def check_order(self, feature_order: Sequence[str]) -> None:
        """Raise unless ``feature_order`` is exactly this standardizer's order."""
        order = tuple(feature_order)
        if order != self.feature_order:
            raise StandardizerError(
                f"feature order {list(order)} does not match the standardizer's {list(self.feature_order)}")

    def transform(self, rows, feature_order: Sequence[str] | None = None) -> np.ndarray:
        """Standardise ``rows``: an ``[N, F]`` array or a (list of) ``{feature: value}`` dict(s).

        An array is taken to be in :attr:`feature_order`; pass ``feature_order`` to have that
        checked. Dicts are read by name (extra keys ignored). Computed in float64, returned as
        float32 ``[N, F]`` (the network's input dtype).
        """
        if feature_order is not None:
            self.check_order(feature_order)
        x = self._rows(rows)
        z = (x - np.asarray(self.mean)) / np.asarray(self.std)
        return z.astype(np.float32)

    def inverse(self, standardized: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``x = z * std + mean`` (float64)."""
        z = self._check_matrix(standardized, len(self.feature_order))
        return z * np.asarray(self.std) + np.asarray(self.mean)

    def as_dict(self) -> dict:
        """Sidecar form: ``{"feature_order": [...], "feature_mean": [...], "feature_std": [...]}``."""
        return {"feature_order": list(self.feature_order), "feature_mean": list(self.mean),
                "feature_std": list(self.std)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Standardizer:
        """Inverse of :meth:`as_dict`; the same checks as the constructor."""
        try:
            return cls(tuple(data["feature_order"]), tuple(data["feature_mean"]), tuple(data["feature_std"]))
        except KeyError as missing:
            raise StandardizerError(f"standardizer record lacks {missing}") from None
