"""Held-out figures of the registered tiny networks, as markdown, straight from their sidecars.

Reads ``model/tiny/registry.json`` (or ``--registry``), each sidecar's ``evaluation.gate``
block and ``quantization`` block, and prints one table per model: every gate criterion with its
value and threshold, and the same criteria measured on the model's baseline in the same folds.
The model cards (docs/model_cards.md) quote this output::

    python tools/model_card_figures.py > /tmp/figures.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _number(value) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def model_table(sidecar: dict) -> str:
    evaluation = sidecar["evaluation"]
    gate = evaluation.get("gate")
    lines = [f"### {sidecar['id']}", ""]
    if gate is None:
        lines.append(f"smoke model: mean LOSO PLCC {evaluation['plcc']['mean']:.4f} (no real-content gate)")
        return "\n".join(lines) + "\n"
    names = list(gate["baselines"])
    lines.append("| criterion | threshold | model | " + " | ".join(names) + " |")
    lines.append("|---|---|---:|" + "---:|" * len(names))
    for index, criterion in enumerate(gate["criteria"]):
        row = [criterion["name"], _number(criterion["threshold"]),
               f"{_number(criterion['value'])} {'✓' if criterion['passed'] else '✗'}"]
        for name in names:
            other = gate["baselines"][name]["criteria"][index]
            row.append(f"{_number(other['value'])} {'✓' if other['passed'] else '✗'}")
        lines.append("| " + " | ".join(row) + " |")
    folds = evaluation["folds"]
    lines += ["", f"{len(folds)} held-out {'sources' if evaluation['protocol'] == 'leave-one-source-out' else 'splits'}; "
              f"fold PLCC {evaluation['plcc']['mean']:.4f} ± {evaluation['plcc']['std']:.4f}, "
              f"SROCC {evaluation['srocc']['mean']:.4f} ± {evaluation['srocc']['std']:.4f}, "
              f"RMSE {evaluation['rmse']['mean']:.4f} ± {evaluation['rmse']['std']:.4f}."]
    quant = sidecar["quantization"]
    if quant is None:
        return "\n".join(lines) + "\n"
    lines.append(f"int8 twin: {'shipped' if quant['shipped'] else 'not shipped'}, PLCC drop "
                 f"{quant['plcc_drop']:.2e} (budget {quant['budget_plcc']}), max |fp32 − int8| "
                 f"{quant['max_abs_error']:.3g} over the training inputs.")
    if "calibration" in sidecar:
        cal = sidecar["calibration"]
        lines.append(f"fast-NR calibration: VMAF ≈ {sidecar['calibration_slope']} · raw + "
                     f"{sidecar['calibration_intercept']}, n {cal['n_samples']}, PLCC {cal['plcc']}, "
                     f"σ {cal['sigma']}, threshold {sidecar['calibration_threshold']} ({cal['quality_status']}).")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path,
                        default=Path(__file__).resolve().parents[1] / "model" / "tiny" / "registry.json")
    args = parser.parse_args(argv)
    try:
        registry = json.loads(args.registry.read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: cannot read {args.registry}: {error}", file=sys.stderr)
        return 2
    registered = set()
    for entry in registry["models"]:
        sidecar = json.loads((args.registry.parent / entry["sidecar"]).read_text())
        registered.add(entry["id"] if not sidecar["smoke"] else None)
        print(model_table(sidecar))
    # Refused builds leave their gate in their run folder: show what refused them.
    for gate_file in sorted((args.registry.parent / "runs").glob("*/gate.json")):
        if gate_file.parent.name in registered:
            continue
        gate = json.loads(gate_file.read_text())
        folds = json.loads((gate_file.parent / "loso.json").read_text())
        print(model_table({"id": f"{gate_file.parent.name} (refused)", "quantization": None,
                           "evaluation": {**folds, "gate": gate}}).split("int8 twin")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
