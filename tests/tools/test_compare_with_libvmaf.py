"""The comparison tool reads clips as vmafref does: every Y4M colour space libvmaf knows, with
geometry from the header (docs/golden.md). Needs no libvmaf."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest

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


def _write_y4m(path: pathlib.Path, colour_space: str, width: int, height: int, chroma: tuple[int, int],
               bitdepth: int, frames: int) -> list[np.ndarray]:
    dtype = np.uint8 if bitdepth == 8 else np.dtype("<u2")
    rng = np.random.default_rng(7)
    lumas = []
    with open(path, "wb") as handle:
        handle.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C{colour_space}\n".encode())
        for _ in range(frames):
            luma = rng.integers(0, 1 << bitdepth, size=(height, width)).astype(dtype)
            lumas.append(luma)
            handle.write(b"FRAME\n" + luma.tobytes())
            if chroma[0]:
                handle.write(np.full(chroma, 1 << (bitdepth - 1), dtype).tobytes() * 2)
    return lumas


@pytest.mark.parametrize("colour_space,pixel_format,bitdepth,chroma", [
    ("420jpeg", "420", 8, (9, 17)), ("420mpeg2", "420", 8, (9, 17)), ("420paldv", "420", 8, (9, 17)),
    ("420", "420", 8, (9, 17)), ("420p10", "420", 10, (9, 17)), ("422p12", "422", 12, (17, 17)),
    ("444", "444", 8, (17, 33)), ("mono", "420", 8, (0, 0))])
def test_geometry_and_frames_from_any_known_colour_space(tool, tmp_path, colour_space, pixel_format, bitdepth, chroma):
    path = tmp_path / "clip.y4m"
    lumas = _write_y4m(path, colour_space, 33, 17, chroma, bitdepth, frames=3)
    geometry = tool.clip_geometry(str(path))
    assert geometry == (33, 17, pixel_format, bitdepth)
    frames = list(tool.iter_clip(str(path), *geometry, frame_cnt=2))
    assert len(frames) == 2
    np.testing.assert_array_equal(frames[1][0], lumas[1])
    if colour_space == "mono":  # libvmaf gives a monochrome clip neutral chroma
        assert frames[0][1].shape == (9, 17) and np.all(frames[0][1] == 128)


def test_raw_yuv_without_geometry_and_truncated_clips_are_comparison_errors(tool, tmp_path):
    raw = tmp_path / "clip.yuv"
    raw.write_bytes(bytes(33 * 17 * 3 // 2 + 10))
    with pytest.raises(tool.ComparisonError, match="-w -h -p -b"):
        tool.clip_geometry(str(raw))
    with pytest.raises(tool.ComparisonError):
        list(tool.iter_clip(str(raw), 32, 16, "420", 8))
