"""Parameter files: specs/models/training_determinism.md §5."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from vmafref.models.networks import nets
from vmafref.models.training.params_io import (ParamsFileError, load_params, params_bytes, params_from_bytes, params_sha256,
                                      save_params)


def test_round_trip_and_hash(tmp_path):
    params = nets.init_params("fr_regressor_v2", jax.random.key(0), variance=True)
    digest = save_params(params, tmp_path / "p.msgpack")
    loaded = load_params(tmp_path / "p.msgpack")
    assert digest == params_sha256(params) == params_sha256(loaded)
    for a, b in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(loaded)):
        np.testing.assert_array_equal(np.asarray(a), b)
        assert b.dtype == np.float32
    assert list(tmp_path.iterdir()) == [tmp_path / "p.msgpack"]  # no temporary file left


def test_bytes_ignore_insertion_order_and_array_type():
    a = {"params": {"b": {"kernel": np.ones((2, 2), np.float32)}, "a": {"bias": np.zeros(2, np.float32)}}}
    b = {"params": {"a": {"bias": jax.numpy.zeros(2, jax.numpy.float32)},
                    "b": {"kernel": np.asfortranarray(np.ones((2, 2), np.float32))}}}
    assert params_bytes(a) == params_bytes(b)
    c = {"params": {"a": {"bias": np.zeros(2, np.float32)}, "b": {"kernel": np.full((2, 2), 1.0 + 2 ** -23, np.float32)}}}
    assert params_sha256(c) != params_sha256(a)


def test_bad_trees_and_files_refused():
    with pytest.raises(ParamsFileError, match="NaN"):
        params_bytes({"w": np.array([1.0, np.nan], np.float32)})
    with pytest.raises(ParamsFileError, match="keys must be strings"):
        params_bytes({1: np.zeros(1)})
    with pytest.raises(ParamsFileError):
        params_from_bytes(b"\x00not msgpack at all")
