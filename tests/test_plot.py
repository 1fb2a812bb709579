"""``vmafref plot`` (src/vmafref/plot.py): libvmaf-layout JSON in, deterministic PNG/SVG out."""

from __future__ import annotations

import json

import pytest

from vmafref.cli import main
from vmafref.plot import load_series


@pytest.fixture(scope="module")
def example_json(tmp_path_factory):
    """``vmafref score --example --json`` output: libvmaf's JSON layout, written by the scorer itself."""
    path = tmp_path_factory.mktemp("plot") / "example.json"
    assert main(["score", "--example", "--json", "-o", str(path), "-q", "--frame_cnt", "4"]) == 0
    return path


@pytest.fixture
def second_json(example_json, tmp_path):
    """A second document: the example with every vmaf value lowered, pooled mean recomputed."""
    document = json.loads(example_json.read_text())
    for frame in document["frames"]:
        frame["metrics"]["vmaf"] -= 10.0
    values = [frame["metrics"]["vmaf"] for frame in document["frames"]]
    document["pooled_metrics"]["vmaf"]["mean"] = sum(values) / len(values)
    path = tmp_path / "lower.json"
    path.write_text(json.dumps(document))
    return path


def test_the_example_json_has_libvmafs_layout(example_json):
    document = json.loads(example_json.read_text())
    assert [frame["frameNum"] for frame in document["frames"]] == [0, 1, 2, 3]
    assert {"vmaf", "integer_adm2", "integer_motion2"} <= set(document["frames"][0]["metrics"])
    assert set(document["pooled_metrics"]["vmaf"]) == {"min", "max", "mean", "harmonic_mean"}


def test_series_carry_the_per_frame_values_and_the_pooled_mean(example_json):
    document = json.loads(example_json.read_text())
    vmaf, adm = load_series(str(example_json), ["vmaf", "integer_adm2"])
    assert vmaf.values == tuple(frame["metrics"]["vmaf"] for frame in document["frames"])
    assert vmaf.frames == (0, 1, 2, 3)
    assert vmaf.mean == document["pooled_metrics"]["vmaf"]["mean"]
    assert adm.mean == document["pooled_metrics"]["integer_adm2"]["mean"]


@pytest.mark.parametrize("extension, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml")])
def test_output_bytes_are_deterministic(example_json, second_json, tmp_path, extension, magic):
    outputs = []
    for run in range(2):
        out = tmp_path / f"curves{run}{extension}"
        args = ["plot", str(example_json), str(second_json), "--metric", "vmaf", "--metric", "integer_adm2",
                "-o", str(out)]
        assert main(args) == 0
        outputs.append(out.read_bytes())
    assert outputs[0].startswith(magic) and outputs[0] == outputs[1]
    if extension == ".svg":
        text = outputs[0].decode()
        assert "<dc:date>" not in text
    else:
        assert b"Software" not in outputs[0]


def test_legend_holds_the_pooled_means(example_json, second_json, tmp_path):
    out = tmp_path / "legend.svg"
    assert main(["plot", str(example_json), str(second_json), "--label", "A", "--label", "B", "-o", str(out)]) == 0
    document = json.loads(example_json.read_text())
    lower = json.loads(second_json.read_text())
    # SVG text is drawn as paths; the legend strings are kept as comments beside them.
    text = out.read_text()
    assert f"A (mean {document['pooled_metrics']['vmaf']['mean']:.4f})" in text
    assert f"B (mean {lower['pooled_metrics']['vmaf']['mean']:.4f})" in text


def _error(capsys, args):
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.err


@pytest.mark.parametrize("case", ["missing", "not_json", "no_frames", "frames_without_metrics", "json_list"])
def test_bad_inputs_are_one_line_errors(case, tmp_path, capsys):
    path = tmp_path / "input.json"
    contents = {"not_json": "{not json", "no_frames": json.dumps({"version": "x", "pooled_metrics": {}}),
                "frames_without_metrics": json.dumps({"frames": [{"frameNum": 0}]}), "json_list": "[1, 2]"}
    if case != "missing":
        path.write_text(contents[case])
    status, err = _error(capsys, ["plot", str(path), "-o", str(tmp_path / "out.png")])
    assert status == 2
    assert err.startswith("vmafref plot: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out.png").exists()


def test_unknown_metric_names_what_the_file_has(example_json, tmp_path, capsys):
    status, err = _error(capsys, ["plot", str(example_json), "--metric", "psnr_y", "-o", str(tmp_path / "o.png")])
    assert status == 2 and "'psnr_y'" in err and "integer_adm2" in err and err.count("\n") == 1


def test_unknown_extension_and_label_count_are_errors(example_json, tmp_path, capsys):
    status, err = _error(capsys, ["plot", str(example_json), "-o", str(tmp_path / "o.jpg")])
    assert status == 2 and ".png or .svg" in err
    status, err = _error(capsys, ["plot", str(example_json), "--label", "a", "--label", "b",
                                  "-o", str(tmp_path / "o.png")])
    assert status == 2 and "--label" in err
