import io
import json
import sys

import pytest

from vmafref.cli import build_parser
from vmafref.cli.score import CliError, parse_feature_option, parse_model_option


def test_model_option_parsing_follows_libvmaf():
    request = parse_model_option("version=vmaf_v0.6.1:name=v:disable_clip:enable_transform:adm.debug=true:vif.debug=true")
    assert request.version == "vmaf_v0.6.1" and request.name == "v"
    assert request.disable_clip and request.enable_transform
    assert request.overloads == {"adm": {"debug": "true"}, "vif": {"debug": "true"}}
    assert parse_model_option("path=/models/m.json").version == "/models/m.json"


@pytest.mark.parametrize("text", ["vmaf_v0.6.1", "version=a:path=b", "version=a:bogus", "name=x"])
def test_bad_model_options_are_refused(text):
    with pytest.raises(CliError):
        parse_model_option(text)


def test_feature_option_parsing_follows_libvmaf():
    request = parse_feature_option("adm=adm_enhn_gain_limit=1.0:debug=true")
    assert request.name == "adm" and request.options == {"adm_enhn_gain_limit": "1.0", "debug": "true"}
    assert parse_feature_option("vif").options == {}
    with pytest.raises(CliError):
        parse_feature_option("adm=debug")


def test_libvmaf_flags_are_accepted():
    args = build_parser().parse_args(["score", "-r", "a.yuv", "-d", "b.yuv", "-w", "64", "-h", "48", "-p", "420",
                                      "-b", "10", "-m", "version=vmaf_v0.6.1", "--feature", "float_adm", "-n",
                                      "--json", "-o", "out.json", "--frame_cnt", "3", "--threads", "2", "-q"])
    assert (args.width, args.height, args.pixel_format, args.bitdepth) == (64, 48, "420", 10)
    assert args.output_format == "json" and args.no_prediction and args.quiet and args.frame_cnt == 3


def test_missing_inputs_exit_with_a_clear_error(capsys):
    from vmafref.cli import main

    assert main(["score", "-r", "only_reference.yuv"]) == 2
    assert "required" in capsys.readouterr().err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self):
        return True


def _run_on(stderr, monkeypatch, capsys, argv):
    from vmafref.cli import main

    monkeypatch.setattr(sys, "stderr", stderr)
    status = main(argv)
    monkeypatch.undo()
    return status, capsys.readouterr().out, stderr.getvalue()


def test_pooled_lines_and_progress_only_on_a_terminal(tiny_pair, monkeypatch, capsys):
    """libvmaf prints the pooled score to a terminal's stderr unless -q and -o are both given,
    and nothing when stderr is not a terminal (tools/vmaf.c:90,407)."""
    ref, _, common = tiny_pair
    out = ref.parent / "out.json"
    status, stdout, stderr = _run_on(io.StringIO(), monkeypatch, capsys, [*common, "--json", "-o", str(out)])
    assert (status, stdout, stderr) == (0, "", "")
    pooled = json.loads(out.read_text())["pooled_metrics"]["vmaf"]["mean"]
    assert _run_on(io.StringIO(), monkeypatch, capsys, common) == (0, "", "")
    status, stdout, stderr = _run_on(_Terminal(), monkeypatch, capsys, [*common, "-q"])
    assert (status, stdout, stderr) == (0, "", f"vmaf_v0.6.1: {pooled!r}\n")
    assert _run_on(_Terminal(), monkeypatch, capsys, [*common, "-q", "--json", "-o", str(out)]) == (0, "", "")
    status, stdout, stderr = _run_on(_Terminal(), monkeypatch, capsys, [*common, "--json", "-o", "-"])
    assert json.loads(stdout)["pooled_metrics"]["vmaf"]["mean"] == pooled  # the document owns stdout
    assert stderr.endswith(f"vmaf_v0.6.1: {pooled!r}\n") and "frame" in stderr  # the progress bar


def test_an_unwritable_output_path_fails_before_scoring(tiny_pair, capsys, monkeypatch):
    from vmafref.cli import main

    _, _, common = tiny_pair
    monkeypatch.setattr("vmafref.scoring.score", lambda *a, **k: pytest.fail("scored anyway"))
    assert main([*common, "--json", "-o", str(tiny_pair[0].parent)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_a_failed_write_after_scoring_keeps_the_document(tiny_pair, capsys, monkeypatch):
    """Disk full at the end: the document goes to stdout, the message says so, exit 3."""
    import errno
    import json

    from vmafref.cli import main

    ref, _, common = tiny_pair
    out = ref.parent / "out.json"
    assert main([*common, "--json", "-o", str(out), "-q"]) == 0
    expected = json.loads(out.read_text())
    out.unlink()

    def disk_full(_text, _target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("vmafref.output._replace_atomically", disk_full)
    capsys.readouterr()
    assert main([*common, "--json", "-o", str(out), "-q"]) == 3
    captured = capsys.readouterr()
    rescued = json.loads(captured.out)
    assert rescued["frames"] == expected["frames"] and rescued["pooled_metrics"] == expected["pooled_metrics"]
    assert "No space left" in captured.err and "standard output" in captured.err
    assert not out.exists()
