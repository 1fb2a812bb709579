"""The real-data training paths: `vmafref train fr_regressor_v1 --features TABLE` (the
Netflix-public per-frame layout) and `vmafref calibrate nr_metric_v1 --corpus DIR`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vmafref.cli import main
from vmafref.corpus import training_inputs as ti
from vmafref.models.datasets import data

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
TRAINING = MODEL_DIR / "training"
SHORT = {"integer_adm2": "adm2", "integer_vif_scale0": "vif_scale0", "integer_vif_scale1": "vif_scale1",
         "integer_vif_scale2": "vif_scale2", "integer_vif_scale3": "vif_scale3", "integer_motion2": "motion2"}


def _netflix_table(path: Path, sources: int = 4) -> list[dict]:
    """A Netflix-layout Parquet made from the pinned corpus's first sources."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = ti.read_csv(TRAINING / ti.FR_TABLE)
    names = sorted({r["source_id"] for r in rows})[:sources]
    rows = [r for r in rows if r["source_id"] in names]
    columns = {"source": [r["source_id"] for r in rows],
               "dis_basename": [f"{r['source_id']}_{r['condition']}.yuv" for r in rows],
               "frame_index": [int(r["frame"]) for r in rows], "vmaf": [float(r["vmaf"]) for r in rows]}
    for key, short in SHORT.items():
        columns[short] = [float(r[key]) for r in rows]
    pq.write_table(pa.table(columns), path)
    return rows


def test_feature_table_dataset_reads_the_netflix_layout(tmp_path):
    rows = _netflix_table(tmp_path / "features.parquet")
    ds = data.feature_table_dataset("fr_regressor_v1", tmp_path / "features.parquet")
    assert len(ds) == len(rows) and len(ds.sources()) == 4
    assert ds.feature_order == tuple(SHORT)
    by_identity = {(r["source_id"], f"{r['source_id']}_{r['condition']}.yuv", int(r["frame"])): r for r in rows}
    for i in (0, len(ds) // 2, len(ds) - 1):
        row = by_identity[(ds.source_id[i], ds.meta["dis_basename"][i], int(ds.meta["frame_index"][i]))]
        assert ds.targets[i] == float(row["vmaf"])
        assert ds.inputs["features"][i].tolist() == [float(row[k]) for k in SHORT]
    with pytest.raises(data.SmokeDataError, match="canonical-6"):
        data.feature_table_dataset("fr_regressor_v2", tmp_path / "features.parquet")


@pytest.mark.slow  # ~15 s: a LOSO training run
def test_train_from_a_feature_table_runs_loso_on_its_sources(tmp_path):
    rows = _netflix_table(tmp_path / "features.parquet", sources=3)
    status = main(["train", "fr_regressor_v1", "--features", str(tmp_path / "features.parquet"), "--epochs", "2",
                   "--model-dir", str(tmp_path / "models"), "--quiet", "--loso-workers", "1"])
    # Two epochs cannot beat linear regression: the gate refuses, with the folds on disk.
    assert status == 3
    gate = json.loads((tmp_path / "models" / "runs" / "fr_regressor_v1" / "gate.json").read_text())
    assert gate["baselines"]["linear_regression"]["passed"] is False
    loso = json.loads((tmp_path / "models" / "runs" / "fr_regressor_v1" / "loso.json").read_text())
    assert [f["held_out_source"] for f in loso["folds"]] == sorted({r["source_id"] for r in rows})
    assert not (tmp_path / "models" / "registry.json").exists()


def test_train_from_a_missing_table_is_a_clear_error(tmp_path, capsys):
    status = main(["train", "fr_regressor_v1", "--features", str(tmp_path / "absent.parquet"),
                   "--model-dir", str(tmp_path / "models"), "--quiet", "--loso-workers", "1"])
    assert status == 2


@pytest.mark.skipif(not (MODEL_DIR / "registry.json").exists(), reason="no registry")
def test_calibrate_refits_on_a_corpus_folder(tmp_path, capsys):
    registry = json.loads((MODEL_DIR / "registry.json").read_text())
    if not any(e["id"] == "nr_metric_v1" for e in registry["models"]):
        pytest.skip("nr_metric_v1 is not registered")
    status = main(["calibrate", "nr_metric_v1", "--corpus", str(TRAINING), "--out", str(tmp_path / "fit.json")])
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["calibration"]["n_samples"] == len(ti.read_csv(TRAINING / ti.NR_INDEX))
    assert status == (0 if fit["calibration"]["quality_status"] == "accepted" else 1)
    assert main(["calibrate", "nr_metric_v1", "--corpus", str(tmp_path)]) == 2
    assert "not a resource-corpus folder" in capsys.readouterr().err


def _konvid(root: Path, count: int = 12) -> list[float]:
    """A KoNViD-1k folder in the published layout: tiny mp4s of noise at falling quality."""
    import subprocess

    videos = root / "KoNViD_1k_videos"
    videos.mkdir(parents=True)
    mos = []
    lines = ["flickr_id,mos"]
    for index in range(count):
        key = f"{1000 + index}"
        quality = 1.0 + 4.0 * index / (count - 1)
        crf = int(round(51 - 10 * (quality - 1)))
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=256x240:rate=10:duration=0.4,noise=alls=20:allf=t+u",
                        "-c:v", "libx264", "-threads", "1", "-crf", str(crf), "-pix_fmt", "yuv420p",
                        str(videos / f"{key}.mp4")], check=True)
        lines.append(f"{key},{quality}")
        mos.append(quality)
    (root / "KoNViD_1k_mos.csv").write_text("\n".join(lines) + "\n")
    return mos


@pytest.mark.ffmpeg
@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg")
def test_konvid_dataset_takes_native_middle_frames_and_the_cards_split(tmp_path):
    mos = _konvid(tmp_path)
    ds = data.konvid_dataset(tmp_path)
    assert ds.inputs["input"].shape == (12, 1, 224, 224) and ds.targets.tolist() == mos
    split = ds.meta["split"].tolist()
    assert split.count("test") == 1 and split.count("val") == 1 and split.count("train") == 10
    np.testing.assert_array_equal(ds.meta["split"], data.konvid_split(12))
    # 1200 clips split as the card says: 972 / 108 / 120 (80 / 9 / 10 %, the remainder to training).
    full = data.konvid_split(1200).tolist()
    assert (full.count("train"), full.count("val"), full.count("test")) == (972, 108, 120)


@pytest.mark.slow
@pytest.mark.ffmpeg
@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="needs ffmpeg")
def test_train_on_konvid_gates_on_the_test_split(tmp_path):
    _konvid(tmp_path / "konvid", count=24)
    status = main(["train", "nr_metric_v1", "--konvid", str(tmp_path / "konvid"), "--epochs", "1",
                   "--model-dir", str(tmp_path / "models"), "--quiet", "--loso-workers", "1"])
    gate = json.loads((tmp_path / "models" / "runs" / "nr_metric_v1" / "gate.json").read_text())
    assert gate["protocol"] == "holdout-split" and gate["baselines"]["constant"]["passed"] is False
    assert status == (0 if gate["passed"] else 3)
