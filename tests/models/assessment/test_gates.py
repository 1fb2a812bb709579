"""Tests for vmafref.models.assessment.gates: each gate passes a good model, fails its baseline, and refuses
to measure anything when its baseline would pass (specs/models/evaluation.md §3)."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.models.assessment import gates


def _fr_table(rng, sources=4, rows=60):
    ids = np.repeat([f"s{i}" for i in range(sources)], rows)
    features = rng.uniform(0.0, 1.0, (ids.size, 3))
    # A non-linear teacher: linear regression cannot fit it exactly.
    target = 100.0 * features[:, 0] ** 2 * (0.5 + 0.5 * features[:, 1]) + 5.0 * np.sin(6.0 * features[:, 2])
    return ids, features, target


def test_fr_gate_passes_an_accurate_model_and_fails_the_linear_and_constant_baselines():
    rng = np.random.default_rng(0)
    ids, features, target = _fr_table(rng)
    record = gates.fr_gate(target + rng.normal(0.0, 0.5, target.size), target, ids, features)
    assert record["passed"]
    linear = record["baselines"]["linear_regression"]
    assert not linear["passed"] and linear["figures"]["mean_rmse"] > record["figures"]["mean_rmse"]
    assert not record["baselines"]["constant"]["passed"]
    assert record["baselines"]["constant"]["figures"]["mean_plcc"] is None  # undefined, not 0


def test_fr_gate_fails_a_model_no_better_than_linear_regression():
    rng = np.random.default_rng(1)
    ids, features, target = _fr_table(rng)
    linear = gates.linear_baseline_predictions(features, target, ids)
    record = gates.fr_gate(linear, target, ids, features)
    assert not record["passed"]
    assert [c["passed"] for c in record["criteria"]] == [True, False]  # correlates, but no better


def test_linear_baseline_is_fitted_without_the_held_out_source():
    ids = np.repeat(["a", "b", "c"], 10)
    features = np.arange(30.0)[:, None]
    target = np.where(ids == "c", 1000.0, 2.0 * features[:, 0])
    predicted = gates.linear_baseline_predictions(features, target, ids)
    # Source c's outlying targets never reach its own fold's fit.
    np.testing.assert_allclose(predicted[ids == "c"], 2.0 * features[ids == "c", 0], rtol=1e-9)


def _nr_table(rng, sources=5):
    conditions = np.array(["pristine", "x264_crf22", "x264_crf38", "x264_crf51", "scale_4x"])
    ids = np.repeat([f"s{i}" for i in range(sources)], conditions.size)
    condition = np.tile(conditions, sources)
    teacher = np.tile([99.0, 95.0, 60.0, 10.0, 40.0], sources) + rng.normal(0, 0.5, ids.size)
    return ids, condition, teacher, 1.0 + 4.0 * np.clip(teacher, 0, 100) / 100.0


def test_nr_gate_passes_a_ranking_model_and_fails_the_constant_baseline():
    rng = np.random.default_rng(2)
    ids, condition, teacher, mos = _nr_table(rng)
    record = gates.nr_gate(mos + rng.normal(0.0, 0.05, mos.size), mos, ids, condition, teacher)
    assert record["passed"]
    constant = record["baselines"]["constant"]
    assert not constant["passed"] and not any(c["passed"] for c in constant["criteria"])


def test_nr_gate_needs_every_pristine_frame_above_the_worst_encode():
    rng = np.random.default_rng(3)
    ids, condition, teacher, mos = _nr_table(rng)
    predicted = mos.copy()
    predicted[(ids == "s0") & (condition == "pristine")] = 0.5  # one source ranks its pristine frame last
    record = gates.nr_gate(predicted, mos, ids, condition, teacher)
    above = next(c for c in record["criteria"] if "pristine" in c["name"])
    assert not above["passed"] and above["value"] == 4
    assert record["figures"]["per_source"]["s0"]["worst_encode"] == "x264_crf51"


def test_filter_gate_passes_a_restoring_filter_and_fails_the_identity():
    rng = np.random.default_rng(4)
    ids = np.repeat(["a", "b", "c"], 4)
    clean = rng.uniform(0.2, 0.8, (ids.size, 1, 8, 8))
    degraded = clean + rng.normal(0.0, 0.05, clean.shape)
    restored = clean + 0.5 * (degraded - clean)  # halves the error: +6 dB everywhere
    record = gates.filter_gate(restored, degraded, clean, ids, report={"x264": (degraded, degraded)})
    assert record["passed"]
    assert record["figures"]["mean_psnr_gain_db"] == pytest.approx(20 * np.log10(2), abs=1e-9)
    assert record["figures"]["report_x264"]["mean_psnr_gain_db"] == 0.0
    assert not record["baselines"]["identity"]["passed"]


def test_filter_gate_fails_when_one_source_gets_worse():
    rng = np.random.default_rng(5)
    ids = np.repeat(["a", "b", "c"], 4)
    clean = rng.uniform(0.2, 0.8, (ids.size, 1, 8, 8))
    degraded = clean + rng.normal(0.0, 0.05, clean.shape)
    filtered = clean + 0.3 * (degraded - clean)
    filtered[ids == "c"] = clean[ids == "c"] + 2.0 * (degraded[ids == "c"] - clean[ids == "c"])
    record = gates.filter_gate(filtered, degraded, clean, ids)
    assert record["criteria"][0]["passed"] and not record["criteria"][1]["passed"] and not record["passed"]


def test_a_gate_that_its_baseline_passes_is_refused():
    passing = [{"name": "x", "value": 1.0, "threshold": 0.0, "passed": True}]
    with pytest.raises(gates.GateError, match="measures nothing"):
        gates._gate("fr", passing, {}, {"constant": ({}, passing)})
