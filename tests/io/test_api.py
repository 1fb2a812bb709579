"""Tests for open_video and open_pair, vmafref.io.api (specs/io.md §4 and §7)."""

import numpy as np
import pytest

from tests.io.helpers import assert_frames_equal, random_planes, write_raw, write_y4m
from vmafref.io import (BitDepthError, FrameCountMismatchError, GeometryMismatchError,
                        InvalidGeometryError, MissingGeometryError, UnknownFormatError,
                        VideoGeometry, frames_from_arrays, open_pair, open_video)

GEOMETRY = VideoGeometry(5, 3, "420", 10)
ARGS = dict(width=5, height=3, pixel_format="420", bitdepth=10)


def _raw(tmp_path, name, count, seed, geometry=GEOMETRY):
    frames = random_planes(geometry, count, seed=seed)
    write_raw(tmp_path / name, frames, geometry)
    return tmp_path / name, frames


def test_pair_yields_frames_in_lockstep(tmp_path):
    ref, ref_frames = _raw(tmp_path, "ref.yuv", 4, 1)
    dis, dis_frames = _raw(tmp_path, "dis.yuv", 4, 2)
    with open_pair(ref, dis, **ARGS) as pair:
        assert pair.frame_count == 4 and pair.geometry == GEOMETRY
        items = list(pair)
    assert [index for index, _, _ in items] == [0, 1, 2, 3]
    assert_frames_equal([r for _, r, _ in items], ref_frames)
    assert_frames_equal([d for _, _, d in items], dis_frames)


def test_pair_of_raw_and_y4m_shares_the_header_geometry(tmp_path):
    ref, ref_frames = _raw(tmp_path, "ref.yuv", 2, 3)
    dis_frames = random_planes(GEOMETRY, 2, seed=4)
    write_y4m(tmp_path / "dis.y4m", dis_frames, GEOMETRY)
    with open_pair(ref, tmp_path / "dis.y4m") as pair:
        items = list(pair)
    assert_frames_equal([r for _, r, _ in items], ref_frames)
    assert_frames_equal([d for _, _, d in items], dis_frames)


def test_pair_of_raw_clips_without_geometry(tmp_path):
    ref, _ = _raw(tmp_path, "ref.yuv", 1, 5)
    with pytest.raises(MissingGeometryError, match="ref.yuv"):
        open_pair(ref, ref)


def test_pair_with_arrays(tmp_path):
    luma = np.arange(2 * 3 * 5).reshape(2, 3, 5) % 1024
    ref = frames_from_arrays(luma, 10)
    dis, _ = _raw(tmp_path, "dis.yuv", 2, 6)
    assert len(list(open_pair(ref, dis))) == 2


@pytest.mark.parametrize("other", [VideoGeometry(5, 3, "420", 12), VideoGeometry(5, 3, "422", 10),
                                   VideoGeometry(6, 3, "420", 10), VideoGeometry(5, 4, "420", 10)])
def test_mismatched_geometry(tmp_path, other):
    write_y4m(tmp_path / "ref.y4m", random_planes(GEOMETRY, 1, seed=7), GEOMETRY)
    write_y4m(tmp_path / "dis.y4m", random_planes(other, 1, seed=8), other)
    with pytest.raises(GeometryMismatchError, match=r"ref\.y4m.*dis\.y4m"):
        open_pair(tmp_path / "ref.y4m", tmp_path / "dis.y4m")


def test_different_lengths_raise_before_reading(tmp_path):
    ref, _ = _raw(tmp_path, "ref.yuv", 3, 9)
    dis, _ = _raw(tmp_path, "dis.yuv", 2, 10)
    with pytest.raises(FrameCountMismatchError, match=r"dis\.yuv' ended before .*ref\.yuv"):
        open_pair(ref, dis, **ARGS)


def test_different_lengths_within_frame_cnt_are_fine(tmp_path):
    ref, _ = _raw(tmp_path, "ref.yuv", 3, 11)
    dis, _ = _raw(tmp_path, "dis.yuv", 2, 12)
    with open_pair(ref, dis, **ARGS, frame_cnt=2) as pair:
        assert pair.frame_count == 2 and len(list(pair)) == 2
    with pytest.raises(FrameCountMismatchError):
        open_pair(ref, dis, **ARGS, frame_cnt=3)


def test_different_lengths_like_libvmaf(tmp_path):
    ref, _ = _raw(tmp_path, "ref.yuv", 3, 13)
    dis, _ = _raw(tmp_path, "dis.yuv", 2, 14)
    with pytest.warns(UserWarning, match="ended before"):
        pair = open_pair(ref, dis, **ARGS, allow_length_mismatch=True)
    assert pair.frame_count == 2 and len(list(pair)) == 2


def test_different_lengths_on_streams_raise_when_reached():
    luma = np.zeros((3, 3, 5), np.uint16)
    ref, dis = frames_from_arrays(luma, 10), frames_from_arrays(luma[:2], 10)
    ref.frame_count = dis.frame_count = None  # as for two pipes
    pair = open_pair(ref, dis)
    assert next(pair)[0] == 0 and next(pair)[0] == 1
    with pytest.raises(FrameCountMismatchError, match="<arrays>"):
        next(pair)


def test_frame_cnt_limits_and_skips(tmp_path):
    ref, ref_frames = _raw(tmp_path, "ref.yuv", 5, 15)
    dis, dis_frames = _raw(tmp_path, "dis.yuv", 4, 16)
    with open_pair(ref, dis, **ARGS, skip_ref=2, frame_cnt=2) as pair:
        assert pair.frame_count == 2
        items = list(pair)
    assert [(i, r.index, d.index) for i, r, d in items] == [(0, 2, 0), (1, 3, 1)]
    np.testing.assert_array_equal(items[0][1].y, ref_frames[2][0])
    np.testing.assert_array_equal(items[1][2].y, dis_frames[1][0])


@pytest.mark.parametrize("bad", [dict(frame_cnt=0), dict(frame_cnt=-1), dict(frame_cnt=1.0),
                                 dict(skip_ref=-1), dict(skip_dis=True)])
def test_bad_pair_arguments(tmp_path, bad):
    ref, _ = _raw(tmp_path, "ref.yuv", 1, 17)
    with pytest.raises(ValueError):
        open_pair(ref, ref, **ARGS, **bad)


@pytest.mark.parametrize("arguments,error", [
    (dict(bitdepth=9), BitDepthError), (dict(pixel_format="nv12"), UnknownFormatError),
    (dict(width=0), InvalidGeometryError), (dict(height=-4), InvalidGeometryError),
])
def test_bad_arguments_name_the_file(tmp_path, arguments, error):
    ref, _ = _raw(tmp_path, "ref.yuv", 1, 18)
    with pytest.raises(error, match=r"ref\.yuv"):
        open_video(ref, **{**ARGS, **arguments})


def test_file_object_and_close(tmp_path):
    ref, frames = _raw(tmp_path, "ref.yuv", 2, 19)
    with open(ref, "rb") as handle:
        with open_video(handle, **ARGS) as reader:
            assert reader.frame_count == 2
            assert_frames_equal(list(reader), frames)
        assert not handle.closed  # the caller's file stays the caller's to close
    reader = open_video(ref, **ARGS)
    reader.close()
    assert list(reader) == []
