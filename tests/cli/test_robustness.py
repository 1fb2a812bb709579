"""`vmafref score` under hostile or unusual input: the answer is a correct number, or one clear
line on stderr with the documented exit status (specs/cli.md, "Exit status"), never a traceback.

Cheap cases fail before any frame is scored; the few that score use the 64x48 clips of
conftest.py, so JAX compiles each feature set once for the whole module.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vmafref.cli import main
from vmafref.cli.exit_status import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OUTPUT_FAILED

from tests.cli.conftest import geometry_flags, write_pair


def _run(capsys, argv):
    """``main(argv)`` → (status, stdout, stderr), checking that no traceback was printed."""
    status = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def _one_error_line(err, prefix="vmafref score: error: "):
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, err
    return lines[0]


def _no_scoring(monkeypatch):
    """Make any attempt to score fail the test: these errors must come first."""
    monkeypatch.setattr("vmafref.scoring.score_frames", lambda *a, **k: pytest.fail("scored anyway"))


# --- Error cases --------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["-r", "-d"])
def test_a_directory_as_input(tiny_pair, capsys, monkeypatch, where):
    ref, dis, _ = tiny_pair
    _no_scoring(monkeypatch)
    paths = {"-r": str(ref), "-d": str(dis), where: str(ref.parent)}
    status, _, err = _run(capsys, ["score", "-r", paths["-r"], "-d", paths["-d"], *geometry_flags()])
    assert status == EXIT_ERROR and "Is a directory" in _one_error_line(err)


def test_permission_denied_on_an_input(tiny_pair, capsys, monkeypatch):
    ref, _, common = tiny_pair
    _no_scoring(monkeypatch)
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if os.fspath(path) == str(ref):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("vmafref.io._stream.open", guarded_open, raising=False)
    status, _, err = _run(capsys, common)
    assert status == EXIT_ERROR and f"{str(ref)!r}: Permission denied" in _one_error_line(err)


def test_permission_denied_for_real_when_not_root(tiny_pair, capsys, monkeypatch):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    ref, _, common = tiny_pair
    _no_scoring(monkeypatch)
    ref.chmod(0)
    status, _, err = _run(capsys, common)
    assert status == EXIT_ERROR and "Permission denied" in _one_error_line(err)


def _model_file(tmp_path, case):
    import importlib.resources

    path = tmp_path / "model.json"
    builtin = importlib.resources.files("vmafref").joinpath("data/models/vmaf_v0.6.1.json").read_text()
    content = {
        "not utf-8": b"\xff\xfe{}",
        "deeply nested": b"[" * 200_000,
        "malformed": b'{"model_dict": {"model_type": "LIBSVMNUSVR", "feature_names": {"a": 1}}}',
        "truncated": builtin.encode()[:500],
        "NaN": builtin.replace('"slopes": [', '"slopes": [NaN, ', 1).encode(),
        "Infinity": builtin.replace('"score_clip": [', '"score_clip": [-Infinity, ', 1).encode(),
        "a number": b"42",
    }.get(case)
    if case == "directory":
        path.mkdir()
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("case, message", [
    ("directory", "is a directory"), ("not utf-8", "not UTF-8"), ("deeply nested", "nested too deeply"),
    ("malformed", "feature_names"), ("truncated", "not valid JSON"), ("NaN", "NaN"),
    ("Infinity", "Infinity"), ("a number", "not an object")])
def test_bad_model_files(tiny_pair, tmp_path, capsys, monkeypatch, case, message):
    _no_scoring(monkeypatch)
    path = _model_file(tmp_path, case)
    status, _, err = _run(capsys, [*tiny_pair[2], "-m", f"path={path}"])
    assert status == EXIT_ERROR and message in _one_error_line(err)


@pytest.mark.parametrize("model", ["version=", "path=", "version=vmaf_v9", "path=/nonexistent/m.json",
                                   "version=vmaf_v0.6.1:path=x", "vmaf_v0.6.1", "version=vmaf_v0.6.1:adm"])
def test_bad_model_options(tiny_pair, capsys, monkeypatch, model):
    _no_scoring(monkeypatch)
    status, _, err = _run(capsys, [*tiny_pair[2], "-m", model])
    assert status == EXIT_ERROR
    _one_error_line(err)


def test_both_inputs_on_standard_input_are_refused(capsys, monkeypatch):
    _no_scoring(monkeypatch)
    status, _, err = _run(capsys, ["score", "-r", "-", "-d", "-", *geometry_flags()])
    assert status == EXIT_ERROR and "standard input" in _one_error_line(err)


def test_ctrl_c_while_scoring_exits_130_and_writes_nothing(tiny_pair, tmp_path, capsys, monkeypatch):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("vmafref.scoring.score_frames", interrupted)
    out = tmp_path / "out.json"
    status, _, err = _run(capsys, [*tiny_pair[2], "--json", "-o", str(out)])
    assert status == EXIT_INTERRUPTED and "interrupted" in err
    assert not out.exists() and not list(tmp_path.glob(".out.json.*"))


def test_ctrl_c_while_writing_leaves_no_half_written_file(tiny_pair, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out.json"
    out.write_text("previous run\n")
    written = []

    def interrupted_fsync(_fd):
        written.append(True)
        raise KeyboardInterrupt

    monkeypatch.setattr("vmafref.output.os.fsync", interrupted_fsync)
    status, _, _ = _run(capsys, [*tiny_pair[2], "--json", "-o", str(out), "-q"])
    assert status == EXIT_INTERRUPTED and written
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dis.yuv", "out.json", "ref.yuv"]


def test_sigint_of_the_command_exits_130(tmp_path):
    """A real Ctrl-C: the command blocks reading a FIFO that never delivers a frame."""
    _, dis = write_pair(tmp_path, frames=1)
    fifo = tmp_path / "ref.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "out.json"
    command = [sys.executable, "-c", "import sys; from vmafref.cli import console_main; sys.exit(console_main())",
               "score", "-r", str(fifo), "-d", str(dis), *geometry_flags(), "--json", "-o", str(out)]
    # The command starts as from a shell, with Ctrl-C's default disposition: a module the test
    # session imported may have set SIGINT to "ignore", which a child would otherwise inherit.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        writer = None
        deadline = time.monotonic() + 120
        while writer is None and time.monotonic() < deadline:
            try:  # succeeds once the command has opened the FIFO for reading
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as error:
                if error.errno != errno.ENXIO or process.poll() is not None:
                    raise
                time.sleep(0.05)
        assert writer is not None, "the command never opened its input"
        # Ctrl-C while the command waits for its first frame: on a loaded machine it may still
        # be busy elsewhere for a while, so wait until it sleeps in the pipe read.
        settle = time.monotonic() + 30
        while time.monotonic() < settle:
            try:
                channel = Path(f"/proc/{process.pid}/wchan").read_text()
                if "pipe" in channel or channel.strip() in ("", "0"):  # blocked, or not reported here
                    break
            except OSError:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        os.close(writer)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and "interrupted" in err
    assert not out.exists()


@pytest.mark.parametrize("error", [OSError(errno.EIO, "Input/output error", "x.yuv"), ValueError("bad value"),
                                   UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
                                   RecursionError("maximum recursion depth exceeded")])
def test_the_entry_point_turns_ordinary_errors_into_one_line(capsys, monkeypatch, error):
    def failing(_args):
        raise error

    monkeypatch.setattr("vmafref.cli.score.run_score", failing)
    status, _, err = _run(capsys, ["score", "-r", "a", "-d", "b"])
    assert status == EXIT_ERROR
    _one_error_line(err, prefix="vmafref: error: ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from("version=path=name:disable_clip.adm.debug=true_v0.61"), max_size=40))
def test_any_model_option_is_a_model_or_a_clear_error(tiny_pair, capsys, monkeypatch, text):
    """Random --model strings: loaded (the stand-in scorer is reached) or refused with status 2."""
    reached = []

    def stand_in(*_args, models=(), **_kwargs):
        for model in models:
            model.load()
        reached.append(True)
        raise KeyboardInterrupt  # stop before any frame: the option was accepted

    monkeypatch.setattr("vmafref.scoring.score", stand_in)
    status, _, err = _run(capsys, [*tiny_pair[2], "-m", text])
    if reached:
        assert status == EXIT_INTERRUPTED
    else:
        assert status == EXIT_ERROR
        _one_error_line(err)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=300) | st.text(max_size=200).map(str.encode)
       | st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                      lambda children: st.lists(children, max_size=3)
                      | st.dictionaries(st.sampled_from(["model_dict", "model_type", "feature_names",
                                                         "slopes", "intercepts", "model", "score_clip"]),
                                        children, max_size=4),
                      max_leaves=12).map(lambda value: json.dumps({"model_dict": value}).encode()))
def test_any_model_file_is_a_model_or_a_clear_error(tiny_pair, tmp_path, capsys, monkeypatch, content):
    _no_scoring(monkeypatch)
    path = tmp_path / "random.json"
    path.write_bytes(content)
    status, _, err = _run(capsys, [*tiny_pair[2], "-m", f"path={path}"])
    assert status == EXIT_ERROR
    _one_error_line(err)


# --- Output targets ---------------------------------------------------------------------------

def test_an_output_directory_that_is_gone_after_scoring_keeps_the_document(tiny_pair, tmp_path, capsys,
                                                                           monkeypatch):
    """The -o directory removed while scoring: stdout gets the document, status 3."""
    import shutil

    from vmafref import scoring

    out_dir = tmp_path / "results"
    out_dir.mkdir()
    real_score = scoring.score

    def score_then_remove(*args, **kwargs):
        result = real_score(*args, **kwargs)
        shutil.rmtree(out_dir)
        return result

    monkeypatch.setattr("vmafref.scoring.score", score_then_remove)
    status, out, err = _run(capsys, [*tiny_pair[2], "--json", "-o", str(out_dir / "out.json"), "-q"])
    assert status == EXIT_OUTPUT_FAILED
    assert "standard output" in _one_error_line(err)
    assert json.loads(out)["pooled_metrics"]["vmaf"]["mean"] >= 0


# --- libvmaf's flags --------------------------------------------------------------------------

def _document(capsys, argv):
    status, out, err = _run(capsys, [*argv, "--json", "-o", "-", "-q"])
    assert status == 0, err
    return json.loads(out)


def test_subsample_keeps_every_nth_frame_of_the_full_run(tmp_path, capsys):
    """libvmaf writes frames 0, N, 2N, … with their own frameNum, pooled over those frames; the
    motion features still see every frame (libvmaf.c:510-515, output.c:181)."""
    from vmafref.pooling import pool

    ref, dis = write_pair(tmp_path, frames=5)
    common = ["score", "-r", str(ref), "-d", str(dis), *geometry_flags()]
    full = _document(capsys, common)
    sub = _document(capsys, [*common, "--subsample", "2"])
    assert [f["frameNum"] for f in sub["frames"]] == [0, 2, 4]
    assert [f["metrics"] for f in sub["frames"]] == [full["frames"][i]["metrics"] for i in (0, 2, 4)]
    for key, pooled in sub["pooled_metrics"].items():
        assert pooled == pool([full["frames"][i]["metrics"][key] for i in (0, 2, 4)])
    assert _document(capsys, [*common, "--subsample", "1"])["frames"] == full["frames"]
    assert _document(capsys, [*common, "--subsample", "0"])["frames"] == full["frames"]


@pytest.mark.parametrize("flag", ["--frame_skip_ref", "--frame_skip_dist"])
def test_frame_skip_drops_the_first_frames_of_one_clip(tmp_path, capsys, flag):
    ref, dis = write_pair(tmp_path, frames=4)
    skipped_side = ref if flag == "--frame_skip_ref" else dis
    trimmed = tmp_path / "trimmed.yuv"
    frame_bytes = skipped_side.stat().st_size // 4
    trimmed.write_bytes(skipped_side.read_bytes()[frame_bytes:])
    expected_pair = (trimmed, dis) if flag == "--frame_skip_ref" else (ref, trimmed)
    expected = _document(capsys, ["score", "-r", str(expected_pair[0]), "-d", str(expected_pair[1]),
                                  *geometry_flags(), "--frame_cnt", "3"])
    got = _document(capsys, ["score", "-r", str(ref), "-d", str(dis), *geometry_flags(), flag, "1",
                             "--frame_cnt", "3"])
    assert got["frames"] == expected["frames"] and got["pooled_metrics"] == expected["pooled_metrics"]


def test_length_mismatch_names_the_real_option_and_the_option_works(tmp_path, capsys):
    ref, dis = write_pair(tmp_path, frames=3, dis_frames=2)
    common = ["score", "-r", str(ref), "-d", str(dis), *geometry_flags()]
    status, _, err = _run(capsys, common)
    assert status == EXIT_ERROR and "--allow_length_mismatch" in _one_error_line(err)
    status, out, err = _run(capsys, [*common, "--allow_length_mismatch", "--json", "-o", "-", "-q"])
    assert status == 0 and "warning" in err and "ended before" in err
    assert json.loads(out)["frames"] == _document(capsys, [*common, "--frame_cnt", "2"])["frames"]


def test_python_dash_m_runs_the_command():
    done = subprocess.run([sys.executable, "-m", "vmafref", "score", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "f85a8536" in done.stderr
    done = subprocess.run([sys.executable, "-m", "vmafref", "score", "--threads", "-2"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "--threads" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("flag", ["-v", "--version"])
def test_version_names_the_libvmaf_commit(capsys, flag):
    status, out, err = _run(capsys, ["score", flag])
    assert status == 0 and out == "" and "f85a8536" in err and "vmafref" in err


@pytest.mark.parametrize("version", ["v6.0", "v7.0"])
def test_ctc_presets_of_mixed_bit_depths_are_refused_with_the_part_that_runs(tiny_pair, capsys, monkeypatch, version):
    _no_scoring(monkeypatch)
    status, _, err = _run(capsys, [*tiny_pair[2], "--aom_ctc", version])
    line = _one_error_line(err)
    assert status == EXIT_ERROR and "different bit depths" in line and "not implemented" not in line
    assert "name=vmaf_neg" in line  # the part vmafref can run


@pytest.mark.parametrize("flag, version", [("--aom_ctc", "v1.0"), ("--aom_ctc", "v3.0"), ("--aom_ctc", "v5.0"),
                                           ("--nflx_ctc", "v1.0")])
def test_ctc_presets_whose_extractors_all_exist_are_accepted(flag, version):
    from vmafref.cli import build_parser
    from vmafref.cli.score import _requests

    models, features = _requests(build_parser().parse_args(["score", flag, version]))
    assert [m.name for m in models] == ["vmaf", "vmaf_neg"]
    assert "psnr" in [f.name for f in features]


def test_a_preset_with_a_missing_extractor_is_refused_naming_it(tiny_pair, capsys, monkeypatch):
    from vmafref import features as features_module

    registry = {name: module for name, module in features_module.EXTRACTOR_MODULES.items() if name != "cambi"}
    monkeypatch.setattr(features_module, "EXTRACTOR_MODULES", registry)
    _no_scoring(monkeypatch)
    status, _, err = _run(capsys, [*tiny_pair[2], "--aom_ctc", "v3.0"])
    line = _one_error_line(err)
    assert status == EXIT_ERROR and "cambi" in line and "not implemented" in line and "name=vmaf_neg" in line


@pytest.mark.slow
def test_aom_ctc_v3_scores_every_key_of_the_preset(capsys, tmp_path):
    """The whole preset on a real 640x360 x264 pair from the golden set (2 frames)."""
    import lzma

    golden = Path(__file__).resolve().parents[2] / "golden" / "x264_blue_sky_640x360_420_8bit"
    for role in ("ref", "dis"):
        (tmp_path / f"{role}.yuv").write_bytes(lzma.decompress((golden / f"{role}.yuv.xz").read_bytes()))
    document = _document(capsys, ["score", "-r", str(tmp_path / "ref.yuv"), "-d", str(tmp_path / "dis.yuv"),
                                  "-w", "640", "-h", "360", "-p", "420", "-b", "8", "--frame_cnt", "2",
                                  "--aom_ctc", "v3.0"])
    keys = set(document["frames"][0]["metrics"])
    for key in ("vmaf", "vmaf_neg", "psnr_y", "psnr_cb", "psnr_cr", "ciede2000", "float_ssim", "float_ms_ssim",
                "psnr_hvs", "cambi"):
        assert key in keys, key
    assert "apsnr_y" in document["aggregate_metrics"]


@pytest.mark.parametrize("flag, version", [("--aom_ctc", "proposed"), ("--aom_ctc", "v9.0"), ("--nflx_ctc", "v2.0")])
def test_unknown_ctc_versions_are_refused(tiny_pair, capsys, monkeypatch, flag, version):
    _no_scoring(monkeypatch)
    status, _, err = _run(capsys, [*tiny_pair[2], flag, version])
    assert status == EXIT_ERROR and version in _one_error_line(err)


def test_a_preset_expands_in_command_line_order(monkeypatch):
    """A preset adds its models and features where it stands."""
    from vmafref.cli import build_parser
    from vmafref.cli.score import _requests

    args = build_parser().parse_args(["score", "-m", "version=vmaf_float_v0.6.1:name=f", "--nflx_ctc", "v1.0",
                                      "--feature", "float_vif", "-m", "version=vmaf_v0.6.1neg:name=n"])
    models, features = _requests(args)
    assert [(m.version, m.name) for m in models] == [("vmaf_float_v0.6.1", "f"), ("vmaf_4k_v0.6.1", "vmaf"),
                                                      ("vmaf_4k_v0.6.1neg", "vmaf_neg"), ("vmaf_v0.6.1neg", "n")]
    assert [(f.name, dict(f.options)) for f in features] == [
        ("psnr", {"enable_chroma": "true", "enable_apsnr": "true"}),
        ("float_ssim", {"enable_db": "true", "clip_db": "true"}), ("cambi", {}), ("float_vif", {})]


def test_cpumask_and_gpumask_are_accepted_and_change_nothing(tiny_pair, capsys):
    from vmafref.cli import build_parser

    args = build_parser().parse_args([*tiny_pair[2], "--cpumask", "0x10", "--gpumask", "255"])
    assert (args.cpumask, args.gpumask) == (16, 255)
    plain = _document(capsys, tiny_pair[2])
    masked = _document(capsys, [*tiny_pair[2], "--cpumask", "255", "--gpumask", "1"])
    assert masked["frames"] == plain["frames"]


@pytest.mark.parametrize("flag", ["--cpumask", "--subsample", "--frame_skip_ref", "--frame_skip_dist"])
@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_unsigned_flags_refuse_what_libvmaf_would(tiny_pair, capsys, flag, value):
    with pytest.raises(SystemExit) as stopped:
        main([*tiny_pair[2], flag, value])
    assert stopped.value.code == EXIT_ERROR
    assert "unsigned" in capsys.readouterr().err


# --- Container input ----------------------------------------------------------------------

HAVE_FFMPEG = all(__import__("shutil").which(tool) for tool in ("ffmpeg", "ffprobe"))


def _mp4_of(raw, target):
    width, height = geometry_flags()[1], geometry_flags()[3]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
                    f"{width}x{height}", "-r", "25", "-i", str(raw), "-c:v", "libx264", "-crf", "30",
                    str(target)], check=True)


@pytest.mark.ffmpeg
@pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg/ffprobe are not on PATH")
def test_an_mp4_scores_as_its_raw_decode(tiny_pair, tmp_path, capsys):
    ref, dis, _ = tiny_pair
    mp4 = tmp_path / "dis.mp4"
    _mp4_of(dis, mp4)
    decoded = tmp_path / "decoded.yuv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(mp4), "-f", "rawvideo", "-pix_fmt", "yuv420p",
                    str(decoded)], check=True)
    expected = _document(capsys, ["score", "-r", str(ref), "-d", str(decoded), *geometry_flags()])
    direct = _document(capsys, ["score", "-r", str(ref), "-d", str(mp4), *geometry_flags()])
    assert direct["frames"] == expected["frames"] and direct["pooled_metrics"] == expected["pooled_metrics"]
    # Without -w -h -p -b the raw reference takes the container's geometry.
    assert _document(capsys, ["score", "-r", str(ref), "-d", str(mp4)])["frames"] == expected["frames"]


def test_an_mp4_without_ffmpeg_is_a_clear_error(tiny_pair, tmp_path, capsys, monkeypatch):
    _no_scoring(monkeypatch)
    clip = tmp_path / "dis.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(64))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, _, err = _run(capsys, ["score", "-r", str(tiny_pair[0]), "-d", str(clip), *geometry_flags()])
    line = _one_error_line(err)
    assert status == EXIT_ERROR and "ffmpeg" in line and "whole number of frames" not in line


# --- Output targets through the command ---------------------------------------------------------

def test_dash_o_to_a_link_to_standard_output_writes_through_it(tiny_pair, tmp_path, capsys):
    """As ``-o /dev/stdout``: the link is opened (here it is pytest's captured descriptor 1), never replaced."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    status, out, _ = _run(capsys, [*tiny_pair[2], "--json", "-o", str(link), "-q"])
    assert status == 0 and json.loads(out)["frames"]
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_dash_o_to_a_fifo_and_to_a_device_node(tiny_pair, tmp_path, capsys):
    import stat
    import threading

    fifo = tmp_path / "scores.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    status, _, _ = _run(capsys, [*tiny_pair[2], "--json", "-o", str(fifo), "-q"])
    reader.join(timeout=30)
    assert status == 0 and json.loads(received[0])["frames"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as error:
        pytest.skip(f"cannot make a device node here: {error}")
    status, _, err = _run(capsys, [*tiny_pair[2], "--json", "-o", str(node), "-q"])
    if status == EXIT_ERROR and "Permission denied" in err:
        pytest.skip("device nodes cannot be opened on this mount")
    assert status == 0 and stat.S_ISCHR(os.lstat(node).st_mode)


def test_dash_o_through_a_symlink_replaces_its_target(tiny_pair, tmp_path, capsys):
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    status, _, _ = _run(capsys, [*tiny_pair[2], "--json", "-o", str(link), "-q"])
    assert status == 0 and link.is_symlink() and json.loads(real.read_text())["frames"]


# --- Flags together, against an oracle ----------------------------------------------------------

@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(skip_ref=st.integers(0, 2), skip_dis=st.integers(0, 2), subsample=st.integers(0, 3),
       frame_cnt=st.none() | st.integers(1, 4))
def test_skips_subsample_and_frame_cnt_together(tmp_path_factory, capsys, skip_ref, skip_dis, subsample, frame_cnt):
    """Frames scored are the pairs left after the skips, cut by --frame_cnt, every Nth kept; a
    length mismatch within them is the documented error."""
    directory = tmp_path_factory.mktemp("flags")
    ref, dis = write_pair(directory, frames=4)
    argv = ["score", "-r", str(ref), "-d", str(dis), *geometry_flags(), "--frame_skip_ref", str(skip_ref),
            "--frame_skip_dist", str(skip_dis), "--subsample", str(subsample), "--json", "-o", "-", "-q"]
    if frame_cnt is not None:
        argv += ["--frame_cnt", str(frame_cnt)]
    status, out, err = _run(capsys, argv)
    available = (4 - skip_ref, 4 - skip_dis)
    count = min(available) if frame_cnt is None else min(min(available), frame_cnt)
    if available[0] != available[1] and count == min(available) and (frame_cnt is None or frame_cnt > count):
        assert status == EXIT_ERROR and "ended before" in _one_error_line(err)
        return
    assert status == 0, err
    assert [f["frameNum"] for f in json.loads(out)["frames"]] == [i for i in range(count)
                                                                   if i % max(subsample, 1) == 0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.integers(0, 2), extra=st.sampled_from([0, 0, 1, -1, 4607]), seed=st.integers(0, 2**32 - 1))
def test_any_bytes_as_a_raw_clip_are_a_score_or_a_clear_error(tiny_pair, capsys, tmp_path_factory,
                                                              frames, extra, seed):
    """Random samples, whole frames or not: a VMAF in [0, 100] or a clear error."""
    import math

    import numpy as np

    from tests.cli.conftest import HEIGHT, WIDTH

    size = max(frames * WIDTH * HEIGHT * 3 // 2 + extra, 0)
    path = tmp_path_factory.mktemp("bytes") / "dis.yuv"
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    status, out, err = _run(capsys, ["score", "-r", str(tiny_pair[0]), "-d", str(path), *geometry_flags(),
                                     "--frame_cnt", "1", "--json", "-o", "-", "-q"])
    if status == 0:
        vmaf = json.loads(out)["frames"][0]["metrics"]["vmaf"]
        assert math.isfinite(vmaf) and 0 <= vmaf <= 100
    else:
        assert status == EXIT_ERROR
        _one_error_line(err)


# --- The Python API ---------------------------------------------------------------------------

def test_the_api_on_arrays_equals_the_command_on_the_file(tiny_pair, capsys):
    import numpy as np

    from tests.cli.conftest import HEIGHT, WIDTH
    from vmafref.scoring import score

    ref, dis, common = tiny_pair
    frame = WIDTH * HEIGHT * 3 // 2
    ref_luma, dis_luma = ([np.frombuffer(path.read_bytes()[i * frame:i * frame + WIDTH * HEIGHT], np.uint8)
                           .reshape(HEIGHT, WIDTH) for i in range(3)] for path in (ref, dis))
    result = score(np.stack(ref_luma), np.stack(dis_luma), bitdepth=8)
    document = _document(capsys, common)
    assert [f["metrics"] for f in document["frames"]] == result.frames
    with pytest.raises(ValueError, match="array"):
        score(np.stack(ref_luma), np.stack(dis_luma), bitdepth=8, width=WIDTH, height=HEIGHT)
    with pytest.raises(ValueError, match="nothing to compute"):
        score(np.stack(ref_luma), np.stack(dis_luma), bitdepth=8, models=[])


@pytest.mark.slow  # ~14 s: three scoring commands
def test_rcpss_picks_the_float_adm_division_and_nothing_else(tmp_path, capsys):
    # A contrast-reducing, noisy distortion: the gains t/o spread over (0, 1), where the two
    # families' estimates round differently after the Newton step.
    rng = np.random.default_rng(11)
    ref = rng.integers(16, 236, size=(2, 48, 64)).astype(float)
    dis = np.clip(128 + 0.6 * (ref - 128) + rng.normal(0, 12, ref.shape), 0, 255)
    chroma = np.full(2 * 24 * 32, 128, np.uint8).tobytes()
    for name, planes in (("ref.yuv", ref), ("dis.yuv", dis)):
        (tmp_path / name).write_bytes(b"".join(p.astype(np.uint8).tobytes() + chroma for p in planes))
    flags = ["score", "-r", str(tmp_path / "ref.yuv"), "-d", str(tmp_path / "dis.yuv"), "-w", "64", "-h", "48",
             "-p", "420", "-b", "8", "--feature", "float_adm", "--feature", "float_vif", "-n"]
    intel = _document(capsys, flags)
    assert _document(capsys, [*flags, "--rcpss", "intel"])["frames"] == intel["frames"]
    amd = _document(capsys, [*flags, "--rcpss", "amd"])
    adm_keys = [key for key in intel["frames"][0]["metrics"] if "adm" in key or "aim" in key]
    changed = [key for frame_intel, frame_amd in zip(intel["frames"], amd["frames"]) for key in adm_keys
               if frame_intel["metrics"][key] != frame_amd["metrics"][key]]
    assert changed, "the two families' estimates gave the same float ADM"
    for frame_intel, frame_amd in zip(intel["frames"], amd["frames"]):
        for key, value in frame_intel["metrics"].items():
            if key in adm_keys:
                assert abs(frame_amd["metrics"][key] - value) <= 1e-6 * abs(value) + 1e-12, key
            else:
                assert frame_amd["metrics"][key] == value, key


def test_unknown_rcpss_family_is_a_usage_error(tiny_pair, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([*tiny_pair[2], "--rcpss", "arm"])
    assert stopped.value.code == EXIT_ERROR
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.slow  # ~12 s: two scoring commands
def test_cpumask_warns_where_libvmafs_simd_adm_differs_from_its_c_code(tmp_path, capsys):
    """At width 80 libvmaf's AVX2 integer ADM (--cpumask 16) differs from its C code at scale 3
    and its AVX-512 one does not (specs/integer_adm.md §9); vmafref's values are the C path's either way."""
    rng = np.random.default_rng(4)
    luma = rng.integers(16, 236, size=(2, 40, 80), dtype=np.uint8)
    chroma = np.full(2 * 20 * 40, 128, np.uint8).tobytes()
    for name, shift in (("ref.yuv", 0), ("dis.yuv", 4)):
        (tmp_path / name).write_bytes(b"".join((np.clip(p.astype(int) + shift, 0, 255)).astype(np.uint8).tobytes()
                                               + chroma for p in luma))
    flags = ["score", "-r", str(tmp_path / "ref.yuv"), "-d", str(tmp_path / "dis.yuv"), "-w", "80", "-h", "40",
             "-p", "420", "-b", "8", "--json", "-o", "-", "-q"]
    outputs = {}
    for mask in (None, "0", "16", "255"):
        status, out, err = _run(capsys, flags + ([] if mask is None else ["--cpumask", mask]))
        assert status == 0
        outputs[mask] = json.loads(out)["frames"]
        warned = "AVX2 integer ADM, which at width 80 differs from its C code from scale 3 on" in err
        assert warned == (mask == "16"), (mask, err)
    assert outputs["0"] == outputs["16"] == outputs["255"] == outputs[None]
