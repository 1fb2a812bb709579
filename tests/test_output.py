import contextlib
import errno
import json
import math
import os
import stat
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, strategies as st

from vmafref.output import (OutputError, format_number, resolve_output_target, to_csv, to_json,
                            to_xml, write_fallback, write_output, write_text)
from vmafref.pooling import pool
from vmafref.scoring import ScoreResult

finite = st.floats(min_value=-0.5, max_value=1e12, allow_nan=False)


def _result(columns):
    keys = list(columns)
    n = len(next(iter(columns.values())))
    frames = [{k: columns[k][i] for k in keys} for i in range(n)]
    pooled = {k: pool(v) for k, v in columns.items() if all(math.isfinite(x) for x in v)}
    return ScoreResult(frames=frames, pooled=pooled, keys=keys, width=16, height=8, bitdepth=8,
                       pixel_format="420", frame_count=n, cpu_seconds=0.5)


@given(st.lists(finite, min_size=1, max_size=8))
def test_json_round_trips_every_double(values):
    result = _result({"integer_adm2": values, "vmaf": values[::-1]})
    document = json.loads(to_json(result))
    assert [f["metrics"]["integer_adm2"] for f in document["frames"]] == values
    assert [f["frameNum"] for f in document["frames"]] == list(range(len(values)))
    assert document["pooled_metrics"]["vmaf"] == result.pooled["vmaf"]
    assert list(document["pooled_metrics"]["vmaf"]) == ["min", "max", "mean", "harmonic_mean"]
    assert document["aggregate_metrics"] == {}


def test_non_finite_values_are_null():
    assert format_number(float("nan")) == "null" and format_number(float("inf")) == "null"
    document = json.loads(to_json(_result({"x": [1.0, float("nan")]})))
    assert document["frames"][1]["metrics"]["x"] is None
    assert "x" not in document["pooled_metrics"]


def test_xml_and_csv_layouts():
    result = _result({"integer_adm2": [0.1, 0.30000000000000004], "vmaf": [90.0, 91.5]})
    root = ET.fromstring(to_xml(result))
    assert root.tag == "VMAF"
    frames = root.find("frames").findall("frame")
    assert float(frames[1].get("integer_adm2")) == 0.30000000000000004
    assert root.find("pooled_metrics").find("metric").get("name") == "integer_adm2"
    csv_lines = to_csv(result).splitlines()
    assert csv_lines[0] == "Frame,integer_adm2,vmaf,"
    assert csv_lines[2] == "1,0.30000000000000004,91.5,"


def test_write_output_is_atomic_and_complete(tmp_path):
    target = tmp_path / "out.json"
    write_output(_result({"vmaf": [1.0]}), str(target), "json")
    assert json.loads(target.read_text())["frames"][0]["metrics"]["vmaf"] == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# --- Output targets (specs/score.md §7.1) ------------------------------------------------

DOCUMENT = '{"pooled_metrics": {}}\n'


def _no_temporary_files(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask_027):
    target = tmp_path / "new.json"
    assert write_text(DOCUMENT, str(target)).kind == "replace"
    assert target.read_text() == DOCUMENT
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask_027
    assert _no_temporary_files(tmp_path)


def test_an_existing_file_is_replaced_atomically_and_keeps_its_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    target.chmod(0o604)
    before = target.stat().st_ino
    write_text(DOCUMENT, str(target))
    assert target.read_text() == DOCUMENT
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert target.stat().st_ino != before  # a rename, not a rewrite in place
    assert _no_temporary_files(tmp_path)


def test_a_symlink_to_a_file_keeps_the_link_and_replaces_its_target(tmp_path):
    real = tmp_path / "real" / "scores.json"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    target = write_text(DOCUMENT, str(link))
    assert target.kind == "replace" and target.path == str(real)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == DOCUMENT
    assert _no_temporary_files(tmp_path) and _no_temporary_files(real.parent)


def test_a_dangling_symlink_creates_its_target(tmp_path):
    real = tmp_path / "made.json"
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_text(DOCUMENT, str(link))
    assert link.is_symlink() and real.read_text() == DOCUMENT


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert write_text(DOCUMENT, str(fifo)).kind == "in_place"
    reader.join(timeout=10)
    assert received == [DOCUMENT]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_character_device_is_written_in_place(tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here: {error}")
    try:
        assert write_text(DOCUMENT, str(node)).kind == "in_place"
        assert stat.S_ISCHR(os.lstat(node).st_mode)
        assert [p.name for p in tmp_path.iterdir()] == ["null"]
    except PermissionError as error:  # a nodev mount refuses to open device nodes
        pytest.skip(f"device nodes cannot be opened here: {error}")


def test_a_link_to_a_descriptor_is_opened_not_replaced(tmp_path):
    read_end, write_end = os.pipe()
    link = tmp_path / "fd-link"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    try:
        target = write_text(DOCUMENT, str(link))
        os.close(write_end)
        with os.fdopen(read_end, "r") as pipe:
            assert pipe.read() == DOCUMENT
    finally:
        with contextlib.suppress(OSError):  # closed above unless the write failed
            os.close(write_end)
    assert target.kind == "in_place"
    assert link.is_symlink() and os.readlink(link) == f"/proc/self/fd/{write_end}"


def test_a_link_to_standard_output_appends_to_the_redirected_file(tmp_path):
    """As /dev/stdout under ``>>``: the document follows what the file held; nothing is renamed."""
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    code = ("import sys; from vmafref.output import write_text; "
            "print(write_text(sys.argv[1], sys.argv[2]).kind, file=sys.stderr)")
    with open(log, "ab") as stdout:
        done = subprocess.run([sys.executable, "-c", code, DOCUMENT, str(link)], stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "stdout"
    assert log.read_text() == "before\n" + DOCUMENT
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["log.txt", "stdout"]


def test_dash_is_standard_output(capsys):
    assert write_text(DOCUMENT, "-").kind == "stdout"
    assert capsys.readouterr().out == DOCUMENT


@pytest.mark.parametrize("case", ["directory", "missing directory", "empty"])
def test_unwritable_paths_are_refused_before_anything_is_written(tmp_path, case):
    path = {"directory": str(tmp_path), "missing directory": str(tmp_path / "no" / "out.json"),
            "empty": ""}[case]
    with pytest.raises(OutputError) as caught:
        resolve_output_target(path)
    assert caught.value.errno in (errno.EISDIR, errno.ENOENT)
    assert list(tmp_path.iterdir()) == []


def test_a_file_open_would_refuse_is_refused(tmp_path, monkeypatch):
    target = tmp_path / "read-only.json"
    target.write_text("old\n")
    real_access = os.access
    monkeypatch.setattr("vmafref.output.os.access",
                        lambda p, mode: False if os.fspath(p) == str(target) else real_access(p, mode))
    with pytest.raises(OutputError, match="permission denied") as caught:
        write_text(DOCUMENT, str(target))
    assert caught.value.errno == errno.EACCES and target.read_text() == "old\n"


def test_a_writable_file_in_a_locked_directory_is_written_in_place(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old\n")
    monkeypatch.setattr("vmafref.output._writable_directory", lambda directory: False)
    assert write_text(DOCUMENT, str(target)).kind == "in_place"
    assert target.read_text() == DOCUMENT and _no_temporary_files(tmp_path)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch, failure):
    target = tmp_path / "out.json"
    target.write_text("old\n")

    def fail(_fd):
        raise failure

    monkeypatch.setattr("vmafref.output.os.fsync", fail)
    with pytest.raises(OutputError if isinstance(failure, OSError) else KeyboardInterrupt) as caught:
        write_text(DOCUMENT, str(target))
    if isinstance(failure, OSError):
        assert "No space left" in str(caught.value) and caught.value.errno == errno.ENOSPC
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_fallback_goes_to_stdout_unless_stdout_failed(tmp_path, capsys, monkeypatch):
    assert write_fallback(DOCUMENT, resolve_output_target(str(tmp_path / "x.json"))) == "standard output"
    assert capsys.readouterr().out == DOCUMENT
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    saved = write_fallback(DOCUMENT, resolve_output_target("-"), suffix=".json")
    assert capsys.readouterr().out == ""
    assert saved.startswith(str(tmp_path)) and saved.endswith(".json")
    assert open(saved).read() == DOCUMENT
