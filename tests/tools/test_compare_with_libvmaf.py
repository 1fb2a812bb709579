"""The comparison tool's own clip reader (independent of vmafref.io, so that a comparison also
checks how vmafref reads clips): every Y4M colour space libvmaf knows, geometry from the header,
and the same samples vmafref.io reads (docs/golden.md). Needs no libvmaf."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

from vmafref.io import open_video

TOOL = pathlib.Path(__file__).resolve().parents[2] / "tools" / "compare_with_libvmaf.py"


@pytest.fixture(scope="module")
def tool():
    import sys

    sys.path.insert(0, str(TOOL.parent))
    try:
        spec = importlib.util.spec_from_file_location("compare_with_libvmaf", TOOL)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(TOOL.parent))


def _write_y4m(path: pathlib.Path, colour_space: str, width: int, height: int, stored: list[tuple[int, int]],
               bitdepth: int, frames: int) -> None:
    dtype = np.uint8 if bitdepth == 8 else np.dtype("<u2")
    rng = np.random.default_rng(7)
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C{colour_space}\n".encode())
        for _ in range(frames):
            handle.write(b"FRAME\n")
            for shape in stored:
                handle.write(rng.integers(0, 1 << bitdepth, size=shape).astype(dtype).tobytes())


@pytest.mark.parametrize("colour_space,pixel_format,bitdepth,stored", [
    ("420jpeg", "420", 8, [(17, 33), (9, 17), (9, 17)]), ("420mpeg2", "420", 8, [(17, 33), (9, 17), (9, 17)]),
    ("420paldv", "420", 8, [(17, 33), (9, 17), (9, 17)]), ("420", "420", 8, [(17, 33), (9, 17), (9, 17)]),
    ("420p10", "420", 10, [(17, 33), (9, 17), (9, 17)]), ("422p12", "422", 12, [(17, 33), (17, 17), (17, 17)]),
    ("444", "444", 8, [(17, 33)] * 3), ("444alpha", "444", 8, [(17, 33)] * 4), ("mono", "420", 8, [(17, 33)])])
def test_reads_every_colour_space_as_vmafref_does(tool, tmp_path, colour_space, pixel_format, bitdepth, stored):
    path = tmp_path / "clip.y4m"
    _write_y4m(path, colour_space, 33, 17, stored, bitdepth, frames=3)
    geometry = tool.clip_geometry(str(path))
    assert geometry == (33, 17, pixel_format, bitdepth)
    frames = list(tool.iter_clip(str(path), *geometry, frame_cnt=2))
    assert len(frames) == 2
    with open_video(str(path)) as reader:
        for planes, frame in zip(frames, reader):
            for mine, theirs in zip(planes, (frame.y, frame.u, frame.v)):
                np.testing.assert_array_equal(mine, theirs)


def test_stops_before_reading_past_frame_cnt(tool, tmp_path):
    """Like libvmaf's command line, frame_cnt frames are read and nothing after them: a clip
    that is truncated after them still compares."""
    raw = tmp_path / "clip.yuv"
    frame = 32 * 16 * 3 // 2
    raw.write_bytes(bytes(2 * frame + 10))
    assert len(list(tool.iter_clip(str(raw), 32, 16, "420", 8, frame_cnt=2))) == 2
    with pytest.raises(tool.ComparisonError, match="ends inside frame 2"):
        list(tool.iter_clip(str(raw), 32, 16, "420", 8))


def test_raw_yuv_without_geometry_and_unknown_colour_spaces_are_comparison_errors(tool, tmp_path):
    raw = tmp_path / "clip.yuv"
    raw.write_bytes(bytes(100))
    with pytest.raises(tool.ComparisonError, match="-w -h -p -b"):
        tool.clip_geometry(str(raw))
    odd = tmp_path / "odd.y4m"
    odd.write_bytes(b"YUV4MPEG2 W8 H8 F25:1 C411\nFRAME\n" + bytes(96))
    with pytest.raises(tool.ComparisonError, match="411"):
        tool.clip_geometry(str(odd))
