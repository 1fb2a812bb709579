"""``vmafref corpus build --preset resource``: real sources × distortions → pinned training inputs.

For every source of :data:`vmafref.corpus.resource.RESOURCE_SOURCES` (in parallel, one
process per source at a time) the build cuts the clip, applies every condition of
:data:`vmafref.corpus.distortions.CONDITIONS`, scores each frame with vmafref's fixed-point
``adm``/``vif``/``motion`` and the vmaf_v0.6.1 teacher, and keeps the NR and filter crops. Each
finished source is cached in ``OUT/sources/`` (resumable); the assembled files
(:mod:`vmafref.corpus.training_inputs`) and ``manifest.json`` go to ``OUT``. With ``--check``
(default: the pinned ``model/tiny/training``) the build compares its files with the pinned ones
and names what differs: a source file, an encode (and the encoder version that made it), or a
package. See specs/corpus/resource_corpus.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

from vmafref.corpus import training_inputs as ti
from vmafref.corpus.ffmpeg import sha256_file
from vmafref.corpus.distortions import (CONDITIONS, NR_CONDITIONS, FILTER_BLUR_SIGMA, FILTER_JPEG_QUALITY,
                                        apply_condition, blur_jpeg_degrade)
from vmafref.corpus.resource import (CLIP_FRAMES, CLIP_HEIGHT, CLIP_WIDTH, RESOURCE_SOURCES, ResourceSource,
                                     load_clip, skimage_version, source_file)

__all__ = ["FEATURE_KEYS", "NR_CROP", "FILTER_CROP", "FILTER_CROP_ORIGINS", "FILTER_REPORT_CONDITION",
           "SEED", "RECIPE_VERSION", "noise_seed", "build_resource_corpus", "compare_with_pinned", "source_result"]

#: Columns of the feature table: fr_regressor_v2's "full" set (canonical-6 is a subset).
FEATURE_KEYS = ("integer_adm2", "integer_adm_scale0", "integer_adm_scale1", "integer_adm_scale2",
                "integer_adm_scale3", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
                "integer_vif_scale3", "VMAF_integer_feature_motion_sad_score", "integer_motion2", "integer_motion3")
NR_CROP = 224
FILTER_CROP = 64
#: (top, left) of the filter crops in a 320x240 frame: on the 8x8 JPEG grid, away from borders.
FILTER_CROP_ORIGINS = ((16, 16), (16, 128), (16, 240), (160, 16), (160, 128), (160, 240))
FILTER_CROP_FRAMES = (0, CLIP_FRAMES // 2)
FILTER_REPORT_CONDITION = "x264_crf38"
SEED = 20261202
#: Bumped whenever a change here changes what a source contributes (invalidates caches).
RECIPE_VERSION = 2
_PACKAGES = ("numpy", "scipy", "pillow", "scikit-image", "jax", "jaxlib")
_TABLE_COLUMNS = ("source_id", "condition", "kind", "codec", "value", "frame", "bitdepth", "bitrate_kbps",
                  *FEATURE_KEYS, "vmaf")


def _to_8bit(plane: np.ndarray, bitdepth: int) -> np.ndarray:
    if bitdepth == 8:
        return plane.astype(np.uint8)
    return np.clip(np.rint(plane.astype(np.float64) / (1 << (bitdepth - 8))), 0, 255).astype(np.uint8)


def _centre_crop(plane: np.ndarray, size: int) -> np.ndarray:
    h, w = plane.shape
    top, left = (h - size) // 2, (w - size) // 2
    return plane[top:top + size, left:left + size]


def noise_seed(source_name: str, condition_name: str) -> int:
    """The noise condition's seed: a function of the names only (not of catalogue order)."""
    words = [SEED, *np.frombuffer(hashlib.sha256(f"{source_name}/{condition_name}".encode()).digest()[:8], "<u4")]
    return int(np.random.SeedSequence([int(w) for w in words]).generate_state(1)[0])


def source_result(source: ResourceSource, resource_root: Path | None) -> dict[str, Any]:
    """Everything one source contributes: table rows, NR crops, filter crops, encode records."""
    from vmafref.models.datasets.data import fr_feature_rows
    from vmafref.vmaf_model import load_model

    teacher = load_model("vmaf_v0.6.1")
    clip = load_clip(source, resource_root)
    rows, nr_crops, nr_index, encodes = [], [], [], {}
    distorted_by_name = {}
    for condition in CONDITIONS:
        distorted, record = apply_condition(clip, condition, seed=noise_seed(source.name, condition.name))
        if record is not None:
            encodes[condition.name] = {"sha256": record.sha256, "bytes": record.size_bytes,
                                       "encoder_version": record.encoder_version}
        features = fr_feature_rows(clip.y, distorted, bitdepth=clip.bitdepth)
        bitrate = (record.size_bytes * 8 / (CLIP_FRAMES / 25.0) / 1000.0) if record else None
        scores = []
        for frame, values in enumerate(features):
            vmaf = teacher.predict(values)
            scores.append(vmaf)
            rows.append({"source_id": source.name, "condition": condition.name, "kind": condition.kind,
                         "codec": condition.codec, "value": float(condition.value), "frame": frame,
                         "bitdepth": clip.bitdepth, "bitrate_kbps": bitrate,
                         **{key: float(values[key]) for key in FEATURE_KEYS}, "vmaf": float(vmaf)})
        if condition.name in NR_CONDITIONS:
            middle = CLIP_FRAMES // 2
            nr_crops.append(_centre_crop(_to_8bit(distorted[middle], clip.bitdepth), NR_CROP))
            nr_index.append({"source_id": source.name, "condition": condition.name, "vmaf": float(scores[middle])})
        if condition.name in ("pristine", FILTER_REPORT_CONDITION):
            distorted_by_name[condition.name] = distorted
    filter_crops = []
    for frame in FILTER_CROP_FRAMES:
        clean = _to_8bit(clip.y[frame], clip.bitdepth)
        degraded = blur_jpeg_degrade(clean)
        encoded = _to_8bit(distorted_by_name[FILTER_REPORT_CONDITION][frame], clip.bitdepth)
        for top, left in FILTER_CROP_ORIGINS:
            window = (slice(top, top + FILTER_CROP), slice(left, left + FILTER_CROP))
            filter_crops.append(np.stack([clean[window], degraded[window], encoded[window]]))
    return {"source": {**source.describe(), "file_sha256": clip.source_sha256, "clip_sha256": clip.sha256(),
                       "clip_mode": clip.mode},
            "rows": rows, "encodes": encodes, "nr_crops": np.stack(nr_crops), "nr_index": nr_index,
            "filter_crops": np.stack(filter_crops)}


def _cache_paths(out: Path, name: str) -> tuple[Path, Path]:
    return out / "sources" / f"{name}.json", out / "sources" / f"{name}.npz"


def _save_cached(out: Path, result: dict[str, Any]) -> None:
    meta, arrays = _cache_paths(out, result["source"]["name"])
    meta.parent.mkdir(parents=True, exist_ok=True)
    temporary = arrays.with_name(f".{arrays.name}.tmp-{os.getpid()}.npz")
    np.savez(temporary, nr_crops=result["nr_crops"], filter_crops=result["filter_crops"])
    os.replace(temporary, arrays)
    payload = {**{k: result[k] for k in ("source", "rows", "encodes", "nr_index")}, "recipe": RECIPE_VERSION}
    ti.write_atomic(meta, json.dumps(payload, sort_keys=True).encode())


def _load_cached(out: Path, source: ResourceSource, file_sha256: str) -> dict[str, Any] | None:
    meta, arrays = _cache_paths(out, source.name)
    try:
        payload = json.loads(meta.read_text())
        if payload["source"]["file_sha256"] != file_sha256 or payload.get("recipe") != RECIPE_VERSION:
            return None
        with np.load(arrays) as stored:
            return {**payload, "nr_crops": stored["nr_crops"], "filter_crops": stored["filter_crops"]}
    except (OSError, ValueError, KeyError):
        return None


def _worker(source_index: int, resource_root: str | None) -> dict[str, Any]:
    source = RESOURCE_SOURCES[source_index]
    return source_result(source, Path(resource_root) if resource_root else None)


def tool_versions() -> dict[str, Any]:
    """ffmpeg's version and library lines, and the Python packages that move the bytes."""
    try:
        text = subprocess.run(["ffmpeg", "-hide_banner", "-version"], capture_output=True, text=True,
                              check=False).stdout
    except OSError:
        text = ""
    lines = text.splitlines()
    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = None
    return {"ffmpeg": lines[0].split(" Copyright")[0] if lines else None,
            "ffmpeg_libraries": [line.strip() for line in lines if line.startswith("lib")],
            "python": sys.version.split()[0], "packages": packages, "scikit_image_data": skimage_version()}


def _assemble(out: Path, results: list[dict[str, Any]], elapsed: float) -> dict[str, Any]:
    rows = [row for result in results for row in result["rows"]]
    ti.write_csv(out / ti.FR_TABLE, _TABLE_COLUMNS, rows, compress=True)
    ti.write_npy_xz(out / ti.NR_INPUTS, np.concatenate([r["nr_crops"] for r in results]))
    ti.write_csv(out / ti.NR_INDEX, ("source_id", "condition", "vmaf"), [i for r in results for i in r["nr_index"]])
    ti.write_npy_xz(out / ti.FILTER_INPUTS, np.concatenate([r["filter_crops"] for r in results]))
    filter_index = [{"source_id": r["source"]["name"]} for r in results for _ in range(len(r["filter_crops"]))]
    ti.write_csv(out / ti.FILTER_INDEX, ("source_id",), filter_index)
    names = (ti.FR_TABLE, ti.NR_INPUTS, ti.NR_INDEX, ti.FILTER_INPUTS, ti.FILTER_INDEX)
    manifest = {
        "schema_version": 1,
        "preset": "resource",
        "clip": {"width": CLIP_WIDTH, "height": CLIP_HEIGHT, "frames": CLIP_FRAMES, "framerate": 25},
        "seed": SEED,
        "recipe_version": RECIPE_VERSION,
        "teacher": "vmaf_v0.6.1 (vmafref fixed-point adm/vif/motion, bit-exact with libvmaf f85a8536)",
        "sources": [r["source"] for r in results],
        "conditions": [{"name": c.name, "kind": c.kind, "value": c.value, "encoder": c.encoder, "preset": c.preset}
                       for c in CONDITIONS],
        "nr_conditions": list(NR_CONDITIONS),
        "filter": {"crop": FILTER_CROP, "origins": [list(o) for o in FILTER_CROP_ORIGINS],
                   "frames": list(FILTER_CROP_FRAMES), "blur_sigma": FILTER_BLUR_SIGMA,
                   "jpeg_quality": FILTER_JPEG_QUALITY, "report_condition": FILTER_REPORT_CONDITION,
                   "planes": ["clean", "blur+jpeg", FILTER_REPORT_CONDITION]},
        "encodes": {r["source"]["name"]: r["encodes"] for r in results},
        "tools": tool_versions(),
        "rows": len(rows),
        "files": ti.file_digests(out, names),
    }
    ti.write_atomic(out / ti.MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    summary = {"sources": len(results), "rows": len(rows), "elapsed_s": round(elapsed, 1)}
    ti.write_atomic(out / "build.json", (json.dumps(summary, indent=1, sort_keys=True) + "\n").encode())
    return manifest


def build_resource_corpus(resource_root: str | os.PathLike | None, out: str | os.PathLike, *, workers: int = 2,
                          progress: bool = True, sources: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Builds (or resumes) the resource corpus into ``out``; returns its manifest."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(resource_root) if resource_root else None
    chosen = [i for i, s in enumerate(RESOURCE_SOURCES) if sources is None or s.name in sources]
    # Missing files are reported before any work starts (not after an hour of encodes).
    hashes = {i: sha256_file(source_file(RESOURCE_SOURCES[i], root)) for i in chosen}
    results: dict[int, dict[str, Any]] = {}
    for i in chosen:
        cached = _load_cached(out, RESOURCE_SOURCES[i], hashes[i])
        if cached is not None:
            results[i] = cached
    todo = [i for i in chosen if i not in results]
    start = time.monotonic()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(chosen), initial=len(chosen) - len(todo), desc="resource corpus", unit="source")
    if todo:
        context = multiprocessing.get_context("spawn")
        from vmafref.workers import die_with_parent

        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=die_with_parent) as pool:
            futures = {pool.submit(_worker, i, str(root) if root else None): i for i in todo}
            for future in as_completed(futures):
                result = future.result()
                _save_cached(out, result)
                results[futures[future]] = result
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(source=result["source"]["name"])
    if bar is not None:
        bar.close()
    return _assemble(out, [results[i] for i in chosen], time.monotonic() - start)


def compare_with_pinned(built: dict[str, Any], pinned: dict[str, Any]) -> list[str]:
    """What differs between a build's manifest and the pinned one, most specific first."""
    differences = []
    pinned_sources = {s["name"]: s for s in pinned.get("sources", [])}
    for source in built.get("sources", []):
        old = pinned_sources.get(source["name"])
        if old is None:
            differences.append(f"source {source['name']} is not in the pinned corpus")
        elif old.get("file_sha256") != source.get("file_sha256"):
            differences.append(f"source {source['name']}: file {source['path']} differs "
                               f"({source['file_sha256'][:12]} vs pinned {old.get('file_sha256', '')[:12]})")
    for name, encodes in built.get("encodes", {}).items():
        for condition, record in encodes.items():
            old = pinned.get("encodes", {}).get(name, {}).get(condition)
            if old and old.get("sha256") != record["sha256"]:
                version = record.get("encoder_version") or "encoder version not in the bitstream"
                was = old.get("encoder_version") or "unrecorded"
                differences.append(f"encode {name}/{condition} differs ({version}; pinned by {was})")
    built_tools, pinned_tools = built.get("tools", {}), pinned.get("tools", {})
    if built_tools.get("ffmpeg") != pinned_tools.get("ffmpeg"):
        differences.append(f"ffmpeg: {built_tools.get('ffmpeg')} (pinned: {pinned_tools.get('ffmpeg')})")
    for name, version in built_tools.get("packages", {}).items():
        if version != pinned_tools.get("packages", {}).get(name):
            differences.append(f"package {name}: {version} (pinned: {pinned_tools.get('packages', {}).get(name)})")
    for name, digest in built.get("files", {}).items():
        old = pinned.get("files", {}).get(name, {})
        if old.get("content_sha256") != digest["content_sha256"]:
            differences.append(f"{name}: content differs from the pinned file")
        elif old.get("sha256") != digest["sha256"]:
            differences.append(f"{name}: same content, different compressed bytes (compressor build)")
    return differences
