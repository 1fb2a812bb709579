"""The streaming feature-extractor interface shared by every feature module.

It mirrors libvmaf's feature-extractor life cycle (``init`` → ``extract`` per frame →
``flush``, ``src/feature/feature_extractor.h``) so that temporal features such as motion,
whose per-frame values are only final once later frames are seen, fit the same loop as
the per-frame features. See specs/score.md §1.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

__all__ = ["FeatureExtractor", "FrameValues", "OptionSpec", "parse_options", "refuse_options_missing_from"]

#: Per-frame output: ``{frame_index: {output_key: value}}``.
FrameValues = dict[int, dict[str, float]]


class OptionSpec:
    """One extractor option as libvmaf declares it (``VmafOption``).

    ``alias`` is the short name used in key suffixes and ``feature_param`` says whether a
    non-default value renames the output keys (``VMAF_OPT_FLAG_FEATURE_PARAM``).
    """

    def __init__(self, name: str, default: Any, kind: type, *, alias: str | None = None,
                 feature_param: bool = False, minimum: float | None = None,
                 maximum: float | None = None, reference: str = ""):
        self.name = name
        self.default = default
        self.kind = kind
        self.alias = alias or name
        self.feature_param = feature_param
        self.minimum = minimum
        self.maximum = maximum
        self.reference = reference

    def coerce(self, value: Any) -> Any:
        """Convert a CLI string or Python value to the option's type, checking its range."""
        if self.kind is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in ("true", "false", "1", "0"):
                    raise ValueError(f"option {self.name!r} expects true or false, got {value!r}")
                value = lowered in ("true", "1")
            return bool(value)
        try:
            converted = self.kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"option {self.name!r} expects {self.kind.__name__}, got {value!r}") from None
        if isinstance(converted, float) and not np.isfinite(converted):
            raise ValueError(f"option {self.name!r} must be finite, got {value!r}")
        if self.minimum is not None and converted < self.minimum:
            raise ValueError(f"option {self.name!r} must be >= {self.minimum}, got {converted}")
        if self.maximum is not None and converted > self.maximum:
            raise ValueError(f"option {self.name!r} must be <= {self.maximum}, got {converted}")
        return converted


def parse_options(specs: Mapping[str, OptionSpec], given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str, Any]]]:
    """Validate ``given`` against ``specs``.

    Returns ``(values, feature_params)``: every option's value (defaults filled in) and, for
    feature-parameter options whose value differs from the default, ``name -> (alias, value)``
    to pass to :func:`vmafref.feature_names.feature_key`.
    """
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(specs))}")
    values = {name: spec.default for name, spec in specs.items()}
    params: dict[str, tuple[str, Any]] = {}
    for name, raw in given.items():
        spec = specs[name]
        value = spec.coerce(raw)
        values[name] = value
        if spec.feature_param and value != spec.default:
            params[name] = (spec.alias, value)
    return values, params


class FeatureExtractor(abc.ABC):
    """A libvmaf feature extractor, fed one frame pair at a time.

    Subclasses set ``name`` (libvmaf's extractor name: ``adm``, ``float_vif``, ...) and
    ``options`` (the :class:`OptionSpec` table), and implement :meth:`extract` and, for
    temporal features, :meth:`flush`. Frames are 2-D luma arrays (``uint8`` for 8-bit,
    ``uint16`` above), already checked for shape and range by the caller.
    """

    name: ClassVar[str]
    options: ClassVar[Mapping[str, OptionSpec]] = {}
    #: ``"luma"``: :meth:`extract` gets the luma planes; ``"yuv"``: it gets each picture as the
    #: tuple of its planes ``(y, u, v)`` (a 1-tuple when only luma is known), and the
    #: constructor also gets ``pixel_format`` (specs/score.md §1).
    planes: ClassVar[str] = "luma"
    #: Which CPU-dependent libvmaf conventions the constructor takes as keyword arguments, beside
    #: the libvmaf options: ``"rcpss"`` (the CPU family of the float ADM's reciprocal estimates,
    #: specs/float_adm.md §4). They never suffix a key.
    cpu_conventions: ClassVar[tuple[str, ...]] = ()
    #: ``True`` when :meth:`extract` keeps no state from one frame to the next, so that calls
    #: for different frames may run at once on different threads (``--threads``); otherwise
    #: the calls run one at a time, in frame order (specs/score.md §9).
    frame_independent: ClassVar[bool] = False
    #: ``True`` when :meth:`extract` takes its luma planes as JAX arrays as well as NumPy ones:
    #: scoring then copies each plane to the device once per frame for all such extractors,
    #: not once per extractor (specs/score.md §1).
    device_planes: ClassVar[bool] = False

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        self.width = int(width)
        self.height = int(height)
        self.bitdepth = int(bitdepth)
        self.values, self.feature_params = parse_options(self.options, options)

    @abc.abstractmethod
    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        """Process frame ``index``; return the values that are final now."""

    def flush(self) -> FrameValues:
        """Return values that only become final at the end of the clip."""
        return {}

    def aggregate(self) -> dict[str, float]:
        """Whole-clip values (libvmaf's ``aggregate_metrics``), asked for after :meth:`flush`."""
        return {}


def refuse_options_missing_from(name: str, options: Mapping[str, Any], available, libvmaf_version: str,
                                convention: str, *, also_allowed=()) -> None:
    """Raise ``ValueError`` for options of ``name`` that the libvmaf release of a convention
    (``libvmaf_version``, e.g. "3.0.0" for ``convention`` "v3.0") does not have; ``available``
    lists its options in the order the message gives them."""
    unknown = sorted(set(options) - set(available) - set(also_allowed))
    if unknown:
        raise ValueError(f"{name} option(s) {', '.join(unknown)} do not exist in libvmaf v{libvmaf_version} "
                         f"(the {convention} libvmaf convention); it has {', '.join(available)}")
