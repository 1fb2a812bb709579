"""Feature standardisation: specs/models/fr_regressor_v1.md §3."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vmafref.models.datasets.standardize import Standardizer, StandardizerError

ORDER = ("a", "b", "c")

matrices = hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.just(3)),
                      elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))


def _spread(x):
    return np.all(x.std(axis=0) > 1e-3 * (1.0 + np.abs(x).max(axis=0)))


@given(matrices)
def test_fit_transform_zero_mean_unit_std(x):
    assume(_spread(x))
    s = Standardizer.fit(x, ORDER)
    z = (x - np.asarray(s.mean)) / np.asarray(s.std)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-9)
    np.testing.assert_allclose(s.transform(x), z.astype(np.float32), rtol=1e-6, atol=1e-6)


@given(matrices)
def test_inverse_round_trip(x):
    assume(_spread(x))
    s = Standardizer.fit(x, ORDER)
    z = (x - np.asarray(s.mean)) / np.asarray(s.std)
    np.testing.assert_allclose(s.inverse(z), x, rtol=1e-9, atol=1e-6 * (1 + np.abs(x).max()))


@given(matrices)
def test_dict_rows_equal_matrix_rows(x):
    assume(_spread(x))
    s = Standardizer.fit(x, ORDER)
    rows = [{"c": r[2], "extra": 1.0, "a": r[0], "b": r[1]} for r in x]
    np.testing.assert_array_equal(s.transform(rows), s.transform(x))


def test_sidecar_round_trip():
    s = Standardizer.fit(np.array([[1.0, 2.0, 3.0], [2.0, 5.0, 1.0], [0.5, 1.0, 7.0]]), ORDER)
    assert Standardizer.from_dict(s.as_dict()) == s
    assert s.as_dict()["feature_order"] == list(ORDER)


def test_population_std():
    s = Standardizer.fit(np.array([[0.0, 0.0, 1.0], [2.0, 4.0, 3.0]]), ORDER)
    assert s.mean == (1.0, 2.0, 2.0) and s.std == (1.0, 2.0, 1.0)


@given(st.floats(-1e3, 1e3, allow_nan=False))
def test_constant_column_refused(value):
    x = np.array([[value, 0.0, 1.0], [value, 1.0, 2.0], [value, 3.0, 0.0]])
    with pytest.raises(StandardizerError, match="constant or non-finite feature"):
        Standardizer.fit(x, ORDER)


@pytest.mark.parametrize("std", [(1.0, 0.0, 1.0), (1.0, -1.0, 1.0), (1.0, float("nan"), 1.0), (1.0, float("inf"), 1.0)])
def test_bad_std_refused(std):
    with pytest.raises(StandardizerError, match="std must be finite"):
        Standardizer(ORDER, (0.0, 0.0, 0.0), std)


def test_wrong_order_refused():
    s = Standardizer.fit(np.array([[1.0, 2.0, 3.0], [2.0, 5.0, 1.0]]), ORDER)
    with pytest.raises(StandardizerError, match="does not match"):
        s.transform(np.zeros((1, 3)), feature_order=("b", "a", "c"))
    with pytest.raises(StandardizerError, match="lacks feature"):
        s.transform([{"a": 1.0, "b": 2.0}])


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), np.zeros(3), np.zeros((1, 3, 1)), np.array([[1.0, np.nan, 2.0]]),
                                 np.array([["a", "b", "c"]])])
def test_wrong_shape_or_values_refused(bad):
    s = Standardizer.fit(np.array([[1.0, 2.0, 3.0], [2.0, 5.0, 1.0]]), ORDER)
    with pytest.raises(StandardizerError):
        s.transform(bad)


def test_bad_fit_inputs():
    with pytest.raises(StandardizerError, match="at least 2 rows"):
        Standardizer.fit(np.zeros((1, 3)), ORDER)
    with pytest.raises(StandardizerError, match="duplicate"):
        Standardizer.fit(np.zeros((2, 3)), ("a", "a", "b"))
    with pytest.raises(StandardizerError, match="single string"):
        Standardizer.fit(np.zeros((2, 3)), "abc")
