"""Tests for vmafref.io.geometry (specs/io.md §1)."""

import numpy as np
import pytest

from vmafref.io import BitDepthError, InvalidGeometryError, UnknownFormatError, VideoGeometry


@pytest.mark.parametrize("width,height,pixel_format,chroma", [
    (6, 4, "420", (2, 3)), (5, 3, "420", (2, 3)), (1, 1, "420", (1, 1)),
    (5, 3, "422", (3, 3)), (5, 3, "444", (3, 5)), (7, 2, "422", (2, 4)),
])
def test_chroma_shape_rounds_up(width, height, pixel_format, chroma):
    assert VideoGeometry(width, height, pixel_format, 8).chroma_shape == chroma


@pytest.mark.parametrize("bitdepth,dtype,bytes_per_sample", [
    (8, np.uint8, 1), (10, np.uint16, 2), (12, np.uint16, 2), (16, np.uint16, 2)])
def test_frame_bytes_matches_libvmaf_buffer_size(bitdepth, dtype, bytes_per_sample):
    # yuv_input.c: (w*h + 2*((w+1)/2)*((h+1)/2)) << hbd for 4:2:0
    geometry = VideoGeometry(5, 3, "420", bitdepth)
    assert geometry.frame_bytes == (5 * 3 + 2 * 3 * 2) * bytes_per_sample
    assert geometry.luma_dtype == np.dtype(dtype)
    assert geometry.max_sample == 2 ** bitdepth - 1


@pytest.mark.parametrize("spelling", ["420", 420, "yuv420p", " 420 "])
def test_pixel_format_spellings(spelling):
    assert VideoGeometry(4, 4, spelling, 8).pixel_format == "420"


@pytest.mark.parametrize("pixel_format", ["411", "nv12", "", None, 4.20, True])
def test_unknown_pixel_format(pixel_format):
    with pytest.raises(UnknownFormatError, match="pixel format"):
        VideoGeometry(4, 4, pixel_format, 8)


@pytest.mark.parametrize("bitdepth", [0, 7, 9, 11, 14, 15, 17, 32, -8, 8.0, "8", True])
def test_bitdepth_out_of_range(bitdepth):
    with pytest.raises(BitDepthError, match="bit depth"):
        VideoGeometry(4, 4, "420", bitdepth)


@pytest.mark.parametrize("width,height", [(0, 4), (4, 0), (-1, 4), (4, -3), (4.0, 4),
                                          ("4", 4), (None, 4), (True, 4), (40000, 4)])
def test_invalid_width_height(width, height):
    with pytest.raises(InvalidGeometryError):
        VideoGeometry(width, height, "420", 8)


def test_split_planes_views_in_order():
    geometry = VideoGeometry(3, 3, "420", 8)
    samples = np.arange(geometry.frame_samples, dtype=np.uint8)
    y, u, v = geometry.split_planes(samples)
    np.testing.assert_array_equal(y.ravel(), np.arange(9))
    np.testing.assert_array_equal(u.ravel(), np.arange(9, 13))
    np.testing.assert_array_equal(v.ravel(), np.arange(13, 17))
