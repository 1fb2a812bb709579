"""Integer motion against libvmaf f85a8536, with zero tolerance. See specs/integer_motion.md §7."""

from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmafref.features import get_extractor
from vmafref.features.integer_motion import (
    IntegerMotionExtractor,
    MotionInputError,
    batch_motion,
    clip_motion,
    motion_sad,
)

DATA = pathlib.Path(__file__).parent / "data"
_spec = importlib.util.spec_from_file_location("integer_vif_make_expected", DATA / "integer_vif" / "make_expected.py")
make_expected = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_expected)
EXPECTED = json.loads((DATA / "integer_motion" / "expected.json").read_text())["cases"]

_CLIP_KEYS = {"VMAF_integer_feature_motion_sad_score": "VMAF_integer_feature_motion_sad_score",
              "VMAF_integer_feature_motion2_score": "integer_motion2",
              "VMAF_integer_feature_motion3_score": "integer_motion3"}


def _options(case: dict) -> dict[str, object]:
    options: dict[str, object] = {}
    if case.get("motion"):
        for item in case["motion"].split(":"):
            key, value = item.split("=")
            options[key] = value == "true" if value in ("true", "false") else float(value)
    return options


def _run_extractor(case: dict) -> dict[int, dict[str, float]]:
    ref, dis = make_expected.make_clip(**case)
    extractor = IntegerMotionExtractor(width=case["width"], height=case["height"], bitdepth=case["bitdepth"],
                                       debug=True, **_options(case))
    got: dict[int, dict[str, float]] = {}
    for index in range(ref.shape[0]):
        for frame, values in extractor.extract(index, ref[index], dis[index]).items():
            got.setdefault(frame, {}).update(values)
        assert len(extractor._previous) <= 2, "extractor keeps more frames than it needs"
    for frame, values in extractor.flush().items():
        got.setdefault(frame, {}).update(values)
    return got


@pytest.mark.parametrize("name", list(EXPECTED))
def test_extractor_matches_libvmaf_exactly(name):
    entry = EXPECTED[name]
    got = _run_extractor(entry["case"])
    assert sorted(got) == list(range(len(entry["frames"])))
    for index, expected in enumerate(entry["frames"]):
        assert set(got[index]) == set(expected), f"frame {index}: keys {sorted(got[index])} vs {sorted(expected)}"
        mismatches = {k: (got[index][k], v) for k, v in expected.items() if got[index][k] != v}
        assert not mismatches, f"frame {index}: {mismatches}"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_clip_function_matches_libvmaf_exactly(name):
    entry = EXPECTED[name]
    case = entry["case"]
    ref, _ = make_expected.make_clip(**case)
    result = clip_motion(ref, bitdepth=case["bitdepth"], **_options(case))
    for ours, prefix in _CLIP_KEYS.items():
        key = next(k for k in entry["frames"][0] if k.startswith(prefix))
        expected = [frame[key] for frame in entry["frames"]]
        assert np.asarray(result[ours]).tolist() == expected, ours


def test_batch_never_mixes_clips():
    case = EXPECTED["natural_8bit_64x48"]["case"]
    first, _ = make_expected.make_clip(**case)
    second, _ = make_expected.make_clip(**{**case, "seed": case["seed"] + 100})
    batched = batch_motion(np.stack([first, second]), bitdepth=8)
    for position, clip in enumerate((first, second)):
        alone = clip_motion(clip, bitdepth=8)
        for key, values in alone.items():
            np.testing.assert_array_equal(np.asarray(batched[key][position]), np.asarray(values))
    # Concatenating the clips in time instead does pair frames across them: the first
    # frame of the second clip gets a SAD against the last frame of the first.
    joined = clip_motion(np.concatenate([first, second]), bitdepth=8)
    junction = joined["VMAF_integer_feature_motion_sad_score"][first.shape[0]]
    assert float(junction) != 0.0
    assert float(batched["VMAF_integer_feature_motion_sad_score"][1, 0]) == 0.0


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bitdepth=st.sampled_from([8, 12]), frames=st.integers(1, 5))
def test_static_clip_has_zero_motion(seed, bitdepth, frames):
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    frame = rng.integers(0, 1 << bitdepth, size=(12, 10)).astype(dtype)
    result = clip_motion(np.repeat(frame[None], frames, axis=0), bitdepth=bitdepth)
    for values in result.values():
        assert np.all(np.asarray(values) == 0.0)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_sad_is_symmetric_and_zero_on_equal_frames(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, size=(9, 11)).astype(np.uint8)
    b = rng.integers(0, 256, size=(9, 11)).astype(np.uint8)
    assert int(motion_sad(a, a, bitdepth=8)) == 0
    # Rounding is toward +inf, so |blur(a-b)| and |blur(b-a)| may differ by one per sample.
    assert abs(int(motion_sad(a, b, bitdepth=8)) - int(motion_sad(b, a, bitdepth=8))) <= a.size


def test_extremes_do_not_overflow():
    # Full-scale black/white alternation maximises every intermediate sum (16-bit: the
    # vertical sum reaches 65536 * 65535, beyond int32).
    for bitdepth in (8, 16):
        peak = (1 << bitdepth) - 1
        dtype = np.uint8 if bitdepth == 8 else np.uint16
        black = np.zeros((8, 8), dtype)
        white = np.full((8, 8), peak, dtype)
        sad = int(motion_sad(black, white, bitdepth=bitdepth))
        # Every blurred sample is -peak in Q8 (8-bit) or Q16/2**bpc units: 255*256, 65535.
        assert sad == 64 * (255 * 256 if bitdepth == 8 else 65535), sad


@pytest.mark.slow
def test_eager_equals_jit():
    case = EXPECTED["five_frame_average_10bit_40x30"]["case"]
    ref, _ = make_expected.make_clip(**case)
    options = _options(case)
    jitted = clip_motion(ref, bitdepth=10, **options)
    eager = clip_motion(ref, bitdepth=10, jit=False, **options)
    for key in jitted:
        np.testing.assert_array_equal(np.asarray(jitted[key]), np.asarray(eager[key]))


def test_registered_under_libvmaf_name():
    assert get_extractor("motion") is IntegerMotionExtractor


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(MotionInputError, match="at least 3x3"):
        clip_motion(np.zeros((2, 2, 8), np.uint8), bitdepth=8)
    with pytest.raises(MotionInputError, match="dtype"):
        clip_motion(np.zeros((2, 8, 8), np.uint16), bitdepth=8)
    with pytest.raises(MotionInputError, match="4-D"):
        batch_motion(np.zeros((2, 8, 8), np.uint8), bitdepth=8)
    with pytest.raises(MotionInputError, match="motion_blend_factor"):
        clip_motion(np.zeros((2, 8, 8), np.uint8), bitdepth=8, motion_blend_factor=2.0)
    with pytest.raises(TypeError):
        clip_motion(np.zeros((2, 8, 8), np.uint8), bitdepth=8, motion_unknown=1)
    with pytest.raises(ValueError, match="unknown option"):
        IntegerMotionExtractor(width=8, height=8, bitdepth=8, mffw=True)
    extractor = IntegerMotionExtractor(width=8, height=8, bitdepth=8)
    with pytest.raises(MotionInputError, match="in order"):
        extractor.extract(1, np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), frames=st.integers(1, 12), five=st.booleans(), average=st.booleans(),
       blend_factor=st.sampled_from([1.0, 0.5, 0.3]), blend_offset=st.sampled_from([40.0, 2.5]),
       max_val=st.sampled_from([10000.0, 4.0]), fps_weight=st.sampled_from([1.0, 0.8]))
def test_host_scores_equal_the_jax_functions_bit_for_bit(seed, frames, five, average, blend_factor, blend_offset,
                                                           max_val, fps_weight):
    """The streaming extractor's host-side arithmetic (per-frame SAD score, motion2/motion3 at
    flush) gives the JAX functions' doubles exactly, eager and jitted (clip_motion's path).
    See specs/integer_motion.md §4 and §8."""
    import jax
    import jax.numpy as jnp

    from vmafref._x64 import x64
    from vmafref.features.integer_motion import (
        MotionParams,
        _motion_scores_host,
        _sad_score,
        _sad_score_host,
        motion_scores,
    )

    params = MotionParams(motion_five_frame_window=five, motion_moving_average=average,
                          motion_blend_factor=blend_factor, motion_blend_offset=blend_offset,
                          motion_max_val=max_val, motion_fps_weight=fps_weight)
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(3, 2000)), int(rng.integers(3, 1200))
    sads = rng.integers(0, 255 * 65536 * 4, size=frames)
    with x64():
        device = np.asarray(_sad_score(jnp.asarray(sads, jnp.int64), width, height, params))
        host = np.array([_sad_score_host(int(s), width, height, params) for s in sads])
        np.testing.assert_array_equal(host.view(np.uint64), device.view(np.uint64))
        scores = np.where(np.arange(frames) < params.min_index, 0.0, host)
        eager = [np.asarray(v) for v in motion_scores(jnp.asarray(scores), params)]
        jitted = [np.asarray(v) for v in jax.jit(lambda s: motion_scores(s, params))(jnp.asarray(scores))]
    got2, got3 = _motion_scores_host(scores, params)
    for want2, want3 in (eager, jitted):
        np.testing.assert_array_equal(got2.view(np.uint64), want2.view(np.uint64))
        np.testing.assert_array_equal(got3.view(np.uint64), want3.view(np.uint64))
