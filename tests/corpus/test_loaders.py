"""Dataset loaders on small fixtures in each dataset's real layout (specs/corpus/loaders.md)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from vmafref.corpus.loaders import (NETFLIX_FEATURE_COLUMNS, DatasetLayoutError, extract_middle_frame,
                                    feature_table_from_rows, load_konvid_1k, load_konvid_150k,
                                    load_netflix_features, write_netflix_features)
from tests.corpus import fakes

HAVE_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = [pytest.mark.ffmpeg, pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg/ffprobe are not on PATH")]


def _level_clip(path, *, width=160, height=90, frames=25, bitdepth=8):
    """A lossless clip whose frame i is flat grey at 40 + 6 i (in 8-bit units)."""
    dtype, scale, pix_fmt = (np.uint8, 1, "yuv420p") if bitdepth == 8 else (np.uint16, 4, "yuv420p10le")
    planes = []
    for i in range(frames):
        luma = np.full((height, width), (40 + 6 * i) * scale, dtype=dtype)
        chroma = np.full((height // 2, width // 2), 128 * scale, dtype=dtype)
        planes += [luma.tobytes(), chroma.tobytes(), chroma.tobytes()]
    raw = path.with_suffix(".yuv")
    raw.write_bytes(b"".join(planes))
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", pix_fmt,
                    "-s", f"{width}x{height}", "-r", "25", "-i", str(raw), "-c:v", "libx264", "-qp", "0",
                    "-pix_fmt", pix_fmt, str(path)], check=True)
    raw.unlink()


def _konvid_root(tmp_path, ids=("3337642103", "4495254692"), mos=(3.82, 2.1)):
    root = tmp_path / "KoNViD_1k"
    (root / "KoNViD_1k_videos").mkdir(parents=True)
    lines = ["flickr_id,mos"] + [f"{i},{m}" for i, m in zip(ids, mos)]
    (root / "KoNViD_1k_mos.csv").write_text("\n".join(lines) + "\n")
    return root


def test_konvid_1k_reads_mos_csv_and_clip_folder(tmp_path):
    root = _konvid_root(tmp_path)
    for key in ("3337642103", "4495254692"):
        (root / "KoNViD_1k_videos" / f"{key}.mp4").write_bytes(b"x")
    clips = load_konvid_1k(root)
    assert [(c.key, c.mos, c.path.name) for c in clips] == [("3337642103", 3.82, "3337642103.mp4"),
                                                            ("4495254692", 2.1, "4495254692.mp4")]


def test_konvid_1k_reports_missing_clips_and_bad_csv(tmp_path):
    root = _konvid_root(tmp_path)
    (root / "KoNViD_1k_videos" / "3337642103.mp4").write_bytes(b"x")
    with pytest.raises(DatasetLayoutError, match="1 KoNViD-1k clip.*missing.*4495254692"):
        load_konvid_1k(root)
    assert [c.key for c in load_konvid_1k(root, missing="skip")] == ["3337642103"]
    (root / "KoNViD_1k_mos.csv").write_text("id,score\n1,2\n")
    with pytest.raises(DatasetLayoutError, match="flickr_id and mos"):
        load_konvid_1k(root)
    (root / "KoNViD_1k_mos.csv").write_text("flickr_id,mos\n3337642103,high\n")
    with pytest.raises(DatasetLayoutError, match=":2: mos 'high'"):
        load_konvid_1k(root)
    with pytest.raises(DatasetLayoutError, match="MOS file not found"):
        load_konvid_1k(tmp_path / "elsewhere")


@pytest.mark.ffmpeg
@pytest.mark.parametrize("bitdepth", [8, 10])
def test_middle_frame_is_the_middle_frame_area_resized_to_224(tmp_path, bitdepth):
    if not HAVE_FFMPEG:
        pytest.skip("ffmpeg/ffprobe are not on PATH")
    clip = tmp_path / "clip.mp4"
    _level_clip(clip, bitdepth=bitdepth)
    frame = extract_middle_frame(clip)
    assert frame.shape == (224, 224) and frame.dtype == np.uint8
    # 25 frames over 1 s: the seek to 0.5 s lands on frame 12 or 13 (grey 112 or 118, give or
    # take swscale's rounding), not on the first (40) or last (184). A 10-bit source is rescaled
    # to 8 bits, so its grey is the same, not its high byte (0).
    assert int(frame.max()) - int(frame.min()) <= 1  # swscale dithers the 10-to-8-bit step
    assert 110 <= int(frame[0, 0]) <= 120


def test_konvid_150k_shards_become_nr_rows(tmp_path):
    shards = tmp_path / "konvid-150k"
    (shards / "clips").mkdir(parents=True)
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        (shards / "clips" / name).write_bytes(b"x")

    def line(src, mos, sha):
        return json.dumps({"src": src, "src_sha256": sha, "mos": mos, "mos_std_dev": 0.5, "n_ratings": 5,
                           "width": 960, "height": 540, "framerate": 29.97, "duration_s": 5.0, "pix_fmt": "yuv420p",
                           "encoder_upstream": "h264", "corpus": "konvid-150k", "corpus_version": "konvid-150k-2019",
                           "ingested_at_utc": "2026-01-01T00:00:00+00:00"})
    (shards / "part-000.jsonl").write_text(line("a.mp4", 3.1, "1" * 64) + "\n" + line("b.mp4", 2.4, "2" * 64) + "\n")
    (shards / "part-001.jsonl").write_text(line("b.mp4", 2.4, "2" * 64) + "\n\n" + line("c.mp4", 4.0, "3" * 64) + "\n")
    rows = list(load_konvid_150k(shards))
    assert [(r.path.name, r.mos) for r in rows] == [("a.mp4", 3.1), ("b.mp4", 2.4), ("c.mp4", 4.0)]
    assert rows[0].path == shards / "clips" / "a.mp4"
    assert rows[0].extra["n_ratings"] == 5 and rows[0].extra["corpus"] == "konvid-150k" and "src" not in rows[0].extra
    assert [r.path.name for r in load_konvid_150k(str(shards / "part-00*.jsonl"))] == ["a.mp4", "b.mp4", "c.mp4"]
    (shards / "clips" / "c.mp4").unlink()
    with pytest.raises(DatasetLayoutError, match="part-001.jsonl:3: clip .*c.mp4 is missing"):
        list(load_konvid_150k(shards))
    assert len(list(load_konvid_150k(shards, missing="skip"))) == 2
    (shards / "part-002.jsonl").write_text(json.dumps({"src": "a.mp4", "mos": "n/a"}) + "\n")
    with pytest.raises(DatasetLayoutError, match="part-002.jsonl:1: 'mos' must be a number"):
        list(load_konvid_150k(shards / "part-002.jsonl"))


def _netflix_table(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {key: [row[key] for row in rows] for key in rows[0]}
    pq.write_table(pa.table(columns), path)


def _netflix_rows():
    rng = np.random.default_rng(7)
    rows = []
    for source in ("Tennis", "BigBuckBunny"):
        for dis in (f"{source}_20_288_375.yuv", f"{source}_90_1080_4300.yuv"):
            for frame in (1, 0):
                row = {"source": source, "dis_basename": dis, "frame_index": frame, "vmaf": float(rng.uniform(20, 100))}
                for name in ("adm2", "adm_scale0", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3",
                             "motion", "motion2", "psnr_y", "float_ssim"):
                    row[name] = float(rng.uniform(0, 1))
                rows.append(row)
    return rows


def test_netflix_feature_table_reads_the_canonical_six_in_order(tmp_path):
    rows = _netflix_rows()
    _netflix_table(tmp_path / "full_features_netflix.parquet", rows)
    table = load_netflix_features(tmp_path / "full_features_netflix.parquet")
    assert len(table) == 8 and table.features.shape == (8, 6) and table.feature_names == NETFLIX_FEATURE_COLUMNS
    expected = sorted(rows, key=lambda r: (r["source"], r["dis_basename"], r["frame_index"]))
    assert table.source[0] == "BigBuckBunny" and list(table.frame_index[:2]) == [0, 1]
    np.testing.assert_array_equal(table.features, [[r[c] for c in NETFLIX_FEATURE_COLUMNS] for r in expected])
    np.testing.assert_array_equal(table.target, [r["vmaf"] for r in expected])


def test_netflix_feature_table_rejects_missing_columns_nan_and_duplicates(tmp_path):
    rows = _netflix_rows()
    for row in rows:
        del row["motion2"]
    _netflix_table(tmp_path / "a.parquet", rows)
    with pytest.raises(DatasetLayoutError, match=r"missing column\(s\) \['motion2'\]"):
        load_netflix_features(tmp_path / "a.parquet")
    rows = _netflix_rows()
    rows[3]["vif_scale2"] = float("nan")
    _netflix_table(tmp_path / "b.parquet", rows)
    with pytest.raises(DatasetLayoutError, match="1 row\\(s\\) hold NaN"):
        load_netflix_features(tmp_path / "b.parquet")
    rows = _netflix_rows()
    rows[0]["frame_index"] = 0  # rows 0 and 1 are frames 1 and 0 of the same encode
    _netflix_table(tmp_path / "c.parquet", rows)
    with pytest.raises(DatasetLayoutError, match="appears twice"):
        load_netflix_features(tmp_path / "c.parquet")


def test_corpus_rows_convert_to_the_netflix_table_layout(tmp_path):
    rows = fakes.make_rows(tmp_path, crfs=(23, 33))
    assert write_netflix_features(tmp_path / "t.parquet", rows) == 10
    table = load_netflix_features(tmp_path / "t.parquet")
    flat = feature_table_from_rows(rows)
    assert len(table) == 10 and set(table.dis_basename) == {r["row_key"] for r in rows}
    assert table.features[:, 5].tolist() == sorted(flat["motion2"][:5]) + sorted(flat["motion2"][5:])
