"""The filter's level shift (train.shift_levels; specs/models/learned_filter_v1.md §4)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref.models.training import train


def _pairs(seed: int = 3):
    rng = np.random.default_rng(seed)
    clean = rng.uniform(0.05, 0.6, size=(64, 1, 8, 8)).astype(np.float32)
    clean[0] = 0.0  # a black crop can only move up
    clean[1] = 1.0  # a white crop can only move down
    degraded = np.clip(clean + rng.normal(0, 0.02, size=clean.shape), 0, 1).astype(np.float32)
    return jnp.asarray(degraded), jnp.asarray(clean)


@pytest.mark.parametrize("jit", [False, True])
def test_one_offset_per_pair_inside_the_unit_range(jit):
    degraded, clean = _pairs()
    shift = jax.jit(train.shift_levels, static_argnums=3) if jit else train.shift_levels
    moved_d, moved_c = shift(jax.random.key(0), degraded, clean, 1.0)
    offset_d = np.asarray(moved_d - degraded).reshape(64, -1)
    offset_c = np.asarray(moved_c - clean).reshape(64, -1)
    np.testing.assert_allclose(offset_d, offset_d[:, :1].repeat(64, axis=1), atol=2e-7)
    np.testing.assert_allclose(offset_c[:, 0], offset_d[:, 0], atol=2e-7)
    assert float(moved_d.min()) >= 0.0 and float(moved_c.min()) >= 0.0
    assert float(moved_d.max()) <= 1.0 + 1e-6 and float(moved_c.max()) <= 1.0 + 1e-6
    assert offset_d[0, 0] >= 0.0 and offset_d[1, 0] <= 0.0
    # the offsets spread over the feasible range, not a fixed shift
    assert np.std(offset_d[2:, 0]) > 0.1


def test_span_bounds_the_offset_and_zero_is_the_identity():
    degraded, clean = _pairs()
    moved_d, _ = train.shift_levels(jax.random.key(1), degraded, clean, 0.05)
    assert float(jnp.max(jnp.abs(moved_d - degraded))) <= 0.05 + 1e-6
    same_d, same_c = train.shift_levels(jax.random.key(1), degraded, clean, 0.0)
    np.testing.assert_array_equal(np.asarray(same_d), np.asarray(degraded))
    np.testing.assert_array_equal(np.asarray(same_c), np.asarray(clean))


def test_the_same_key_gives_the_same_offsets():
    degraded, clean = _pairs()
    a = train.shift_levels(jax.random.key(7), degraded, clean, 1.0)[0]
    b = train.shift_levels(jax.random.key(7), degraded, clean, 1.0)[0]
    c = train.shift_levels(jax.random.key(8), degraded, clean, 1.0)[0]
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))


def test_level_shift_is_a_filter_hyperparameter_recorded_in_the_config():
    assert train.TrainConfig("learned_filter_v1").resolved()["level_shift"] == 1.0
    assert train.TrainConfig("learned_filter_v1", level_shift=0.0).resolved()["level_shift"] == 0.0
    assert "level_shift" not in train.TrainConfig("nr_metric_v1").resolved()
    with pytest.raises(train.TrainingError, match="learned_filter_v1 only"):
        train.TrainConfig("fr_regressor_v1", level_shift=0.5).resolved()
    with pytest.raises(train.TrainingError, match=r"\[0, 1\]"):
        train.TrainConfig("learned_filter_v1", level_shift=1.5).resolved()
