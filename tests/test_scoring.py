"""Pipeline plumbing with stand-in extractors; the real features are covered by their own tests and golden/."""

import threading
import time

import numpy as np
import pytest

from vmafref import features as features_module
from vmafref.features.extractor import FeatureExtractor, OptionSpec
from vmafref.feature_names import feature_key
from vmafref.io import FrameCountMismatchError, GeometryMismatchError
from vmafref.pooling import pool
from vmafref.scoring import FeatureRequest, score, score_frames


class MeanExtractor(FeatureExtractor):
    name = "test_mean"
    options = {"gain": OptionSpec("gain", 1.0, float, alias="g", feature_param=True),
               "debug": OptionSpec("debug", False, bool)}
    instances = []

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        MeanExtractor.instances.append(self)

    def extract(self, index, ref, dis):
        value = float(np.mean(dis)) * self.values["gain"]
        return {index: {feature_key("test_mean", self.feature_params): value}}


class LateExtractor(FeatureExtractor):
    """Publishes frame i's value when frame i+1 arrives, the last one in flush (as motion2)."""

    name = "test_late"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.previous = None

    def extract(self, index, ref, dis):
        out = {}
        if self.previous is not None:
            out[index - 1] = {"late": self.previous}
        self.previous = float(index)
        return out

    def flush(self):
        return {} if self.previous is None else {int(self.previous): {"late": self.previous}}


@pytest.fixture(autouse=True)
def stand_in_extractors(monkeypatch):
    registry = dict(features_module.EXTRACTOR_MODULES)
    registry["test_mean"] = (__name__, "MeanExtractor")
    registry["test_late"] = (__name__, "LateExtractor")
    monkeypatch.setattr(features_module, "EXTRACTOR_MODULES", registry)
    MeanExtractor.instances.clear()


def _clip(n=4, h=18, w=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w), dtype=np.uint8)


def test_late_values_land_on_their_frames_and_pool():
    clip = _clip()
    result = score(clip, clip, bitdepth=8, models=(), features=("test_late", "test_mean"))
    assert [row["late"] for row in result.frames] == [0.0, 1.0, 2.0, 3.0]
    assert result.keys == ["test_mean", "late"]
    assert result.pooled["late"]["mean"] == 1.5
    assert result.frame_count == 4 and result.width == 20 and result.height == 18


def test_duplicate_requests_are_dropped_like_libvmaf():
    clip = _clip(n=2)
    result = score(clip, clip, bitdepth=8, models=(),
                   features=("test_mean", FeatureRequest("test_mean", {"debug": "true"}),
                             FeatureRequest("test_mean", {"gain": "2"})))
    assert len(MeanExtractor.instances) == 2
    assert result.keys == ["test_mean", "test_mean_g_2"]
    assert result.frames[0]["test_mean_g_2"] == 2 * result.frames[0]["test_mean"]


def test_frame_count_mismatch_is_an_error_unless_frame_cnt_limits_it():
    with pytest.raises(FrameCountMismatchError):
        score(_clip(n=4), _clip(n=3), bitdepth=8, models=(), features=("test_mean",))
    result = score(_clip(n=4), _clip(n=3), bitdepth=8, models=(), features=("test_mean",), frame_cnt=2)
    assert result.frame_count == 2


def test_geometry_mismatch_is_an_error():
    with pytest.raises(GeometryMismatchError):
        score(_clip(w=20), _clip(w=22), bitdepth=8, models=(), features=("test_mean",))


def test_unknown_extractor_is_an_error():
    with pytest.raises(ValueError, match="unknown feature extractor"):
        score(_clip(), _clip(), bitdepth=8, models=(), features=("ssim_of_my_own",))


def test_unknown_option_is_an_error():
    with pytest.raises(ValueError, match="unknown option"):
        score(_clip(), _clip(), bitdepth=8, models=(), features=(FeatureRequest("test_mean", {"gian": "2"}),))


def test_empty_input_is_an_error():
    with pytest.raises(ValueError, match="no frames"):
        score_frames(iter(()), width=4, height=4, bitdepth=8, models=(), features=("test_mean",))


def test_per_frame_columns_wait_for_their_features():
    class Column:
        column_name = "net"
        required_features = ("late",)

        def __init__(self):
            self.seen = []

        def score_frame(self, luma, bitdepth, row):
            self.seen.append(dict(row))
            return row["late"] * 10

    column = Column()
    clip = _clip(n=3)
    result = score(clip, clip, bitdepth=8, models=(), features=("test_late",), per_frame_columns=[column])
    assert [row["net"] for row in result.frames] == [0.0, 10.0, 20.0]
    assert all("late" in row for row in column.seen)
    assert result.keys[-1] == "net"


@pytest.mark.parametrize("geometry", [{"width": 20}, {"height": 18}, {"width": 20, "height": 18}])
def test_geometry_given_with_arrays_is_refused(geometry):
    """The array's shape is its geometry; width/height used to be ignored silently."""
    with pytest.raises(ValueError, match="array"):
        score(_clip(), _clip(), bitdepth=8, models=(), features=("test_mean",), **geometry)


def test_nothing_to_compute_is_refused():
    with pytest.raises(ValueError, match="nothing to compute"):
        score(_clip(), _clip(), bitdepth=8, models=[])
    with pytest.raises(ValueError, match="nothing to compute"):
        score_frames(iter(()), width=4, height=4, bitdepth=8, models=())


def test_subsample_scores_every_nth_frame_with_its_own_number():
    clip = _clip(n=7)
    full = score(clip, clip[::-1], bitdepth=8, models=(), features=("test_late", "test_mean"))
    sub = score(clip, clip[::-1], bitdepth=8, models=(), features=("test_late", "test_mean"), subsample=3)
    assert sub.frame_numbers == [0, 3, 6] and sub.frame_count == 7
    assert sub.frames == [full.frames[i] for i in (0, 3, 6)]
    assert sub.pooled["test_mean"] == pool([full.frames[i]["test_mean"] for i in (0, 3, 6)])
    with pytest.raises(ValueError, match="subsample"):
        score(clip, clip, bitdepth=8, models=(), features=("test_mean",), subsample=0)


def test_skips_and_length_mismatch_reach_the_reader():
    clip = _clip(n=5)
    skipped = score(clip, clip[2:], bitdepth=8, models=(), features=("test_mean",), skip_ref=2)
    direct = score(clip[2:], clip[2:], bitdepth=8, models=(), features=("test_mean",))
    assert skipped.frames == direct.frames
    with pytest.warns(UserWarning, match="ended before"):
        common = score(clip, clip[:3], bitdepth=8, models=(), features=("test_mean",), allow_length_mismatch=True)
    assert common.frames == score(clip[:3], clip[:3], bitdepth=8, models=(), features=("test_mean",)).frames
    with pytest.raises(FrameCountMismatchError, match="allow_length_mismatch=True"):
        score(clip, clip[:3], bitdepth=8, models=(), features=("test_mean",))


def test_per_frame_extractors_skip_the_dropped_frames_and_keep_their_values(monkeypatch):
    """libvmaf calls an extractor without the temporal flags only on the kept frames
    (libvmaf.c:510-515); vmafref's values on those frames are the full run's."""
    from vmafref.features.ciede import CiedeExtractor
    from vmafref.features.float_psnr import FloatPsnrExtractor

    rng = np.random.default_rng(3)
    ref = rng.integers(0, 256, size=(5, 24, 32), dtype=np.uint8)
    dis = np.clip(ref.astype(int) + rng.integers(-9, 10, size=ref.shape), 0, 255).astype(np.uint8)
    features = ("ciede", "float_psnr")
    full = score(ref, dis, bitdepth=8, pixel_format="444", models=(), features=features)
    seen = []
    for cls in (CiedeExtractor, FloatPsnrExtractor):
        original = cls.extract
        monkeypatch.setattr(cls, "extract", lambda self, index, *planes, _o=original: (seen.append(index),
                                                                                        _o(self, index, *planes))[1])
    sub = score(ref, dis, bitdepth=8, pixel_format="444", models=(), features=features, subsample=2)
    assert sorted(seen) == [0, 0, 2, 2, 4, 4]
    assert sub.frames == [full.frames[i] for i in (0, 2, 4)]


class DeviceExtractor(FeatureExtractor):
    """Takes device arrays; records what each call got."""

    name = "test_device"
    device_planes = True
    options = {"gain": OptionSpec("gain", 1.0, float, alias="g", feature_param=True)}
    seen = []

    def extract(self, index, ref, dis):
        self.seen.append((index, self.values["gain"], ref, dis))
        return {index: {feature_key("test_device", self.feature_params): float(np.mean(np.asarray(dis)))}}


def test_device_extractors_share_one_device_copy_of_each_plane(monkeypatch):
    """Extractors that take JAX arrays get each frame's planes copied to the device once, all
    of them the same arrays; the others get the NumPy planes (specs/score.md §1)."""
    import jax

    registry = dict(features_module.EXTRACTOR_MODULES, test_device=(__name__, "DeviceExtractor"))
    monkeypatch.setattr(features_module, "EXTRACTOR_MODULES", registry)
    DeviceExtractor.seen = []
    clip = _clip(n=3)
    result = score(clip, clip[::-1], bitdepth=8, models=(),
                   features=("test_mean", "test_device", ("test_device", {"gain": 2.0})))
    assert len(DeviceExtractor.seen) == 6
    for index in range(3):
        (_, _, ref_a, dis_a), (_, _, ref_b, dis_b) = [call for call in DeviceExtractor.seen if call[0] == index]
        assert isinstance(ref_a, jax.Array) and ref_a is ref_b and dis_a is dis_b
        np.testing.assert_array_equal(np.asarray(dis_a), clip[::-1][index])
    assert [frame["test_device"] for frame in result.frames] == [frame["test_mean"] for frame in result.frames]


class SlowIndependentExtractor(FeatureExtractor):
    """Frame-independent, and slower on even frames, so that threaded calls finish out of order."""

    name = "test_slow"
    frame_independent = True
    active = [0, 0]  # calls running now, most at once

    def extract(self, index, ref, dis):
        with _LOCK:
            self.active[0] += 1
            self.active[1] = max(self.active)
        time.sleep(0.02 if index % 2 == 0 else 0.001)
        with _LOCK:
            self.active[0] -= 1
        return {index: {"slow": float(np.sum(ref, dtype=np.int64) - np.sum(dis, dtype=np.int64))}}


class FailingExtractor(FeatureExtractor):
    name = "test_failing"
    frame_independent = True

    def extract(self, index, ref, dis):
        if index == 3:
            raise ValueError("frame 3 is unreadable")
        return {index: {"ok": 1.0}}


_LOCK = threading.Lock()


@pytest.fixture()
def threaded_extractors(monkeypatch):
    registry = dict(features_module.EXTRACTOR_MODULES)
    registry["test_slow"] = (__name__, "SlowIndependentExtractor")
    registry["test_failing"] = (__name__, "FailingExtractor")
    registry["test_mean"] = (__name__, "MeanExtractor")
    registry["test_late"] = (__name__, "LateExtractor")
    monkeypatch.setattr(features_module, "EXTRACTOR_MODULES", registry)
    SlowIndependentExtractor.active[:] = [0, 0]


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_threads_give_the_serial_values_and_key_order(threaded_extractors, threads):
    clip = _clip(n=9)
    features = ("test_late", "test_slow", "test_mean")
    serial = score(clip, clip[::-1], bitdepth=8, models=(), features=features)
    SlowIndependentExtractor.active[:] = [0, 0]
    threaded = score(clip, clip[::-1], bitdepth=8, models=(), features=features, threads=threads, subsample=2)
    assert SlowIndependentExtractor.active[1] >= 2  # frames really ran at once
    assert threaded.keys == serial.keys
    assert threaded.frame_numbers == [0, 2, 4, 6, 8]
    assert threaded.frames == [serial.frames[i] for i in (0, 2, 4, 6, 8)]
    # the stateful extractor saw every frame, in order, whatever the threads
    assert [row["late"] for row in threaded.frames] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_threads_keep_a_stateful_extractor_in_frame_order(threaded_extractors, monkeypatch):
    seen = []
    original = LateExtractor.extract
    monkeypatch.setattr(LateExtractor, "extract", lambda self, index, ref, dis: (seen.append(index),
                                                                                 original(self, index, ref, dis))[1])
    clip = _clip(n=12)
    score(clip, clip, bitdepth=8, models=(), features=("test_slow", "test_late"), threads=4)
    assert seen == list(range(12))


def test_a_threaded_extractor_error_is_raised_and_nothing_hangs(threaded_extractors):
    clip = _clip(n=30)
    with pytest.raises(ValueError, match="frame 3 is unreadable"):
        score(clip, clip, bitdepth=8, models=(), features=("test_slow", "test_failing"), threads=2)
    with pytest.raises(ValueError, match="threads must be"):
        score(clip, clip, bitdepth=8, models=(), features=("test_mean",), threads=-1)


@pytest.mark.slow  # the thread pool is no longer the default; tests/test_frame_workers.py checks the worker processes in the default suite
def test_real_extractors_with_threads_equal_the_serial_run():
    rng = np.random.default_rng(5)
    ref = rng.integers(0, 256, size=(5, 36, 48), dtype=np.uint8)
    dis = np.clip(ref.astype(int) + rng.integers(-12, 13, size=ref.shape), 0, 255).astype(np.uint8)
    serial = score(ref, dis, bitdepth=8, features=("psnr",))
    threaded = score(ref, dis, bitdepth=8, features=("psnr",), threads=2)
    assert threaded.frames == serial.frames and threaded.keys == serial.keys
    assert threaded.pooled == serial.pooled and threaded.aggregate == serial.aggregate
