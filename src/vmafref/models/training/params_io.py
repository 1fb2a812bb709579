"""Parameter files: canonical msgpack bytes, their sha256, atomic save and load.

The committed parameter file, not training, is the input of every export (the ONNX bytes are
a function of these bytes only). The canonical form is Flax's msgpack encoding
(``flax.serialization.msgpack_serialize``) of the parameter tree with every mapping's keys
sorted and every leaf a C-ordered numpy array, so that equal parameters always give equal
bytes whatever the insertion order of the dicts or the array types (jax or numpy) they came
in. See specs/models/training_determinism.md §5.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from flax import serialization

__all__ = ["ParamsFileError", "canonical_params", "params_bytes", "params_from_bytes", "params_sha256",
           "save_params", "load_params"]


class ParamsFileError(ValueError):
    """A parameter tree or file that cannot be encoded or decoded faithfully."""


def canonical_params(params) -> dict:
    """Nested plain ``dict`` with sorted string keys and numpy-array leaves (dtype kept)."""
    if isinstance(params, Mapping):
        out = {}
        for key in sorted(params, key=str):
            if not isinstance(key, str):
                raise ParamsFileError(f"parameter tree keys must be strings, got {key!r}")
            out[key] = canonical_params(params[key])
        return out
    array = np.ascontiguousarray(np.asarray(params))
    if array.dtype.kind not in "fiub":
        raise ParamsFileError(f"parameter leaves must be numeric arrays, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ParamsFileError("parameter tree contains NaN or infinity")
    return array


def params_bytes(params) -> bytes:
    """Canonical bytes of ``params`` (see the module docstring)."""
    return serialization.msgpack_serialize(canonical_params(params))


def params_from_bytes(data: bytes) -> dict:
    """Decode :func:`params_bytes` output back into a nested dict of numpy arrays."""
    try:
        tree = serialization.msgpack_restore(data)
    except Exception as error:  # msgpack raises several unrelated types
        raise ParamsFileError(f"not a msgpack parameter file: {error}") from None
    if not isinstance(tree, dict):
        raise ParamsFileError("parameter file does not hold a mapping at its root")
    return canonical_params(tree)


def params_sha256(params) -> str:
    """Hex sha256 of :func:`params_bytes`."""
    return hashlib.sha256(params_bytes(params)).hexdigest()


def save_params(params, path: str | os.PathLike) -> str:
    """Write the canonical bytes of ``params`` to ``path`` atomically; return their sha256."""
    path = Path(path)
    data = params_bytes(params)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return hashlib.sha256(data).hexdigest()


def load_params(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`save_params`."""
    return params_from_bytes(Path(path).read_bytes())
