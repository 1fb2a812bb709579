"""Integer motion against libvmaf f85a8536, with zero tolerance. See specs/integer_motion.md §7."""

from __future__ import annotations


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

from golden_runs import case, cases_with_runs, clip_frames, expected_run, golden_run, to_array

#: The golden cases with an integer motion run (``vif_motion_*``, tools/make_golden.py):
#: case id -> the run (``motion`` or one with options).
EXPECTED = cases_with_runs("vif_motion_", "motion")

_CLIP_KEYS = {"VMAF_integer_feature_motion_sad_score": "VMAF_integer_feature_motion_sad_score",
              "VMAF_integer_feature_motion2_score": "integer_motion2",
              "VMAF_integer_feature_motion3_score": "integer_motion3"}


def _options(case_id: str) -> dict[str, object]:
    """The run's motion options (debug aside) as the extractor takes them."""
    (feature,) = golden_run(case_id, EXPECTED[case_id])["features"]
    return {key: value == "true" if value in ("true", "false") else float(value)
            for key, value in feature["options"].items() if key != "debug"}


def _luma(case_id: str) -> tuple[np.ndarray, np.ndarray]:
    reference, distorted = clip_frames(case_id)
    return to_array(reference), to_array(distorted)


def _run_extractor(case_id: str) -> dict[int, dict[str, float]]:
    ref, dis = _luma(case_id)
    extractor = IntegerMotionExtractor(width=ref.shape[2], height=ref.shape[1], bitdepth=_bitdepth(case_id),
                                       debug=True, **_options(case_id))
    got: dict[int, dict[str, float]] = {}
    for index in range(ref.shape[0]):
        for frame, values in extractor.extract(index, ref[index], dis[index]).items():
            got.setdefault(frame, {}).update(values)
        assert len(extractor._previous) <= 2, "extractor keeps more frames than it needs"
    for frame, values in extractor.flush().items():
        got.setdefault(frame, {}).update(values)
    return got


def _bitdepth(case_id: str) -> int:
    return case(case_id)["bitdepth"]


@pytest.mark.parametrize("case_id", list(EXPECTED))
def test_extractor_matches_libvmaf_exactly(case_id):
    frames = expected_run(case_id, EXPECTED[case_id])["frames"]
    got = _run_extractor(case_id)
    assert sorted(got) == list(range(len(frames)))
    for index, expected in enumerate(frames):
        assert set(got[index]) == set(expected), f"frame {index}: keys {sorted(got[index])} vs {sorted(expected)}"
        mismatches = {k: (got[index][k], v) for k, v in expected.items() if got[index][k] != v}
        assert not mismatches, f"frame {index}: {mismatches}"


@pytest.mark.parametrize("case_id", list(EXPECTED))
def test_clip_function_matches_libvmaf_exactly(case_id):
    frames = expected_run(case_id, EXPECTED[case_id])["frames"]
    ref, _ = _luma(case_id)
    result = clip_motion(ref, bitdepth=_bitdepth(case_id), **_options(case_id))
    for ours, prefix in _CLIP_KEYS.items():
        key = next(k for k in frames[0] if k.startswith(prefix))
        expected = [frame[key] for frame in frames]
        assert np.asarray(result[ours]).tolist() == expected, ours


def test_batch_never_mixes_clips():
    # Two different 48x32 8-bit clips of the same length.
    first = _luma("vif_motion_blend_8bit_48x32")[0]
    second = _luma("vif_motion_fps_max_8bit_48x32")[0][:first.shape[0]]
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
    case_id = "vif_motion_five_frame_average_10bit_40x30"
    ref, _ = _luma(case_id)
    options = _options(case_id)
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


# Each example compiles motion_scores for its options (about 0.5 s, 17 s for the 15 on a 2-core
# AVX2 machine): in the slow suite; the golden cases check the host scores in the default one.
@pytest.mark.slow
@settings(max_examples=15, deadline=None)
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


def test_clip_programs_are_compiled_once_per_options():
    from vmafref.features import integer_motion

    clip = np.random.default_rng(3).integers(0, 256, size=(4, 20, 24), dtype=np.uint8)
    first = integer_motion.clip_motion(clip, bitdepth=8)
    programs = dict(integer_motion._CLIP_PROGRAMS)
    assert not any(key[1][1] == 0.37 for key in programs)
    second = integer_motion.clip_motion(clip[::-1].copy(), bitdepth=8)
    assert integer_motion._CLIP_PROGRAMS == programs  # the same program, not a new trace
    again = integer_motion.clip_motion(clip, bitdepth=8)
    for key in first:
        np.testing.assert_array_equal(np.asarray(first[key]), np.asarray(again[key]))
    assert not all(np.array_equal(np.asarray(first[k]), np.asarray(second[k])) for k in first)
    integer_motion.clip_motion(clip, bitdepth=8, motion_blend_factor=0.37)  # other options: one more program
    assert len(integer_motion._CLIP_PROGRAMS) == len(programs) + 1
