"""``vmafref train|export|quantize|registry|audit``: the tiny-network subcommands.

Training runs in a fresh Python process pinned by
:func:`vmafref.models.training.determinism.pin_process_for_determinism` before jax is imported (the
``vmafref`` process itself may already have jax loaded by other subcommands), so the trained
bytes do not depend on how many cores the machine has. This module imports no jax.
See specs/models/audit.md §4 and specs/models/registry.md §6.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["register", "run_pinned", "train_argv"]

_MODEL_IDS = ("fr_regressor_v1", "fr_regressor_v2", "nr_metric_v1", "learned_filter_v1")

def run_pinned(arguments: Sequence[str]) -> int:
    """Runs :func:`vmafref.models.release.pipeline.main` with ``arguments`` in a fresh process that pins
    itself first (``python -m vmafref.models.training.pinned build``)."""
    return subprocess.run([sys.executable, "-m", "vmafref.models.training.pinned", "build", *arguments],
                          check=False).returncode


def train_argv(args: argparse.Namespace) -> list[str]:
    """The canonical command line of a build, as recorded in ``run_provenance.argv``: every
    option that can change the output bytes, none of the output folders."""
    argv = ["train", args.model, "--seed", str(args.seed)]
    for option in ("epochs", "batch_size", "learning_rate"):
        value = getattr(args, option)
        if value is not None:
            argv += [f"--{option.replace('_', '-')}", repr(value)]
    argv += ["--ship-gate", repr(args.ship_gate), "--budget", repr(args.budget)]
    if getattr(args, "data", "corpus") != "corpus":
        argv += ["--data", args.data]
    if getattr(args, "features", None):
        argv += ["--features", str(Path(args.features).resolve())]
    if getattr(args, "konvid", None):
        argv += ["--konvid", str(Path(args.konvid).resolve())]
    return argv


def _default_model_dir() -> Path:
    from vmafref.models.release.registry import default_registry_path

    return default_registry_path().parent


def _cmd_train(args: argparse.Namespace) -> int:
    model_dir = Path(args.model_dir) if args.model_dir else _default_model_dir()
    runs_dir = Path(args.runs_dir) if args.runs_dir else model_dir / "runs"
    arguments = [args.model, "--seed", str(args.seed), "--ship-gate", repr(args.ship_gate), "--budget",
                 repr(args.budget), "--model-dir", str(model_dir), "--runs-dir", str(runs_dir),
                 "--argv-json", json.dumps(train_argv(args))]
    for option in ("epochs", "batch_size", "learning_rate"):
        value = getattr(args, option)
        if value is not None:
            arguments += [f"--{option.replace('_', '-')}", repr(value)]
    arguments += ["--data", getattr(args, "data", "corpus")]
    if getattr(args, "features", None):
        arguments += ["--features", str(Path(args.features).resolve())]
    if getattr(args, "konvid", None):
        if args.model != "nr_metric_v1":
            print("error: --konvid trains nr_metric_v1 only", file=sys.stderr)
            return 2
        arguments += ["--konvid", str(Path(args.konvid).resolve())]
    workers = getattr(args, "loso_workers", None)
    if workers is None:
        import os

        workers = len(os.sched_getaffinity(0))
    arguments += ["--loso-workers", str(max(1, workers))]
    if args.quiet:
        arguments.append("--quiet")
    return run_pinned(arguments)


def _registry(args: argparse.Namespace) -> Path:
    from vmafref.models.release.registry import default_registry_path

    return Path(args.registry) if args.registry else default_registry_path()


def _cmd_export(args: argparse.Namespace) -> int:
    import onnx

    from vmafref.models.training import params_io
    from vmafref.models.conversion.allowlist import enforce
    from vmafref.models.conversion.export import export_onnx
    from vmafref.models.release.registry import find_entry, read_registry
    from vmafref.models.release.sidecar import load_sidecar, sha256_bytes, write_bytes_atomic

    registry_path = _registry(args)
    entry = find_entry(read_registry(registry_path), args.model)
    sidecar = load_sidecar(registry_path.parent / entry["sidecar"], expected_sha256=entry["sidecar_sha256"])
    payload = (registry_path.parent / entry["params"]).read_bytes()
    if sha256_bytes(payload) != entry["params_sha256"]:
        print(f"error: {entry['params']} does not hash to its registry pin", file=sys.stderr)
        return 1
    onnx_bytes = export_onnx(args.model, params_io.params_from_bytes(payload), **sidecar["model_config"])
    enforce(onnx.load_model_from_string(onnx_bytes), "fp32", what=f"{args.model} export")
    out = Path(args.out) if args.out else Path(f"{args.model}.onnx")
    write_bytes_atomic(out, onnx_bytes)
    digest = sha256_bytes(onnx_bytes)
    same = digest == entry["sha256"]
    print(f"{out}: sha256 {digest} ({'matches' if same else 'DIFFERS FROM'} the registry pin)")
    return 0 if same else 1


def _cmd_quantize(args: argparse.Namespace) -> int:
    from vmafref.models.datasets import data
    from vmafref.models.networks import nets
    from vmafref.models.training import train
    from vmafref.models.release.loader import load
    from vmafref.models.conversion.quantize import quantize_model
    from vmafref.models.release.sidecar import sha256_bytes, write_bytes_atomic
    from vmafref.models.datasets.standardize import Standardizer

    registry_path = _registry(args)
    verified = load(args.model, registry_path=registry_path)
    sidecar = verified.sidecar
    recorded = sidecar["run_provenance"]["args"]
    if recorded.get("data", "smoke") == "smoke":
        dataset = data.smoke_dataset(args.model, sidecar["training"]["seed"])
    else:
        dataset = data.corpus_dataset(args.model, registry_path.parent / "training")
    standardizer = Standardizer.from_dict(sidecar) if sidecar["kind"] == "fr" else None
    names = nets.contract(args.model).input_names
    inputs = dict(zip(names, train.model_inputs(args.model, dataset, standardizer)))
    budget = args.budget if args.budget is not None else verified.entry["quant_budget_plcc"]
    result = quantize_model(verified.model_bytes, inputs, budget=budget)
    verdict = result.verdict
    print(f"{args.model}: PLCC(fp32, int8) {verdict.plcc:.6f}, drop {verdict.plcc_drop:.6f}, budget {budget}, "
          f"max |diff| {verdict.max_abs_error:.4g} over {verdict.n_values} values")
    if not result.shipped:
        print(f"{args.model}: over budget; no int8 file written", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else Path(f"{args.model}.int8.onnx")
    write_bytes_atomic(out, result.int8_bytes)
    digest = sha256_bytes(result.int8_bytes)
    pin = verified.entry["int8_sha256"]
    print(f"{out}: sha256 {digest} ({'matches' if digest == pin else 'differs from'} the registry pin {pin})")
    return 0


def _cmd_registry_validate(args: argparse.Namespace) -> int:
    from vmafref.models.conversion.allowlist import ModelArtifactError
    from vmafref.models.release.registry import read_registry, validate_registry

    registry_path = _registry(args)
    try:
        problems = validate_registry(registry_path, deep=not args.shallow)
    except ModelArtifactError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return 1
    count = len(read_registry(registry_path)["models"])
    print(f"{registry_path.name}: {count} entries valid")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    from vmafref.models.release.audit import audit, format_report

    report = audit(args.models or None, registry_path=_registry(args), source=args.source, progress=False)
    print(format_report(report))
    return 0 if report.ok else 1


def _cmd_calibrate(args: argparse.Namespace) -> int:
    """Refit nr_metric_v1's fast-NR calibration on a corpus's NR crops (specs/models/evaluation.md §5)."""
    import numpy as np

    from vmafref.corpus import training_inputs as ti
    from vmafref.models.conversion.allowlist import ModelArtifactError
    from vmafref.models.release.pipeline import calibrate_nr
    from vmafref.models.release.runtime import TinyModel

    folder = Path(args.corpus)
    try:
        crops = ti.read_npy_xz(folder / ti.NR_INPUTS)
        index = ti.read_csv(folder / ti.NR_INDEX)
        teacher = np.asarray([float(row["vmaf"]) for row in index], dtype=np.float64)
    except (ti.TrainingInputError, KeyError, ValueError) as error:
        print(f"error: {folder} is not a resource-corpus folder with NR crops ({error})", file=sys.stderr)
        return 2
    if len(index) != len(crops):
        print(f"error: {ti.NR_INDEX} has {len(index)} rows for {len(crops)} crops", file=sys.stderr)
        return 2
    try:
        model = TinyModel.load(args.model, registry_path=_registry(args), device="cpu")
    except (ModelArtifactError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    raw = np.asarray([model.score_frame(crop, 8) for crop in crops], dtype=np.float64)
    fit = calibrate_nr(raw, teacher, min_samples=args.min_samples, min_plcc=args.min_plcc)
    report = {"model": args.model, "corpus": folder.name, **fit}
    text = json.dumps(report, indent=1, sort_keys=True)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    status = fit["calibration"]["quality_status"]
    if status != "accepted":
        print(f"calibration is weak: {'; '.join(fit['calibration']['quality_reasons'])}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the model subcommands to the ``vmafref`` parser."""
    train = subparsers.add_parser("train", help="train, evaluate (LOSO), export, quantise and register a tiny network")
    train.add_argument("model", choices=_MODEL_IDS)
    train.add_argument("--seed", type=int, default=0, help="seed of the smoke data and of training (default 0)")
    train.add_argument("--epochs", type=int, default=None, help="override the model's default number of epochs")
    train.add_argument("--batch-size", type=int, default=None, help="override the model's default batch size")
    train.add_argument("--learning-rate", type=float, default=None, help="override the model's default learning rate")
    train.add_argument("--ship-gate", type=float, default=0.95, help="minimum mean LOSO PLCC (default 0.95)")
    train.add_argument("--budget", type=float, default=0.01, help="int8 PLCC-drop budget (default 0.01)")
    train.add_argument("--model-dir", default=None, help="model folder (default: model/tiny)")
    train.add_argument("--runs-dir", default=None, help="run folder for tables and plots (default: MODEL_DIR/runs)")
    train.add_argument("--data", choices=("corpus", "smoke"), default="corpus",
                       help="corpus (default): the pinned real-content inputs in MODEL_DIR/training; smoke: seeded "
                            "synthetic data for testing the machinery (registered as smoke: true)")
    train.add_argument("--features", metavar="PARQUET", default=None,
                       help="fr_regressor_v1: train on a per-frame feature table in the Netflix-public layout "
                            "(source, dis_basename, frame_index, vmaf, adm2 ... motion2) instead of the pinned corpus")
    train.add_argument("--konvid", metavar="DIR", default=None,
                       help="nr_metric_v1: train on a KoNViD-1k folder (KoNViD_1k_mos.csv, KoNViD_1k_videos/) with "
                            "the card's 80/9/10 split under seed 42, gated on the test split")
    train.add_argument("--loso-workers", type=int, default=None,
                       help="LOSO folds run in this many processes, each pinned to its own CPU (default: the CPUs "
                            "this process may use); the results do not depend on it")
    train.add_argument("--quiet", action="store_true", help="no progress output")
    train.set_defaults(handler=_cmd_train)

    calibrate = subparsers.add_parser("calibrate", help="fit the fast-NR calibration (NR output -> VMAF) on a corpus")
    calibrate.add_argument("model", choices=("nr_metric_v1",))
    calibrate.add_argument("--corpus", required=True, metavar="DIR",
                           help="a resource-corpus folder (vmafref corpus build --preset resource) or model/tiny/training")
    calibrate.add_argument("--min-samples", type=int, default=10, help="quality gate: fewest samples (default 10)")
    calibrate.add_argument("--min-plcc", type=float, default=0.70, help="quality gate: lowest PLCC (default 0.70)")
    calibrate.add_argument("--out", default=None, help="also write the fit as JSON")
    calibrate.add_argument("--registry", default=None)
    calibrate.set_defaults(handler=_cmd_calibrate)

    export = subparsers.add_parser("export", help="export a registered model's ONNX from its committed parameters")
    export.add_argument("model", choices=_MODEL_IDS)
    export.add_argument("--out", default=None, help="output file (default: MODEL.onnx in the current folder)")
    export.add_argument("--registry", default=None)
    export.set_defaults(handler=_cmd_export)

    quant = subparsers.add_parser("quantize", help="dynamic int8 quantisation of a registered model, with its budget")
    quant.add_argument("model", choices=_MODEL_IDS)
    quant.add_argument("--out", default=None, help="output file (default: MODEL.int8.onnx in the current folder)")
    quant.add_argument("--budget", type=float, default=None, help="PLCC-drop budget (default: the registry's)")
    quant.add_argument("--registry", default=None)
    quant.set_defaults(handler=_cmd_quantize)

    registry = subparsers.add_parser("registry", help="model registry tools")
    registry_commands = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    validate = registry_commands.add_parser("validate", help="check the registry, its pins and every model file")
    validate.add_argument("--registry", default=None)
    validate.add_argument("--shallow", action="store_true", help="skip the loader's per-file graph checks")
    validate.set_defaults(handler=_cmd_registry_validate)

    audit = subparsers.add_parser("audit", help="rebuild registry entries in fresh processes and compare sha256")
    audit.add_argument("models", nargs="*", metavar="MODEL", help="models to audit (default: all registered)")
    audit.add_argument("--from", dest="source", choices=("training", "training-loso", "params"), default="training",
                       help="training (default): retrain the shipped fit from the recorded provenance; "
                            "training-loso: also rerun every LOSO fold; params: export and quantise the committed "
                            "parameters")
    audit.add_argument("--registry", default=None)
    audit.set_defaults(handler=_cmd_audit)
