"""Smoke data: specs/models/fr_regressor_v1.md §6, nr_metric_v1.md §5, learned_filter_v1.md §5."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.models.datasets import data
from vmafref.models.networks import nets


def test_texture_clip_is_seeded_and_distinct():
    a = data.synthetic_texture_clip(0, 1, 32, 48, 3)
    assert a.shape == (3, 32, 48) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, data.synthetic_texture_clip(0, 1, 32, 48, 3))
    assert not np.array_equal(a, data.synthetic_texture_clip(0, 2, 32, 48, 3))
    assert not np.array_equal(a, data.synthetic_texture_clip(1, 1, 32, 48, 3))


@pytest.mark.parametrize("kind", sorted(data.DISTORTIONS))
def test_distortion_grows_with_level(kind):
    frame = data.synthetic_texture_clip(0, 3, 64, 64, 1)[0]
    np.testing.assert_array_equal(data.distort(frame, kind, 0, seed=1), frame)
    errors = [np.mean(np.abs(data.distort(frame, kind, level, seed=1).astype(float) - frame)) for level in (1, 2, 3)]
    assert 0 < errors[0] < errors[1] < errors[2]


def test_distort_rejects_unknown():
    frame = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match="unknown distortion"):
        data.distort(frame, "ringing", 1, seed=0)
    with pytest.raises(ValueError, match="level"):
        data.distort(frame, "blur", 4, seed=0)


def test_filter_smoke_set():
    ds = data.smoke_dataset("learned_filter_v1", 0)
    assert ds.inputs["input"].shape == ds.targets.shape == (36, 1, 64, 64)
    assert ds.sources() == tuple(f"synthetic{s:02d}" for s in range(9))
    assert 0.0 <= ds.inputs["input"].min() and ds.inputs["input"].max() <= 1.0
    assert np.mean(np.abs(ds.inputs["input"] - ds.targets)) > 0.005
    np.testing.assert_array_equal(ds.inputs["input"], data.smoke_dataset("learned_filter_v1", 0).inputs["input"])


def test_nr_smoke_set():
    ds = data.smoke_dataset("nr_metric_v1", 0)
    assert ds.inputs["input"].shape == (90, 1, 224, 224) and ds.inputs["input"].dtype == np.float32
    assert len(ds.sources()) == 9
    np.testing.assert_allclose(sorted(set(ds.targets.tolist())), [1.0, 2.2, 3.4, 4.6])


def test_leave_one_source_out_split():
    ds = data.synthetic_feature_table("fr_regressor_v2", 0, rows_per_source=5)
    held = ds.only_source("synthetic04")
    rest = ds.without_source("synthetic04")
    assert len(held) == 5 and len(rest) == len(ds) - 5
    assert "synthetic04" not in rest.sources() and held.sources() == ("synthetic04",)
    assert rest.inputs["codec_onehot"].shape == (len(rest), 6)


def test_synthetic_table_is_only_for_fr():
    with pytest.raises(ValueError, match="FR regressors"):
        data.synthetic_feature_table("nr_metric_v1", 0)


@pytest.mark.slow
def test_fr_smoke_set_from_extractors_and_teacher():
    ds = data.smoke_dataset("fr_regressor_v2", 0)
    assert ds.feature_order == nets.FULL_FEATURES
    assert ds.inputs["features"].shape == (360, 12) and ds.inputs["codec_onehot"].shape == (360, 6)
    assert np.all(np.isfinite(ds.inputs["features"])) and np.all((0 <= ds.targets) & (ds.targets <= 100))
    assert len(ds.sources()) == 9
    # The teacher must rank the undistorted clip above the strongest distortion for every source
    # and distortion kind (a property of real features and the real vmaf_v0.6.1 model).
    for source in ds.sources():
        rows = ds.source_id == source
        clean = ds.targets[rows & (ds.meta["level"] == 0)].mean()
        for kind in data.DISTORTIONS:
            strong = ds.targets[rows & (ds.meta["distortion"] == kind) & (ds.meta["level"] == 3)].mean()
            assert clean > strong, (source, kind)
    adm2 = ds.inputs["features"][:, nets.FULL_FEATURES.index("integer_adm2")]
    assert np.all(adm2[ds.meta["level"] == 0] > 0.99)
