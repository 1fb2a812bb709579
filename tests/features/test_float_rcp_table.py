"""The rcpss tables and estimate behind the float ADM division (specs/float_adm.md §4)."""

from __future__ import annotations

import hashlib
import importlib.util
import pathlib
import platform
import shutil

import jax
import numpy as np
import pytest

from vmafref.features._float_rcp_table import DEFAULT_RCPSS, RCP_TABLES, check_rcpss
from vmafref.features.float_adm import rcpss_estimate

TOOL = pathlib.Path(__file__).resolve().parents[2] / "tools" / "measure_rcpss.py"
FAMILIES = sorted(RCP_TABLES)


def _normal_floats(count: int, seed: int) -> np.ndarray:
    """Random float32 values of both signs whose reciprocals are normal (biased exponents 1..252)."""
    rng = np.random.default_rng(seed)
    bits = (rng.integers(0, 2, count, dtype=np.uint32) << 31) | (rng.integers(1, 253, count, dtype=np.uint32) << 23) \
        | rng.integers(0, 1 << 23, count, dtype=np.uint32)
    return bits.view(np.float32)


@pytest.mark.parametrize("family", FAMILIES)
def test_table_is_the_recorded_one(family):
    table = RCP_TABLES[family]
    assert table.mantissas.shape == (1 << table.index_bits,)
    assert hashlib.sha256(table.mantissas.astype("<u4").tobytes()).hexdigest() == table.sha256
    assert check_rcpss(family) is table


@pytest.mark.parametrize("family", FAMILIES)
def test_every_estimate_is_within_the_x86_error_bound(family):
    # x86 guarantees |rcpss(x) * x - 1| <= 1.5 * 2**-12; the estimate is constant on each
    # interval of the leading bits, so the bound must hold at both ends of every interval.
    table = RCP_TABLES[family]
    n = 1 << table.index_bits
    estimate = 0.5 * (1.0 + table.mantissas.astype(np.float64) / 2.0**23)
    low = 1.0 + np.arange(n) / n
    high = 1.0 + (np.arange(n) + 1 - 2.0**-23 * n) / n
    assert np.max(np.abs(estimate * low - 1.0)) <= 1.5 * 2.0**-12
    assert np.max(np.abs(estimate * high - 1.0)) <= 1.5 * 2.0**-12


def test_the_families_differ_and_the_default_is_fixed():
    intel, amd = RCP_TABLES["intel"], RCP_TABLES["amd"]
    assert DEFAULT_RCPSS == "intel"
    assert not np.array_equal(np.repeat(intel.mantissas, 2), amd.mantissas)
    values = _normal_floats(10_000, seed=1)
    assert np.any(np.asarray(rcpss_estimate(values, "intel")) != np.asarray(rcpss_estimate(values, "amd")))


@pytest.mark.parametrize("family", FAMILIES)
def test_estimate_reflects_the_exponent_and_keeps_the_sign(family):
    values = np.abs(_normal_floats(5_000, seed=2))
    values = values[(values > 2.0**-100) & (values < 2.0**100)]
    base = np.asarray(rcpss_estimate(values, family))
    for shift in (-20, 7):
        scaled = np.asarray(rcpss_estimate((values * np.float32(2.0**shift)).astype(np.float32), family))
        np.testing.assert_array_equal(scaled, (base * np.float32(2.0**-shift)).astype(np.float32))
    np.testing.assert_array_equal(np.asarray(rcpss_estimate(-values, family)), -base)


@pytest.mark.parametrize("family", FAMILIES)
def test_estimate_jitted_equals_eager(family):
    values = _normal_floats(4_096, seed=3)
    eager = np.asarray(rcpss_estimate(values, family))
    jitted = np.asarray(jax.jit(rcpss_estimate, static_argnames="rcpss")(values, rcpss=family))
    np.testing.assert_array_equal(jitted, eager)


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown rcpss family .arm.*intel, amd"):
        check_rcpss("arm")


@pytest.fixture(scope="module")
def measuring_tool():
    if platform.machine().lower() not in ("x86_64", "amd64") or shutil.which("cc") is None:
        pytest.skip("measuring rcpss needs an x86-64 CPU and a C compiler")
    spec = importlib.util.spec_from_file_location("measure_rcpss", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_this_cpus_rcpss_is_reproduced_by_its_family(measuring_tool):
    results, mismatches = measuring_tool.measure()
    assert mismatches == 0, "rcpss here does not reflect the exponent; the tables' model does not hold"
    bits, _, digest = measuring_tool.measured_table(results)
    family = next((name for name, known in RCP_TABLES.items() if known.sha256 == digest), None)
    if family is None:
        pytest.skip(f"this CPU's rcpss table ({bits} leading bits, sha256 {digest[:12]}…) is not a shipped family")
    values = _normal_floats(200_000, seed=4)
    np.testing.assert_array_equal(np.asarray(rcpss_estimate(values, family)), measuring_tool.cpu_rcpss(values))
