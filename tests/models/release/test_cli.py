"""Tests for vmafref.models.release.cli (specs/models/registry.md §6)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vmafref.cli import build_parser, main
from vmafref.models.release.cli import train_argv

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
needs_registry = pytest.mark.skipif(not (MODEL_DIR / "registry.json").exists(), reason="no registry committed yet")


def _copy(tmp_path: Path) -> Path:
    for path in MODEL_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, tmp_path / path.name)
    shutil.copytree(MODEL_DIR / "training", tmp_path / "training")
    return tmp_path / "registry.json"


def test_subcommands_are_registered():
    parser = build_parser()
    args = parser.parse_args(["train", "fr_regressor_v1", "--seed", "3", "--epochs", "5"])
    assert (args.model, args.seed, args.epochs, args.ship_gate, args.budget) == ("fr_regressor_v1", 3, 5, 0.95, 0.01)
    assert parser.parse_args(["audit"]).models == [] and parser.parse_args(["audit"]).source == "training"
    assert parser.parse_args(["audit", "nr_metric_v1", "--from", "params"]).models == ["nr_metric_v1"]
    assert parser.parse_args(["registry", "validate"]).handler.__name__ == "_cmd_registry_validate"
    for command in (["export", "nr_metric_v1"], ["quantize", "learned_filter_v1"]):
        assert parser.parse_args(command).model == command[1]
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "no_such_model"])


def test_recorded_argv_names_every_byte_changing_option_and_no_folder():
    args = build_parser().parse_args(["train", "nr_metric_v1", "--epochs", "4", "--model-dir", "/elsewhere",
                                      "--runs-dir", "runs"])
    argv = train_argv(args)
    assert argv == ["train", "nr_metric_v1", "--seed", "0", "--epochs", "4", "--ship-gate", "0.95", "--budget", "0.01"]
    replayed = build_parser().parse_args(argv)
    assert train_argv(replayed) == argv
    args = build_parser().parse_args(["train", "nr_metric_v1", "--batch-size", "8", "--learning-rate", "0.002"])
    assert train_argv(args) == ["train", "nr_metric_v1", "--seed", "0", "--batch-size", "8", "--learning-rate",
                                "0.002", "--ship-gate", "0.95", "--budget", "0.01"]
    # The training data is recorded when it is not the default corpus; the LOSO worker count
    # never is (it cannot change a byte).
    args = build_parser().parse_args(["train", "learned_filter_v1", "--data", "smoke", "--loso-workers", "2"])
    argv = train_argv(args)
    assert argv[-2:] == ["--data", "smoke"] and "--loso-workers" not in argv
    assert train_argv(build_parser().parse_args(argv)) == argv


@needs_registry
def test_registry_validate_passes_then_fails_on_a_changed_byte(tmp_path, capsys):
    registry = _copy(tmp_path)
    assert main(["registry", "validate", "--registry", str(registry)]) == 0
    assert "entries valid" in capsys.readouterr().out
    entry = json.loads(registry.read_text())["models"][0]
    path = tmp_path / entry["onnx"]
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    assert main(["registry", "validate", "--registry", str(registry)]) == 1
    assert entry["onnx"] in capsys.readouterr().err


@needs_registry
def test_export_reproduces_the_pinned_bytes(tmp_path, capsys):
    registry = _copy(tmp_path)
    entry = next(e for e in json.loads(registry.read_text())["models"] if e["kind"] == "fr")
    out = tmp_path / "again.onnx"
    assert main(["export", entry["id"], "--registry", str(registry), "--out", str(out)]) == 0
    assert "matches" in capsys.readouterr().out
    assert out.read_bytes() == (tmp_path / entry["onnx"]).read_bytes()


@needs_registry
def test_quantize_reports_the_drop_and_refuses_over_budget(tmp_path, capsys):
    registry = _copy(tmp_path)
    entry = next(e for e in json.loads(registry.read_text())["models"] if e["id"] == "learned_filter_v1")
    out = tmp_path / "twin.int8.onnx"
    code = main(["quantize", entry["id"], "--registry", str(registry), "--out", str(out)])
    text = capsys.readouterr()
    assert "PLCC(fp32, int8)" in text.out
    if entry["int8_onnx"]:
        assert code == 0 and out.read_bytes() == (tmp_path / entry["int8_onnx"]).read_bytes()
    assert main(["quantize", entry["id"], "--registry", str(registry), "--out", str(out), "--budget", "0"]) == 1
    assert "over budget" in capsys.readouterr().err
