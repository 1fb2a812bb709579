import math

import pytest
from hypothesis import given, strategies as st

from vmafref.pooling import POOLING_METHODS, pool

scores = st.lists(st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=1, max_size=60)


@given(scores)
def test_pool_bounds_and_order(values):
    pooled = pool(values)
    assert tuple(pooled) == POOLING_METHODS
    assert pooled["min"] == min(values) and pooled["max"] == max(values)
    assert pooled["min"] - 1e-9 <= pooled["mean"] <= pooled["max"] + 1e-9
    # Harmonic mean of s+1, minus one, never exceeds the arithmetic mean.
    assert pooled["harmonic_mean"] <= pooled["mean"] + 1e-9


@given(st.floats(min_value=-0.5, max_value=1e4, allow_nan=False), st.integers(min_value=1, max_value=50))
def test_constant_sequence_pools_to_itself(value, count):
    pooled = pool([value] * count)
    assert pooled["min"] == pooled["max"] == value
    assert math.isclose(pooled["mean"], value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(pooled["harmonic_mean"], value, rel_tol=1e-9, abs_tol=1e-9)


def test_sequential_double_accumulation():
    # A pairwise or reordered sum gives a different last bit here; libvmaf sums in frame order.
    values = [1e16, 1.0, -1e16, 1.0]
    assert pool(values)["mean"] == ((((0.0 + 1e16) + 1.0) - 1e16) + 1.0) / 4


def test_harmonic_mean_at_minus_one_is_infinite_sum_like_c():
    assert pool([-1.0, 3.0])["harmonic_mean"] == -1.0


def test_empty_sequence_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        pool([])
