r"""INT8 twins: onnxruntime dynamic post-training quantisation with a PLCC budget.

The int8 twin of a model is ``onnxruntime.quantization.quantize_dynamic`` of its fp32 file
(uint8 weights, uint8 activations quantised at run time). It ships only when its outputs stay
within the budget on real inputs the project computes:

.. math::

   \text{drop} = 1 - \rho(y_{fp32}, y_{int8}), \qquad
   \rho(a, b) = \frac{\sum_i (a_i - \bar a)(b_i - \bar b)}
                     {\sqrt{\sum_i (a_i - \bar a)^2}\,\sqrt{\sum_i (b_i - \bar b)^2}}

over every output value of every evaluation input (flattened; for the filter, every pixel),
computed in float64. The twin ships iff ``drop <= budget`` (default 0.01). A model over budget
ships no int8 file; the drop is recorded either way. The int8 graph must pass the int8 op
allowlist like any other shipped file. See specs/models/quantization.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import onnx

from vmafref.models.conversion.allowlist import ModelArtifactError, enforce
from vmafref.models.assessment.evaluation import pearson_exact

__all__ = [
    "QuantizationError",
    "DEFAULT_BUDGET_PLCC",
    "WEIGHT_TYPE",
    "QuantVerdict",
    "QuantResult",
    "pearson",
    "check_budget",
    "quantize_dynamic_bytes",
    "run_onnx",
    "inputs_sha256",
    "quantize_model",
]

DEFAULT_BUDGET_PLCC = 0.01
#: Weight type of every int8 twin (specs/models/quantization.md §2).
WEIGHT_TYPE = "QUInt8"
#: Fewer evaluation values than this give no meaningful correlation.
MIN_EVAL_VALUES = 8


class QuantizationError(ModelArtifactError):
    """The drop cannot be measured (too few or constant outputs) or the quantiser misbehaved."""


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equally long vectors, in float64, from exactly rounded sums
    (:func:`vmafref.models.assessment.evaluation.pearson_exact`: no BLAS, so the recorded drop does not
    depend on thread count or CPU kernel).

    Raises :class:`QuantizationError` when either vector is constant (the correlation is then
    undefined, and guessing 0 or 1 would be a wrong number).
    """
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise QuantizationError(f"cannot correlate vectors of {x.size} and {y.size} values")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise QuantizationError("outputs contain NaN or infinity")
    rho = pearson_exact(x, y)
    if rho is None:
        raise QuantizationError("PLCC is undefined: one of the output vectors is constant "
                                "(or their sums exceed the double range)")
    return rho


@dataclasses.dataclass(frozen=True)
class QuantVerdict:
    """The measured PLCC drop and whether it is within ``budget``."""

    plcc: float
    plcc_drop: float
    max_abs_error: float
    budget: float
    n_values: int

    @property
    def within_budget(self) -> bool:
        return self.plcc_drop <= self.budget


def check_budget(fp32_outputs: np.ndarray, int8_outputs: np.ndarray, budget: float = DEFAULT_BUDGET_PLCC) -> QuantVerdict:
    """The verdict for paired fp32/int8 outputs (see the module docstring)."""
    if not (0.0 <= budget <= 1.0):
        raise QuantizationError(f"budget must be in [0, 1], got {budget}")
    x = np.asarray(fp32_outputs, dtype=np.float64).ravel()
    y = np.asarray(int8_outputs, dtype=np.float64).ravel()
    if x.size < MIN_EVAL_VALUES:
        raise QuantizationError(f"need at least {MIN_EVAL_VALUES} output values to measure a PLCC drop, got {x.size}")
    rho = pearson(x, y)
    return QuantVerdict(plcc=rho, plcc_drop=1.0 - rho, max_abs_error=float(np.max(np.abs(x - y))),
                        budget=float(budget), n_values=int(x.size))


def quantize_dynamic_bytes(fp32_bytes: bytes, *, weight_type: str = WEIGHT_TYPE) -> bytes:
    """``quantize_dynamic`` of an in-memory fp32 model; returns the int8 file's bytes.

    Byte-stable: the quantiser names nothing after paths or time, and the output is written
    without external data (specs/models/quantization.md §2).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quant_type = {"QInt8": QuantType.QInt8, "QUInt8": QuantType.QUInt8}[weight_type]
    with tempfile.TemporaryDirectory(prefix="vmafref-quant-") as folder:
        source, target = Path(folder) / "model.onnx", Path(folder) / "model.int8.onnx"
        source.write_bytes(fp32_bytes)
        quantize_dynamic(source, target, weight_type=quant_type, per_channel=False, reduce_range=False,
                         use_external_data_format=False)
        produced = sorted(p.name for p in Path(folder).iterdir())
        if produced != ["model.int8.onnx", "model.onnx"]:
            raise QuantizationError(f"the quantiser wrote unexpected files: {produced}")
        return target.read_bytes()


def run_onnx(model_bytes: bytes, inputs: Mapping[str, np.ndarray], *, batch: int = 64) -> np.ndarray:
    """All outputs of the first graph output on ``inputs``, CPU provider, in batches along axis 0.

    One intra-op thread keeps the numbers independent of the machine's core count.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model_bytes, sess_options=options, providers=["CPUExecutionProvider"])
    output_name = session.get_outputs()[0].name
    arrays = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in inputs.items()}
    n = next(iter(arrays.values())).shape[0]
    pieces = []
    for start in range(0, n, batch):
        feed = {name: value[start:start + batch] for name, value in arrays.items()}
        pieces.append(session.run([output_name], feed)[0])
    return np.concatenate(pieces, axis=0)


def inputs_sha256(inputs: Mapping[str, np.ndarray]) -> str:
    """sha256 over the evaluation inputs: for each name in sorted order, the name, the shape
    and the float32 little-endian bytes."""
    digest = hashlib.sha256()
    for name in sorted(inputs):
        array = np.ascontiguousarray(inputs[name], dtype="<f4")
        digest.update(name.encode() + b"\0" + repr(array.shape).encode() + b"\0")
        digest.update(array.tobytes())
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class QuantResult:
    """``int8_bytes`` is ``None`` when the twin is over budget (it does not ship)."""

    int8_bytes: bytes | None
    candidate_bytes: bytes
    verdict: QuantVerdict
    eval_inputs_sha256: str

    @property
    def shipped(self) -> bool:
        return self.int8_bytes is not None


def quantize_model(fp32_bytes: bytes, eval_inputs: Mapping[str, np.ndarray], *,
                   budget: float = DEFAULT_BUDGET_PLCC, weight_type: str = WEIGHT_TYPE,
                   int8_bytes: bytes | None = None) -> QuantResult:
    """Quantises ``fp32_bytes``, enforces the int8 allowlist and measures the drop on
    ``eval_inputs`` (``{input name: array}``, real project data).

    ``int8_bytes`` lets a caller judge an existing int8 graph instead of quantising anew
    (the audit and the tests use it). An over-budget graph gives ``int8_bytes=None``.
    """
    candidate = quantize_dynamic_bytes(fp32_bytes, weight_type=weight_type) if int8_bytes is None else int8_bytes
    enforce(onnx.load_model_from_string(candidate), "int8", what="int8 twin")
    fp32_out = run_onnx(fp32_bytes, eval_inputs)
    int8_out = run_onnx(candidate, eval_inputs)
    verdict = check_budget(fp32_out, int8_out, budget)
    return QuantResult(int8_bytes=candidate if verdict.within_budget else None, candidate_bytes=candidate,
                       verdict=verdict, eval_inputs_sha256=inputs_sha256(eval_inputs))
