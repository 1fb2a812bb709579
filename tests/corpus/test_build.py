"""Resumable corpus builds: pool vs Dask equality, interruption and resume, retries, failures.

Cells run real ffmpeg (x264) on the ``tiny`` preset; scoring goes through a
libvmaf-compatible stand-in (``fake_vmaf.py``) so these tests exercise orchestration only.
See specs/corpus/public_corpus.md §3-§4.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmafref.corpus.build import PRESETS, BuildConflictError, build, plan_cells
from vmafref.corpus.rows import read_jsonl

pytestmark = pytest.mark.ffmpeg
if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
    pytestmark = [pytest.mark.ffmpeg, pytest.mark.skip(reason="ffmpeg/ffprobe are not on PATH")]

FAKE_SCORER = f"{sys.executable} {Path(__file__).with_name('fake_vmaf.py')}"


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    summary = build("tiny", out, scorer=FAKE_SCORER, workers=2, progress=False)
    assert summary.ok and summary.completed == 6 and summary.resumed == 0
    return out


def test_pool_build_writes_rows_manifest_and_sorted_corpus(reference_build):
    rows = list(read_jsonl(reference_build / "corpus.jsonl"))
    keys = [r["row_key"] for r in rows]
    assert keys == sorted(keys) and len(keys) == 6
    manifest = [json.loads(line)["row_key"] for line in (reference_build / "manifest.jsonl").read_text().splitlines()]
    assert sorted(manifest) == keys
    assert sorted(p.stem for p in (reference_build / "rows").glob("*.json")) == keys
    summary = json.loads((reference_build / "build.json").read_text())
    assert summary["ok"] and summary["planned"] == 6 and summary["backend"] == "pool"
    for row in rows:
        assert row["fr_from_nr"] is False and row["source"]["path"] is None
        assert row["provenance"]["scorer"] == {"kind": "libvmaf-cli", "version": "fake-1"}
    # the generated sources are what the plan says they are
    plan = json.loads((reference_build / "plan.json").read_text())
    assert {r["source"]["name"]: r["source"]["sha256"] for r in rows} == {k: v["sha256"] for k, v in plan["sources"].items()}


def test_dask_build_is_byte_identical_to_the_pool_build(reference_build, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        summary = build("tiny", tmp_path / "by-address", scorer=FAKE_SCORER, scheduler=cluster.scheduler_address,
                        progress=False)
        assert summary.ok and summary.backend == "dask" and summary.completed == 6
        with Client(cluster) as client:  # half by a client, then resumed on the local pool
            build("tiny", tmp_path / "mixed", scorer=FAKE_SCORER, client=client, max_new_rows=3, progress=False)
    mixed = build("tiny", tmp_path / "mixed", scorer=FAKE_SCORER, workers=1, progress=False)
    assert mixed.resumed == 3 and mixed.completed == 3
    expected = (reference_build / "corpus.jsonl").read_bytes()
    assert (tmp_path / "by-address" / "corpus.jsonl").read_bytes() == expected
    assert (tmp_path / "mixed" / "corpus.jsonl").read_bytes() == expected


def test_build_in_chunks_then_resume_loses_nothing(reference_build, tmp_path):
    first = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=1, max_new_rows=2, progress=False)
    assert first.completed == 2 and len(list((tmp_path / "rows").glob("*.json"))) == 2
    second = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=2, progress=False)
    assert second.resumed == 2 and second.completed == 4
    assert (tmp_path / "corpus.jsonl").read_bytes() == (reference_build / "corpus.jsonl").read_bytes()
    third = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=1, progress=False)
    assert third.resumed == 6 and third.completed == 0


def test_killed_build_resumes_to_the_same_corpus(reference_build, tmp_path):
    out = tmp_path / "killed"
    env = dict(os.environ, FAKE_VMAF_SLEEP="0.6")
    cmd = [sys.executable, "-c", "from vmafref.cli import main; raise SystemExit(main())", "corpus", "build",
           "--preset", "tiny", "--out", str(out), "--workers", "1", "--scorer", FAKE_SCORER, "--no-progress"]
    process = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if manifest.exists() and len(manifest.read_text().splitlines()) >= 2:
            break
        if process.poll() is not None:
            pytest.fail("the build finished before it could be interrupted")
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its pool workers, mid-cell
    process.wait()
    done_before = len(list((out / "rows").glob("*.json")))
    assert 2 <= done_before < 6
    assert not (out / "corpus.jsonl").exists()
    resumed = build("tiny", out, scorer=FAKE_SCORER, workers=2, progress=False)
    assert resumed.ok and resumed.resumed == done_before and resumed.resumed + resumed.completed == 6
    assert (out / "corpus.jsonl").read_bytes() == (reference_build / "corpus.jsonl").read_bytes()


def test_a_row_file_without_its_manifest_line_counts_as_done(reference_build, tmp_path):
    shutil.copytree(reference_build / "rows", tmp_path / "rows")
    shutil.copy(reference_build / "plan.json", tmp_path / "plan.json")
    torn = (reference_build / "manifest.jsonl").read_text().splitlines()[:3]
    (tmp_path / "manifest.jsonl").write_text("\n".join(torn) + '\n{"row_key": "frac')  # torn last line
    (tmp_path / "rows" / "fractal-pan__libx264__medium__crf40.json").write_text('{"schema_version": 1')  # partial
    summary = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=1, progress=False)
    assert summary.resumed == 5 and summary.completed == 1
    assert (tmp_path / "corpus.jsonl").read_bytes() == (reference_build / "corpus.jsonl").read_bytes()


def test_retry_recovers_a_flaky_cell(reference_build, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VMAF_FAIL_ONCE", str(tmp_path / "marks"))
    monkeypatch.setenv("FAKE_VMAF_FAIL_MATCH", "gradient-shapes__libx264__medium__crf20")
    summary = build("tiny", tmp_path / "out", scorer=FAKE_SCORER, workers=1, retries=1, progress=False)
    assert summary.ok and summary.completed == 6
    assert (tmp_path / "marks").exists()  # the failure really happened
    assert (tmp_path / "out" / "corpus.jsonl").read_bytes() == (reference_build / "corpus.jsonl").read_bytes()


def test_a_failing_cell_is_reported_and_the_rest_complete(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VMAF_FAIL_ONCE", str(tmp_path / "marks"))
    monkeypatch.setenv("FAKE_VMAF_FAIL_MATCH", "fractal-zoom__libx264__medium__crf40")
    monkeypatch.setenv("FAKE_VMAF_FAIL_ALWAYS", "1")
    summary = build("tiny", tmp_path / "out", scorer=FAKE_SCORER, workers=1, retries=1, progress=False)
    assert not summary.ok and summary.completed == 5
    (failure,) = summary.failed
    assert failure["row_key"] == "fractal-zoom__libx264__medium__crf40"
    assert failure["step"] == "score crf 40" and "injected failure" in failure["error"]
    assert len(list(read_jsonl(tmp_path / "out" / "corpus.jsonl"))) == 5
    assert json.loads((tmp_path / "out" / "build.json").read_text())["ok"] is False


def test_an_out_folder_of_another_build_is_refused(reference_build, tmp_path):
    shutil.copy(reference_build / "plan.json", tmp_path / "plan.json")
    with pytest.raises(BuildConflictError, match="scorer"):
        build("tiny", tmp_path, scorer="vmaf", workers=1, progress=False)


def test_public_preset_plans_ten_sources_four_codecs():
    preset = PRESETS["public"]
    tasks, skipped = plan_cells(preset, scorer="vmafref",
                                encoders=frozenset({"libx264", "libx265", "libvpx-vp9", "libsvtav1"}))
    assert skipped == [] and len(tasks) == 120
    assert len({t.source.name for t in tasks}) == 10 and len({t.source_sha256 for t in tasks}) == 10
    assert {t.encoder for t in tasks} == {"libx264", "libx265", "libvpx-vp9", "libsvtav1"}
    tasks, skipped = plan_cells(preset, scorer="vmafref", encoders=frozenset({"libx264"}))
    assert skipped == ["libx265", "libvpx-vp9", "libsvtav1"] and len(tasks) == 30


def test_a_torn_manifest_is_repaired_and_never_glues_records(reference_build, tmp_path):
    shutil.copytree(reference_build / "rows", tmp_path / "rows")
    shutil.copy(reference_build / "plan.json", tmp_path / "plan.json")
    lines = (reference_build / "manifest.jsonl").read_text().splitlines()
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines[:2]) + '\n{"row_key": "frac')
    summary = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=1, progress=False)
    assert summary.manifest_repaired and summary.ok
    records = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert sorted(r["row_key"] for r in records) == sorted(json.loads(line)["row_key"] for line in lines)


def test_append_after_a_torn_line_starts_a_new_line(tmp_path):
    from vmafref.corpus.build import _append_manifest, _read_manifest

    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text('{"row_key": "a", "sha256": "1"}\n{"row_key": "b", "sha')
    _append_manifest(manifest, "c", "3")
    records, damaged = _read_manifest(manifest)
    assert records == {"a": "1", "c": "3"} and damaged


def test_an_edited_row_file_is_redone(reference_build, tmp_path):
    shutil.copytree(reference_build / "rows", tmp_path / "rows")
    shutil.copy(reference_build / "plan.json", tmp_path / "plan.json")
    shutil.copy(reference_build / "manifest.jsonl", tmp_path / "manifest.jsonl")
    target = sorted((tmp_path / "rows").glob("*.json"))[0]
    row = json.loads(target.read_text())
    row["encode"]["size_bytes"] += 1  # still schema-valid, no longer what the build wrote
    target.write_text(json.dumps(row, sort_keys=True) + "\n")
    summary = build("tiny", tmp_path, scorer=FAKE_SCORER, workers=1, progress=False)
    assert summary.redone == [target.stem] and summary.completed == 1 and summary.resumed == 5
    assert (tmp_path / "corpus.jsonl").read_bytes() == (reference_build / "corpus.jsonl").read_bytes()


def test_validate_refuses_inconsistent_out_of_range_and_duplicate_rows(reference_build, tmp_path, capsys):
    from vmafref.cli import main
    from vmafref.corpus.rows import dumps_row

    rows = list(read_jsonl(reference_build / "corpus.jsonl"))
    good = tmp_path / "good.jsonl"
    good.write_text("".join(dumps_row(r) + "\n" for r in rows))
    assert main(["corpus", "validate", str(good)]) == 0

    contradicting = json.loads(dumps_row(rows[0]))
    contradicting["teacher"]["pooled"]["mean"] += 5.0
    negative = json.loads(dumps_row(rows[0]))
    negative["teacher"]["per_frame"][0] = -50.0
    for name, row, message in (("mean.jsonl", contradicting, "pool to"), ("range.jsonl", negative, "range")):
        path = tmp_path / name
        path.write_text(dumps_row(row) + "\n")
        assert main(["corpus", "validate", str(path)]) == 1
        assert message in capsys.readouterr().err
    duplicated = tmp_path / "dup.jsonl"
    duplicated.write_text(dumps_row(rows[0]) + "\n" + dumps_row(rows[0]) + "\n")
    assert main(["corpus", "validate", str(duplicated)]) == 1
    assert "repeats row_key" in capsys.readouterr().err


def test_validate_reports_a_truncated_parquet(reference_build, tmp_path, capsys):
    from vmafref.cli import main
    from vmafref.corpus.rows import write_parquet

    path = tmp_path / "corpus.parquet"
    write_parquet(path, read_jsonl(reference_build / "corpus.jsonl"))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert main(["corpus", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "not a readable Parquet file" in err and "Traceback" not in err


def test_pool_workers_die_with_a_killed_coordinator(tmp_path):
    """A coordinator killed outright takes its pool workers with it (no orphans for minutes)."""
    script = tmp_path / "coordinator.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from vmafref.workers import die_with_parent\n"
        "def work(_):\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(120)\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn'), initializer=die_with_parent)\n"
        "    pool.submit(work, 0)\n"
        "    time.sleep(120)\n")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(process.stdout.readline())
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
            state = Path(f"/proc/{worker}/stat").read_text().split(")")[-1].split()[0]
        except (ProcessLookupError, FileNotFoundError):
            return
        if state in ("Z", "X"):  # dead, waiting to be reaped by whoever adopted it
            return
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the pool worker outlived its coordinator")
