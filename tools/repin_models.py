"""Rebuild the shipped models in fresh pinned processes and pin the rebuilt bytes in the registry.

    python tools/repin_models.py [MODEL ...] [--registry model/tiny/registry.json] [--from training-loso]

For a change of the pinned toolchain settings (specs/models/training_determinism.md), not of a
model: each model is rebuilt exactly as ``vmafref audit`` rebuilds it (the recorded provenance,
the recorded LOSO evaluation and gates replayed; specs/models/audit.md §2), its files replace the
shipped ones and its registry entry gets their sha256, the rebuilt int8 drop and the sidecar's
LOSO PLCC. The rebuilds run in parallel, one per CPU. ``--from training-loso`` also retrains
every LOSO fold and recomputes the gates, for a change that moves the trained bits (the
sidecar's evaluation then describes the code that made the shipped file). Afterwards
``vmafref audit`` must report no mismatch.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import sys
import tempfile
from pathlib import Path

from vmafref.models.release.audit import rebuild_in_fresh_process
from vmafref.models.release.registry import default_registry_path, find_entry, read_registry, upsert_entry
from vmafref.models.release.sidecar import load_sidecar

#: registry file key -> (registry name key, registry sha256 key)
FILES = {"params": ("params", "params_sha256"), "onnx": ("onnx", "sha256"),
         "int8_onnx": ("int8_onnx", "int8_sha256"), "sidecar": ("sidecar", "sidecar_sha256")}


def repin(model_id: str, registry_path: Path, cpu: int | None, source: str = "training") -> str:
    entry = find_entry(read_registry(registry_path), model_id)
    with tempfile.TemporaryDirectory(prefix=f"repin-{model_id}-") as folder:
        digests = rebuild_in_fresh_process(model_id, registry_path=registry_path, source=source,
                                           out_dir=Path(folder), cpu=cpu)
        sidecar = load_sidecar(Path(folder) / entry["sidecar"], expected_sha256=digests["sidecar"])
        quantization = sidecar["quantization"]
        if bool(quantization["shipped"]) != (entry["int8_onnx"] is not None):
            raise SystemExit(f"{model_id}: the rebuilt int8 twin {'ships' if quantization['shipped'] else 'does not ship'}, "
                             "unlike the registered one; retrain it with `vmafref train` instead")
        changed = []
        for key, (name_key, sha_key) in FILES.items():
            if entry[name_key] is None:
                continue
            if entry[sha_key] != digests[key]:
                changed.append(entry[name_key])
            shutil.copyfile(Path(folder) / entry[name_key], registry_path.parent / entry[name_key])
            entry[sha_key] = digests[key]
    entry["quant_plcc_drop"] = quantization["plcc_drop"]
    entry["loso_plcc"] = sidecar["evaluation"]["plcc"]["mean"]  # recomputed by --from training-loso
    upsert_entry(registry_path, entry)
    return f"{model_id}: {len(changed)} file(s) re-pinned ({', '.join(changed) or 'none'}); int8 drop {entry['quant_plcc_drop']:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", metavar="MODEL")
    parser.add_argument("--registry", type=Path, default=None)
    parser.add_argument("--from", dest="source", choices=("training", "training-loso"), default="training")
    args = parser.parse_args(argv)
    registry_path = (args.registry or default_registry_path()).resolve()
    ids = args.models or [e["id"] for e in read_registry(registry_path)["models"]]
    cpus = sorted(os.sched_getaffinity(0))
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(cpus)) as pool:
        # Each rebuild first, the registry writes one at a time (upsert_entry locks the folder).
        futures = [pool.submit(repin, model_id, registry_path, cpus[i % len(cpus)] if len(cpus) > 1 else None,
                               args.source)
                   for i, model_id in enumerate(ids)]
        for future in futures:
            print(future.result(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
