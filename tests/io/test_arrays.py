"""Tests for frames_from_arrays, vmafref.io.arrays (specs/io.md §6)."""

import numpy as np
import pytest

from vmafref.io import (ArrayInputError, BitDepthError, SampleRangeError, VideoGeometry,
                        frames_from_arrays)


@pytest.mark.parametrize("bitdepth,dtype", [(8, np.uint8), (10, np.uint16), (12, np.uint16),
                                            (16, np.uint16)])
def test_integer_arrays_round_trip(bitdepth, dtype):
    rng = np.random.default_rng(bitdepth)
    luma = rng.integers(0, 2 ** bitdepth, (3, 5, 7))
    reader = frames_from_arrays(luma, bitdepth)
    assert reader.geometry == VideoGeometry(7, 5, "420", bitdepth)
    assert reader.frame_count == 3 and reader.path == "<arrays>"
    frames = list(reader)
    assert [frame.index for frame in frames] == [0, 1, 2]
    for frame, plane in zip(frames, luma):
        assert frame.y.dtype == dtype
        np.testing.assert_array_equal(frame.y, plane)
        assert frame.u.shape == (3, 4) and np.all(frame.u == 2 ** (bitdepth - 1))


def test_float_arrays_holding_integers():
    luma = np.array([[[0.0, 255.0], [17.0, 3.0]]])
    frame = next(frames_from_arrays(luma, 8))
    np.testing.assert_array_equal(frame.y, [[0, 255], [17, 3]])
    assert frame.y.dtype == np.uint8


def test_single_frame_may_be_two_dimensional():
    assert frames_from_arrays(np.zeros((4, 6), np.uint8), 8).frame_count == 1


@pytest.mark.parametrize("pixel_format,chroma_shape", [("420", (2, 3)), ("422", (3, 3)),
                                                       ("444", (3, 5))])
def test_pixel_format_inferred_from_chroma(pixel_format, chroma_shape):
    luma = np.zeros((2, 3, 5), np.uint16)
    chroma = np.full((2, *chroma_shape), 7, np.uint16)
    reader = frames_from_arrays(luma, 10, chroma, chroma + 1)
    assert reader.geometry.pixel_format == pixel_format
    frame = next(reader)
    assert np.all(frame.u == 7) and np.all(frame.v == 8)


def test_ambiguous_chroma_shape_can_be_named():
    luma = np.zeros((1, 1, 5), np.uint8)
    chroma = np.zeros((1, 1, 3), np.uint8)
    assert frames_from_arrays(luma, 8, chroma, chroma).geometry.pixel_format == "420"
    assert frames_from_arrays(luma, 8, chroma, chroma,
                              pixel_format="422").geometry.pixel_format == "422"


@pytest.mark.parametrize("value,match", [(np.nan, "NaN"), (np.inf, "NaN or infinite"),
                                         (1.5, "non-integer")])
def test_bad_float_values(value, match):
    luma = np.zeros((2, 3, 4))
    luma[1, 2, 3] = value
    with pytest.raises(ArrayInputError, match=match):
        frames_from_arrays(luma, 8)


@pytest.mark.parametrize("value", [-1, 256])
def test_samples_outside_bitdepth(value):
    luma = np.zeros((1, 2, 2), np.int32)
    luma[0, 0, 0] = value
    with pytest.raises(SampleRangeError, match=r"outside \[0, 255\]"):
        frames_from_arrays(luma, 8)


def test_chroma_outside_bitdepth():
    luma = np.zeros((1, 2, 2), np.uint16)
    chroma = np.full((1, 1, 1), 1024, np.uint16)
    with pytest.raises(SampleRangeError, match="U plane"):
        frames_from_arrays(luma, 10, chroma, chroma)


@pytest.mark.parametrize("luma,match", [
    (np.zeros((2, 2, 2, 2), np.uint8), "shape"), (np.zeros(4, np.uint8), "shape"),
    (np.zeros((0, 2, 2), np.uint8), "no frame"), (np.zeros((1, 2, 2), bool), "dtype"),
    (np.array([[["a"]]]), "dtype"), (np.zeros((1, 2, 2), complex), "dtype"),
])
def test_bad_luma_arrays(luma, match):
    with pytest.raises(ArrayInputError, match=match):
        frames_from_arrays(luma, 8)


def test_bad_chroma_arrays():
    luma = np.zeros((2, 4, 4), np.uint8)
    with pytest.raises(ArrayInputError, match="both"):
        frames_from_arrays(luma, 8, u=np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(ArrayInputError, match="frames"):
        frames_from_arrays(luma, 8, np.zeros((1, 2, 2), np.uint8), np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(ArrayInputError, match="fit no pixel format"):
        frames_from_arrays(luma, 8, np.zeros((2, 3, 3), np.uint8), np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ArrayInputError, match="does not match pixel format"):
        frames_from_arrays(luma, 8, np.zeros((2, 2, 2), np.uint8), np.zeros((2, 2, 2), np.uint8),
                           pixel_format="444")


@pytest.mark.parametrize("bitdepth", [9, 0, 32])
def test_bad_bitdepth(bitdepth):
    with pytest.raises(BitDepthError):
        frames_from_arrays(np.zeros((1, 2, 2), np.uint16), bitdepth)


def test_frames_do_not_alias_the_input():
    luma = np.zeros((1, 2, 2), np.uint8)
    frame = next(frames_from_arrays(luma, 8))
    frame.y[0, 0] = 9
    assert luma[0, 0, 0] == 0
