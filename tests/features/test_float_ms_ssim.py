"""float_ms_ssim against libvmaf (see specs/float_ms_ssim.md): identical doubles on the golden cases."""

from __future__ import annotations


import pytest

from golden_runs import GOLDEN, clip_frames, expected_run, extractor_for, run_extractor, worst_difference

from vmafref.features import get_extractor
from vmafref.features._float_common import FrameSizeError
from vmafref.features.float_ms_ssim import (
    MS_SSIM_MIN_SIZE,
    FloatMsSsimExtractor,
    check_ms_ssim_size,
    float_ms_ssim,
)

KEYS = ["float_ms_ssim"] + [f"float_ms_ssim_{part}_scale{i}" for part in "lcs" for i in range(5)]
OPTIONS = {"enable_lcs": True, "enable_db": True, "clip_db": True}


@pytest.mark.parametrize("case_id", ["texture_192x176_444_12bit"])
def test_matches_libvmaf(case_id):
    extractor = extractor_for(FloatMsSsimExtractor, case_id, **OPTIONS)
    expected = expected_run(case_id, "float_ms_ssim")["frames"]
    got = run_extractor(extractor, case_id)
    assert [list(frame) for frame in got] == [KEYS] * len(expected)
    assert worst_difference(expected, got, KEYS) == (0.0, 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ["src01_576x324_420_10bit", "sparks_480x270_420_10bit"])
def test_matches_libvmaf_on_real_content(case_id):
    test_matches_libvmaf(case_id)


@pytest.mark.slow  # ~14 s
def test_jitted_and_eager_agree():
    reference, distorted = clip_frames("texture_192x176_444_12bit")
    jitted = float_ms_ssim(reference[0][0], distorted[0][0], bitdepth=12, jit=True)
    eager = float_ms_ssim(reference[0][0], distorted[0][0], bitdepth=12, jit=False)
    assert jitted == eager
    expected = expected_run("texture_192x176_444_12bit", "float_ms_ssim")["frames"][0]
    assert jitted[1] == [expected[f"float_ms_ssim_l_scale{i}"] for i in range(5)]


def test_frames_below_176x176_are_refused():
    assert MS_SSIM_MIN_SIZE == 176
    check_ms_ssim_size(176, 176)
    for width, height in ((175, 200), (200, 175), (64, 48)):
        with pytest.raises(FrameSizeError, match="176x176"):
            check_ms_ssim_size(width, height)
    with pytest.raises(FrameSizeError):
        FloatMsSsimExtractor(width=176, height=144, bitdepth=8)


def test_the_command_refuses_small_frames_with_status_2(tmp_path, capsys):
    from vmafref.cli import main
    from vmafref.cli.exit_status import EXIT_ERROR

    reference, distorted = clip_frames("identical_176x144_420_8bit")
    paths = []
    for name, frames in (("ref.yuv", reference), ("dis.yuv", distorted)):
        path = tmp_path / name
        path.write_bytes(b"".join(plane.tobytes() for frame in frames[:1] for plane in frame))
        paths.append(str(path))
    status = main(["score", "-r", paths[0], "-d", paths[1], "-w", "176", "-h", "144", "-p", "420", "-b", "8",
                   "-n", "--feature", "float_ms_ssim", "--json", "-o", str(tmp_path / "out.json"), "-q"])
    err = capsys.readouterr().err
    assert status == EXIT_ERROR and "176x176" in err and "Traceback" not in err


def test_registry():
    assert get_extractor("float_ms_ssim") is FloatMsSsimExtractor
    assert (GOLDEN / "manifest.json").exists()
