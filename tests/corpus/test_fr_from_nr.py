"""The FR-from-NR adapter with every subprocess mocked at its seam (specs/corpus/fr_from_nr.md §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import fakes
from vmafref.corpus.ffmpeg import (CorpusStepError, EncoderUnavailableError, build_decode_command, frame_bytes,
                                   probe_geometry)
from vmafref.corpus.fr_from_nr import (DEFAULT_CRF_SWEEP, DEFAULT_PRESET, AdapterRunError, NrInputRow,
                                       NrToFrAdapter, source_name)
from vmafref.corpus.rows import validate_row


def _seams(**decode):
    return dict(probe_runner=fakes.probe_runner(**{k: v for k, v in decode.items() if k in ("width", "height", "pix_fmt")}),
                decode_runner=fakes.decode_runner(**decode), encode_runner=fakes.encode_runner(),
                score_runner=fakes.FakeScorer())


def _upload(tmp_path, name="clip.mp4", folder="uploads"):
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really an mp4")
    return path


# 1
def test_default_crf_sweep_is_five_points():
    adapter = NrToFrAdapter()
    assert DEFAULT_CRF_SWEEP == (18, 23, 28, 33, 38)
    assert adapter.crf_sweep == DEFAULT_CRF_SWEEP
    assert adapter.preset == DEFAULT_PRESET == "medium"
    assert adapter.encoder == "libx264"


# 2
def test_nr_input_row_from_dict_round_trips_extras():
    row = NrInputRow.from_dict({"src": "a/b.mp4", "mos": 3.25, "n_ratings": 12, "corpus": "konvid-150k"})
    assert row.path == Path("a/b.mp4")
    assert row.mos == 3.25
    assert row.extra == {"n_ratings": 12, "corpus": "konvid-150k"}
    assert NrInputRow.from_dict({"path": "x.mp4"}).mos is None
    assert NrInputRow.from_dict({"src": "x.mp4"}, base_dir="/data").path == Path("/data/x.mp4")


# 3
def test_nr_input_row_from_dict_rejects_missing_src():
    with pytest.raises(KeyError, match="no 'src'"):
        NrInputRow.from_dict({"mos": 3.0})
    with pytest.raises(ValueError):
        NrInputRow.from_dict({"mos": 3.0})
    with pytest.raises(ValueError, match="mos must be a number"):
        NrInputRow.from_dict({"src": "a.mp4", "mos": "good"})


# 4
def test_probe_geometry_parses_ffprobe_payload():
    runner = fakes.probe_runner(payload=fakes.ffprobe_payload(1920, 1080, "yuv420p10le", "24000/1001", "12.0"))
    geometry = probe_geometry("clip.mp4", runner=runner)
    assert (geometry.width, geometry.height, geometry.pix_fmt) == (1920, 1080, "yuv420p10le")
    assert geometry.framerate == pytest.approx(24000 / 1001, rel=1e-15)
    assert geometry.duration_s == 12.0
    assert runner.calls[0][-1] == "clip.mp4" and "json" in runner.calls[0]


# 5
def test_probe_geometry_raises_on_invalid_geometry():
    runner = fakes.probe_runner(payload=fakes.ffprobe_payload(0, 0))
    with pytest.raises(RuntimeError, match="invalid geometry 0x0"):
        probe_geometry("clip.mp4", runner=runner)


# 6
def test_probe_geometry_raises_on_nonzero_exit():
    with pytest.raises(RuntimeError, match="ffprobe failed") as info:
        probe_geometry("broken.mp4", runner=fakes.probe_runner(fail=True))
    assert info.value.step == "probe" and info.value.source == "broken.mp4"


# 7
def test_build_decode_command_uses_probed_pix_fmt():
    cmd = build_decode_command("in.mp4", "out.yuv", pix_fmt="yuv422p")
    assert cmd[cmd.index("-i") + 1] == "in.mp4"
    assert cmd[cmd.index("-f") + 1] == "rawvideo"
    assert cmd[cmd.index("-pix_fmt") + 1] == "yuv422p"
    assert cmd[-1] == "out.yuv"
    assert "-vf" not in cmd and "-s" not in cmd  # no scaling


# 8
def test_adapter_validates_construction_args():
    with pytest.raises(ValueError, match="empty"):
        NrToFrAdapter(crf_sweep=())
    with pytest.raises(TypeError, match="not an integer"):
        NrToFrAdapter(crf_sweep=(23.5,))
    with pytest.raises(ValueError, match="not an integer"):
        NrToFrAdapter(crf_sweep=(True,))
    with pytest.raises(ValueError, match="preset is empty"):
        NrToFrAdapter(preset="")
    with pytest.raises(ValueError, match="outside libx264's range"):
        NrToFrAdapter(crf_sweep=(52,))
    with pytest.raises(ValueError, match="repeats"):
        NrToFrAdapter(crf_sweep=(23, 23))
    with pytest.raises(EncoderUnavailableError, match="unknown encoder"):
        NrToFrAdapter(encoder="libfoo")


# 9
def test_adapter_run_yields_one_row_per_crf(tmp_path):
    seams = _seams(frames=5)
    adapter = NrToFrAdapter(crf_sweep=(20, 30, 40), preset="fast", scratch_dir=tmp_path / "scratch")
    upload = _upload(tmp_path)
    rows = list(adapter.run(NrInputRow(upload, 3.5, {"corpus": "test"}), **seams))
    assert [r["encode"]["crf"] for r in rows] == [20, 30, 40]
    for row in rows:
        validate_row(row)
        assert row["encode"]["encoder"] == "libx264" and row["encode"]["preset"] == "fast"
        assert row["fr_from_nr"] is True and row["nr_source"] == str(upload) and row["nr_mos"] == 3.5
        assert row["nr_extra"] == {"corpus": "test"}
        assert row["source"]["frame_count"] == 5 and row["source"]["path"] == str(upload)
        assert row["provenance"]["ffmpeg_version"] == "ffmpeg version 0.0-test"
        assert row["provenance"]["commands"]["decode_source"][-1] == "{reference_yuv}"
    # sizes fall with CRF in the fake encoder, so bitrates must too
    assert rows[0]["encode"]["bitrate_kbps"] > rows[1]["encode"]["bitrate_kbps"] > rows[2]["encode"]["bitrate_kbps"]
    assert len(fakes.geometry_calls(seams["probe_runner"])) == 1
    assert len(seams["decode_runner"].calls) == 1 + 3  # the upload, then each encode back to YUV
    assert len(seams["encode_runner"].calls) == 3
    assert len(seams["score_runner"].requests) == 3
    # the scorer sees raw YUV on both sides, never the encoded container
    for request in seams["score_runner"].requests:
        assert request.reference.suffix == ".yuv" and request.distorted.suffix == ".yuv"


# 10
def test_adapter_cleans_intermediate_yuv_by_default(tmp_path):
    adapter = NrToFrAdapter(crf_sweep=(23, 33), scratch_dir=tmp_path / "scratch")
    upload = _upload(tmp_path)
    rows = list(adapter.run(NrInputRow(upload), **_seams()))
    assert len(rows) == 2
    assert not adapter.intermediate_yuv_path(NrInputRow(upload)).exists()
    assert list((tmp_path / "scratch").rglob("*")) == []


# 11
def test_adapter_keeps_intermediate_yuv_when_requested(tmp_path):
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch", keep_intermediate_yuv=True)
    upload = _upload(tmp_path)
    list(adapter.run(NrInputRow(upload), **_seams(frames=3)))
    kept = adapter.intermediate_yuv_path(NrInputRow(upload))
    assert kept.exists() and kept.stat().st_size == 3 * frame_bytes(64, 48, "420", 8)
    assert [p.name for p in kept.parent.iterdir()] == ["reference.yuv"]  # encodes and decodes are gone


# 12
def test_adapter_run_many_yields_in_deterministic_order(tmp_path):
    adapter = NrToFrAdapter(crf_sweep=(25, 35), scratch_dir=tmp_path / "scratch")
    uploads = [_upload(tmp_path, f"{name}.mp4") for name in "abc"]
    rows = list(adapter.run_many([{"src": str(p), "mos": 1.0 + i} for i, p in enumerate(uploads)], **_seams()))
    assert [Path(r["nr_source"]).stem for r in rows] == ["a", "a", "b", "b", "c", "c"]
    assert [r["encode"]["crf"] for r in rows] == [25, 35] * 3
    assert [r["nr_mos"] for r in rows] == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]


# 13
def test_adapter_propagates_decode_failure(tmp_path):
    upload = _upload(tmp_path)
    seams = _seams()
    seams["decode_runner"] = fakes.decode_runner(fail_sources=[upload])
    adapter = NrToFrAdapter(crf_sweep=(23, 28), scratch_dir=tmp_path / "scratch")
    with pytest.raises(RuntimeError, match="ffmpeg decode failed") as info:
        list(adapter.run(NrInputRow(upload), **seams))
    assert isinstance(info.value, CorpusStepError)
    assert info.value.step == "decode" and info.value.source == str(upload)
    assert seams["encode_runner"].calls == [] and seams["score_runner"].requests == []
    assert list((tmp_path / "scratch").rglob("*")) == []  # the partial decode is gone too


def test_same_file_name_in_two_folders_never_collides(tmp_path):
    first, second = _upload(tmp_path, "clip.mp4", "day1"), _upload(tmp_path, "clip.mp4", "day2")
    assert source_name(first) != source_name(second)
    assert source_name(first).startswith("clip-")
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch", keep_intermediate_yuv=True)
    rows = list(adapter.run_many([NrInputRow(first), NrInputRow(second)], **_seams()))
    assert len({r["row_key"] for r in rows}) == 2
    assert adapter.intermediate_yuv_path(NrInputRow(first)) != adapter.intermediate_yuv_path(NrInputRow(second))
    assert adapter.intermediate_yuv_path(NrInputRow(first)).exists()
    assert adapter.intermediate_yuv_path(NrInputRow(second)).exists()


def test_failed_crf_names_source_and_step_and_other_crfs_complete(tmp_path):
    upload = _upload(tmp_path)
    seams = _seams()
    seams["encode_runner"] = fakes.encode_runner(fail_crfs=(30,))
    adapter = NrToFrAdapter(crf_sweep=(20, 30, 40), scratch_dir=tmp_path / "scratch")
    rows = []
    with pytest.raises(AdapterRunError) as info:
        for row in adapter.run(NrInputRow(upload), **seams):
            rows.append(row)
    assert [r["encode"]["crf"] for r in rows] == [20, 40]
    (failure,) = info.value.failures
    assert failure.step == "encode crf 30" and failure.source == str(upload)
    assert str(upload) in str(info.value) and "encode crf 30" in str(info.value)
    assert list((tmp_path / "scratch").rglob("*")) == []


def test_run_many_continues_past_a_failed_source(tmp_path):
    uploads = [_upload(tmp_path, f"{name}.mp4") for name in "abc"]
    seams = _seams()
    seams["decode_runner"] = fakes.decode_runner(fail_sources=[uploads[1]])
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch")
    rows = []
    with pytest.raises(AdapterRunError, match="b.mp4") as info:
        for row in adapter.run_many([NrInputRow(p) for p in uploads], **seams):
            rows.append(row)
    assert [Path(r["nr_source"]).stem for r in rows] == ["a", "c"]
    assert [f.step for f in info.value.failures] == ["decode"]


def test_scorer_failure_is_a_named_step_failure(tmp_path):
    def broken(request):
        raise ValueError("distorted clip is truncated")
    seams = _seams()
    seams["score_runner"] = broken
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch")
    with pytest.raises(AdapterRunError, match="score crf 23.*truncated"):
        list(adapter.run(NrInputRow(_upload(tmp_path)), **seams))


def test_missing_encoder_in_this_ffmpeg_build_is_reported(tmp_path):
    seams = _seams()
    adapter = NrToFrAdapter(crf_sweep=(30,), encoder="libvpx-vp9", scratch_dir=tmp_path / "scratch")
    with pytest.raises(EncoderUnavailableError, match="has no libvpx-vp9"):
        list(adapter.run(NrInputRow(_upload(tmp_path)), **seams))
    assert seams["decode_runner"].calls == []


def test_ten_bit_upload_is_decoded_encoded_and_scored_at_ten_bits(tmp_path):
    seams = _seams(pix_fmt="yuv420p10le", frames=2)
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch")
    (row,) = adapter.run(NrInputRow(_upload(tmp_path)), **seams)
    decode = seams["decode_runner"].calls[0]
    assert decode[decode.index("-pix_fmt") + 1] == "yuv420p10le"
    encode = seams["encode_runner"].calls[0]
    assert encode[encode.index("-pix_fmt") + 1] == "yuv420p10le"
    assert encode[len(encode) - 1 - encode[::-1].index("-pix_fmt") + 1] == "yuv420p10le"
    assert (row["source"]["bitdepth"], row["source"]["pix_fmt"]) == (10, "yuv420p10le")
    assert seams["score_runner"].requests[0].bitdepth == 10


def test_tool_versions_are_asked_once_per_adapter(tmp_path):
    seams = _seams()
    adapter = NrToFrAdapter(crf_sweep=(23,), scratch_dir=tmp_path / "scratch")
    list(adapter.run_many([NrInputRow(_upload(tmp_path, f"{n}.mp4")) for n in "ab"], **seams))
    asked = [c for c in seams["probe_runner"].calls if "-version" in c or "-encoders" in c]
    assert len(asked) == 2


def test_step_errors_survive_pickling_across_processes():
    import pickle

    error = CorpusStepError("clip.mp4", "encode crf 30", "ffmpeg libx264 encode failed (exit 1)")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.step, copy.detail, str(copy)) == (error.source, error.step, error.detail, str(error))
    batch = pickle.loads(pickle.dumps(AdapterRunError([error])))
    assert str(batch) == str(AdapterRunError([error])) and batch.failures[0].step == "encode crf 30"
