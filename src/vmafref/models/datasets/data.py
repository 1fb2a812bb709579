"""Small deterministic training sets the project makes itself (smoke data).

Until the real corpus is built, every network can be trained end to end on data generated
here from a seed, in well under a minute, with nothing cached:

* **FR** (``fr_regressor_v1``/``v2``): seeded synthetic clips (smooth 1/f textures with
  edges, moving by a few pixels per frame), each distorted by blur, noise or 8×8 block-DCT
  quantisation at three strengths (plus the undistorted pair); feature rows come from
  vmafref's own fixed-point extractors (``adm``, ``vif``, ``motion``) and the target is the
  ``vmaf_v0.6.1`` teacher score computed by :mod:`vmafref.vmaf_model` from those features;
* **NR** (``nr_metric_v1``): 224×224 luma frames of the same kind with a MOS-like target that
  falls with the distortion strength;
* **filter** (``learned_filter_v1``): (degraded, clean) pairs, degraded by Gaussian blur
  σ=1.2 and block-DCT quantisation (a JPEG-like recipe without a JPEG library).

Every row carries a ``source_id`` (9 sources) for leave-one-source-out evaluation.
:func:`synthetic_feature_table` is a separate, purely synthetic FR table (no extractors, no
teacher) for exercising the training path quickly. See specs/models/fr_regressor_v1.md §6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.fft
import scipy.ndimage

from vmafref.models.networks.codec import codec_onehot
from vmafref.models.networks.nets import CANONICAL6_FEATURES, FEATURE_SETS, MODEL_IDS, resolve_config

__all__ = [
    "Dataset",
    "SmokeDataError",
    "NUM_SOURCES",
    "DISTORTIONS",
    "DISTORTION_CODEC_TAG",
    "synthetic_texture_clip",
    "distort",
    "fr_feature_rows",
    "smoke_dataset",
    "synthetic_feature_table",
    "hash_seed",
    "IMAGE_MODEL_SOURCES",
    "mos_from_vmaf",
    "corpus_dataset",
    "feature_table_dataset",
    "konvid_split",
    "konvid_dataset",
]

NUM_SOURCES = 9
#: distortion kind -> parameter per strength level 1..3 (blur σ, noise σ, DCT step).
DISTORTIONS: dict[str, tuple[float, float, float]] = {
    "blur": (0.6, 1.2, 2.4),
    "noise": (3.0, 8.0, 20.0),
    "blockdct": (8.0, 24.0, 64.0),
}
#: Codec tag of each distortion kind in the FR smoke set. These are labels that make the
#: ``codec_onehot`` input informative on synthetic data (block edges ~ x264, smoothing ~ x265),
#: not claims about any encoder.
DISTORTION_CODEC_TAG: dict[str, str | None] = {"none": None, "blur": "x265", "noise": None, "blockdct": "x264"}

_FR_SIZE = (64, 96)  # height, width of the FR smoke clips
_FR_FRAMES = 4
_NR_SIZE = 224
_FILTER_SIZE = 64
_FILTER_CROPS = 4


class SmokeDataError(RuntimeError):
    """Smoke data cannot be made (a component it needs is missing or misbehaves)."""


@dataclass(frozen=True)
class Dataset:
    """Rows for one model: ``inputs`` by contract input name, ``targets``, ``source_id``.

    FR ``features`` are raw (not standardised; :func:`vmafref.models.training.train.train` fits the
    standardizer). ``meta`` holds per-row side information (distortion, strength, codec, ...)
    as arrays of length N.
    """

    model_id: str
    inputs: dict[str, np.ndarray]
    targets: np.ndarray
    source_id: np.ndarray
    feature_order: tuple[str, ...] | None = None
    meta: dict[str, np.ndarray] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        n = len(self.targets)
        for name, array in list(self.inputs.items()) + [("source_id", self.source_id)] + list(self.meta.items()):
            if len(array) != n:
                raise ValueError(f"dataset column {name!r} has {len(array)} rows, targets have {n}")

    def __len__(self) -> int:
        return len(self.targets)

    def sources(self) -> tuple[str, ...]:
        """Distinct source ids, sorted."""
        return tuple(sorted(set(self.source_id.tolist())))

    def select(self, rows: np.ndarray | Sequence[int]) -> Dataset:
        """The rows ``rows`` (indices or a boolean mask), in that order."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return Dataset(self.model_id, {k: v[rows] for k, v in self.inputs.items()}, self.targets[rows],
                       self.source_id[rows], self.feature_order, {k: v[rows] for k, v in self.meta.items()},
                       self.description)

    def without_source(self, source: str) -> Dataset:
        """Every row except those of ``source`` (leave-one-source-out training fold)."""
        return self.select(self.source_id != source)

    def only_source(self, source: str) -> Dataset:
        """The rows of ``source`` (leave-one-source-out held-out fold)."""
        return self.select(self.source_id == source)


# --------------------------------------------------------------------------------------------
# Synthetic clips and distortions


def synthetic_texture_clip(seed: int, source: int, height: int, width: int, frames: int) -> np.ndarray:
    """A uint8 ``[frames, height, width]`` clip: 1/f^α texture plus rectangles, translating.

    ``α`` (1.4–2.4), the rectangles and the per-frame shift (0–2 px on each axis) are drawn
    from ``np.random.default_rng([seed, source])``; each source is a distinct content.
    """
    rng = np.random.default_rng([seed, source])
    margin = 2 * frames + 2
    ch, cw = height + margin, width + margin
    alpha = rng.uniform(1.4, 2.4)
    fy = np.fft.fftfreq(ch)[:, None]
    fx = np.fft.fftfreq(cw)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = (rng.standard_normal((ch, cw)) + 1j * rng.standard_normal((ch, cw))) / radius ** alpha
    spectrum[0, 0] = 0.0
    canvas = np.real(np.fft.ifft2(spectrum))
    canvas = (canvas - canvas.mean()) / (canvas.std() + 1e-12)
    for _ in range(int(rng.integers(2, 6))):
        y0, x0 = int(rng.integers(0, ch - 8)), int(rng.integers(0, cw - 8))
        y1, x1 = y0 + int(rng.integers(6, ch // 2)), x0 + int(rng.integers(6, cw // 2))
        canvas[y0:y1, x0:x1] += rng.uniform(-1.5, 1.5)
    contrast = rng.uniform(25.0, 50.0)
    canvas = np.clip(128.0 + contrast * canvas, 16.0, 235.0)
    dy, dx = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    clip = np.stack([canvas[t * dy:t * dy + height, t * dx:t * dx + width] for t in range(frames)])
    return np.rint(clip).astype(np.uint8)


def _block_dct_quantise(frame: np.ndarray, step: float) -> np.ndarray:
    h, w = frame.shape
    ph, pw = -h % 8, -w % 8
    padded = np.pad(frame, ((0, ph), (0, pw)), mode="edge")
    blocks = padded.reshape(padded.shape[0] // 8, 8, padded.shape[1] // 8, 8).transpose(0, 2, 1, 3)
    coefficients = scipy.fft.dctn(blocks, type=2, axes=(2, 3), norm="ortho")
    # Finer steps for the lowest frequencies, as JPEG's tables do.
    weight = 1.0 + 0.25 * (np.arange(8)[:, None] + np.arange(8)[None, :])
    quantised = np.rint(coefficients / (step * weight)) * (step * weight)
    restored = scipy.fft.idctn(quantised, type=2, axes=(2, 3), norm="ortho")
    return restored.transpose(0, 2, 1, 3).reshape(padded.shape)[:h, :w]


def distort(frame: np.ndarray, kind: str, level: int, seed: int) -> np.ndarray:
    """Distort a uint8 frame with ``kind`` at ``level`` (0 = untouched, 1..3); returns uint8.

    ``blur``: Gaussian, σ from :data:`DISTORTIONS`; ``noise``: additive Gaussian noise drawn
    from ``np.random.default_rng(seed)``; ``blockdct``: 8×8 orthonormal DCT quantisation with
    frequency-weighted steps.
    """
    if kind not in DISTORTIONS and kind != "none":
        raise ValueError(f"unknown distortion {kind!r}; known: none, {', '.join(DISTORTIONS)}")
    if level == 0 or kind == "none":
        return frame.copy()
    if level not in (1, 2, 3):
        raise ValueError(f"distortion level must be 0..3, got {level}")
    x = frame.astype(np.float64)
    parameter = DISTORTIONS[kind][level - 1]
    if kind == "blur":
        x = scipy.ndimage.gaussian_filter(x, parameter, mode="reflect")
    elif kind == "noise":
        x = x + parameter * np.random.default_rng(seed).standard_normal(x.shape)
    else:
        x = _block_dct_quantise(x, parameter)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _conditions() -> list[tuple[str, int]]:
    return [("none", 0)] + [(kind, level) for kind in DISTORTIONS for level in (1, 2, 3)]


# --------------------------------------------------------------------------------------------
# FR: features from vmafref's extractors, vmaf_v0.6.1 teacher


def fr_feature_rows(reference: np.ndarray, distorted: np.ndarray, bitdepth: int = 8) -> list[dict[str, float]]:
    """Per-frame output keys of the fixed-point ``adm``, ``vif`` and ``motion`` extractors.

    ``reference``/``distorted`` are ``[frames, height, width]`` clips, uint8 for 8-bit and
    uint16 for deeper ``bitdepth``.
    """
    from vmafref.features import get_extractor

    frames, height, width = reference.shape
    try:
        extractors = [get_extractor(name)(width=width, height=height, bitdepth=bitdepth)
                      for name in ("adm", "vif", "motion")]
    except (ImportError, AttributeError) as error:
        raise SmokeDataError(f"FR smoke data needs vmafref's adm/vif/motion extractors: {error}") from error
    rows: list[dict[str, float]] = [{} for _ in range(frames)]
    for extractor in extractors:
        for index in range(frames):
            for frame, values in extractor.extract(index, reference[index], distorted[index]).items():
                rows[frame].update(values)
        for frame, values in extractor.flush().items():
            rows[frame].update(values)
    return rows


def _fr_smoke(model_id: str, seed: int, **config) -> Dataset:
    from vmafref.vmaf_model import load_model

    cfg = resolve_config(model_id, **config)
    order = CANONICAL6_FEATURES if model_id == "fr_regressor_v1" else FEATURE_SETS[cfg["feature_set"]]
    teacher = load_model("vmaf_v0.6.1")
    height, width = _FR_SIZE
    features, targets, sources, codecs, kinds, levels = [], [], [], [], [], []
    for source in range(NUM_SOURCES):
        reference = synthetic_texture_clip(seed, source, height, width, _FR_FRAMES)
        for condition, (kind, level) in enumerate(_conditions()):
            distorted = np.stack([distort(frame, kind, level, seed=hash_seed(seed, source, condition, t))
                                  for t, frame in enumerate(reference)])
            for row in fr_feature_rows(reference, distorted):
                missing = [key for key in order if key not in row]
                if missing:
                    raise SmokeDataError(f"extractors did not produce {', '.join(missing)}")
                features.append([row[key] for key in order])
                targets.append(teacher.predict(row))
                sources.append(f"synthetic{source:02d}")
                codecs.append(DISTORTION_CODEC_TAG[kind])
                kinds.append(kind)
                levels.append(level)
    inputs = {"features": np.asarray(features, dtype=np.float64)}
    if cfg.get("num_codecs", 0):
        inputs["codec_onehot"] = codec_onehot(codecs)
    return Dataset(model_id, inputs, np.asarray(targets, dtype=np.float64), np.asarray(sources), tuple(order),
                   {"codec": np.asarray([c or "unknown" for c in codecs]), "distortion": np.asarray(kinds),
                    "level": np.asarray(levels)},
                   f"FR smoke set: {NUM_SOURCES} synthetic sources, vmaf_v0.6.1 teacher, seed {seed}")


def hash_seed(*parts: int) -> int:
    """A 63-bit seed derived from integers (stable: no Python ``hash``)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> 1)


# --------------------------------------------------------------------------------------------
# NR and filter


def _nr_smoke(seed: int) -> Dataset:
    frames, targets, sources, kinds, levels = [], [], [], [], []
    for source in range(NUM_SOURCES):
        clean = synthetic_texture_clip(seed, source, _NR_SIZE, _NR_SIZE, 1)[0]
        for condition, (kind, level) in enumerate(_conditions()):
            frame = distort(clean, kind, level, seed=hash_seed(seed, source, condition))
            frames.append(frame.astype(np.float32)[None] / np.float32(255.0))
            # MOS-like 1..5 target falling with strength (a synthetic label, not a rating).
            targets.append(4.6 - 1.2 * level)
            sources.append(f"synthetic{source:02d}")
            kinds.append(kind)
            levels.append(level)
    return Dataset("nr_metric_v1", {"input": np.stack(frames)}, np.asarray(targets, dtype=np.float64),
                   np.asarray(sources), None, {"distortion": np.asarray(kinds), "level": np.asarray(levels)},
                   f"NR smoke set: {NUM_SOURCES} synthetic sources × 10 conditions, seed {seed}")


def _filter_smoke(seed: int) -> Dataset:
    degraded, clean, sources = [], [], []
    for source in range(NUM_SOURCES):
        clip = synthetic_texture_clip(seed, source, _FILTER_SIZE, _FILTER_SIZE, _FILTER_CROPS)
        for frame in clip:
            blurred = scipy.ndimage.gaussian_filter(frame.astype(np.float64), 1.2, mode="reflect")
            damaged = np.clip(np.rint(_block_dct_quantise(blurred, 24.0)), 0, 255)
            degraded.append(damaged.astype(np.float32)[None] / np.float32(255.0))
            clean.append(frame.astype(np.float32)[None] / np.float32(255.0))
            sources.append(f"synthetic{source:02d}")
    return Dataset("learned_filter_v1", {"input": np.stack(degraded)}, np.stack(clean), np.asarray(sources), None,
                   {}, f"filter smoke set: {NUM_SOURCES} synthetic sources × {_FILTER_CROPS} frames, "
                       f"blur σ=1.2 + block-DCT step 24, seed {seed}")


def smoke_dataset(model_id: str, seed: int, **config) -> Dataset:
    """The deterministic smoke set of ``model_id`` for ``seed`` (see the module docstring).

    ``config`` is the model configuration (``feature_set``/``num_codecs`` shape the FR
    inputs). FR sets need vmafref's ``adm``/``vif``/``motion`` extractors and
    ``vmafref.vmaf_model``; :class:`SmokeDataError` says which part is missing.
    """
    if model_id not in MODEL_IDS:
        raise ValueError(f"unknown model id {model_id!r}; known: {', '.join(MODEL_IDS)}")
    if model_id.startswith("fr_regressor"):
        return _fr_smoke(model_id, seed, **config)
    resolve_config(model_id, **config)
    return _nr_smoke(seed) if model_id == "nr_metric_v1" else _filter_smoke(seed)


def synthetic_feature_table(model_id: str, seed: int, rows_per_source: int = 40, **config) -> Dataset:
    """A purely synthetic FR table: no extractors, no teacher (training-path tests only).

    Feature columns are drawn in ranges like those of real VMAF features (ADM/VIF in (0, 1],
    motion in [0, 20]) and the target is a fixed smooth function of them,
    ``100 · (0.5·adm2 + 0.5·mean(vif)) − 0.3·motion2`` plus N(0, 1) noise, so a model can learn
    it. Not to be confused with :func:`smoke_dataset`.
    """
    if not model_id.startswith("fr_regressor"):
        raise ValueError(f"synthetic_feature_table is for the FR regressors, not {model_id!r}")
    cfg = resolve_config(model_id, **config)
    order = CANONICAL6_FEATURES if model_id == "fr_regressor_v1" else FEATURE_SETS[cfg["feature_set"]]
    rng = np.random.default_rng([seed, 7])
    n = NUM_SOURCES * rows_per_source
    quality = rng.uniform(0.2, 1.0, n)
    columns = {}
    for key in order:
        if "motion" in key:
            columns[key] = rng.uniform(0.0, 20.0, n)
        else:
            columns[key] = np.clip(quality + 0.05 * rng.standard_normal(n), 0.01, 1.0)
    vif = np.mean([columns[k] for k in order if "vif" in k], axis=0)
    motion = columns.get("integer_motion2", np.zeros(n))
    target = 100.0 * (0.5 * columns["integer_adm2"] + 0.5 * vif) - 0.3 * motion + rng.standard_normal(n)
    features = np.stack([columns[key] for key in order], axis=1)
    sources = np.repeat([f"synthetic{s:02d}" for s in range(NUM_SOURCES)], rows_per_source)
    codecs = [("x264", "x265", "libsvtav1", None)[i % 4] for i in range(n)]
    inputs = {"features": features}
    if cfg.get("num_codecs", 0):
        inputs["codec_onehot"] = codec_onehot(codecs)
    return Dataset(model_id, inputs, target, sources, tuple(order),
                   {"codec": np.asarray([c or "unknown" for c in codecs])},
                   f"synthetic FR feature table (no extractors), seed {seed}")


# --------------------------------------------------------------------------------------------
# The pinned real-content corpus (model/tiny/training; specs/corpus/resource_corpus.md)

#: Sources whose images train and evaluate nr_metric_v1 and learned_filter_v1: every
#: vmaf_resource video and photograph except six of the eight BSDS images, and the six
#: scikit-image photographs of natural scenes. The conv nets' leave-one-source-out costs one training per
#: source (minutes each on one CPU core), so their set is smaller than the FR table's 34
#: (specs/models/nr_metric_v1.md §5).
IMAGE_MODEL_SOURCES: tuple[str, ...] = (
    "src01", "sparks", "park_joy", "blue_sky", "kristen_and_sara", "archer", "dark_scene", "hall", "akiyo",
    "bsds_100007", "bsds_100039", "img_1012576", "bikes", "seeking",
    "astronaut", "camera", "chelsea", "coffee", "hubble", "rocket",
)


def mos_from_vmaf(vmaf: np.ndarray) -> np.ndarray:
    r"""nr_metric_v1's MOS-like target: :math:`1 + 4 \cdot \mathrm{clip}(v, 0, 100) / 100` (1–5).

    A documented linear map of the teacher, not a subjective rating (nr_metric_v1.md §5).
    """
    return 1.0 + 4.0 * np.clip(np.asarray(vmaf, dtype=np.float64), 0.0, 100.0) / 100.0


def _float_column(rows: list[dict[str, str]], key: str) -> np.ndarray:
    try:
        return np.asarray([float(row[key]) for row in rows], dtype=np.float64)
    except (KeyError, ValueError) as error:
        raise SmokeDataError(f"feature table column {key!r} is missing or not numeric ({error})") from None


def _corpus_fr(model_id: str, folder, **config) -> Dataset:
    from vmafref.corpus import training_inputs as ti

    cfg = resolve_config(model_id, **config)
    order = CANONICAL6_FEATURES if model_id == "fr_regressor_v1" else FEATURE_SETS[cfg["feature_set"]]
    rows = ti.read_csv(folder / ti.FR_TABLE)
    features = np.stack([_float_column(rows, key) for key in order], axis=1)
    codecs = [row["codec"] for row in rows]
    inputs = {"features": features}
    if cfg.get("num_codecs", 0):
        inputs["codec_onehot"] = codec_onehot(codecs)
    meta = {"codec": np.asarray(codecs), "condition": np.asarray([row["condition"] for row in rows]),
            "kind": np.asarray([row["kind"] for row in rows])}
    sources = np.asarray([row["source_id"] for row in rows])
    return Dataset(model_id, inputs, _float_column(rows, "vmaf"), sources, tuple(order), meta,
                   f"resource corpus feature table: {len(rows)} frames, {len(set(sources.tolist()))} real sources, "
                   f"vmaf_v0.6.1 teacher")


def _corpus_nr(folder) -> Dataset:
    from vmafref.corpus import training_inputs as ti

    crops = ti.read_npy_xz(folder / ti.NR_INPUTS)
    index = ti.read_csv(folder / ti.NR_INDEX)
    if len(index) != len(crops):
        raise SmokeDataError(f"{ti.NR_INDEX} has {len(index)} rows for {len(crops)} crops")
    keep = np.asarray([row["source_id"] in IMAGE_MODEL_SOURCES for row in index])
    vmaf = _float_column(index, "vmaf")[keep]
    frames = crops[keep].astype(np.float32)[:, None] / np.float32(255.0)
    sources = np.asarray([row["source_id"] for row in index])[keep]
    conditions = np.asarray([row["condition"] for row in index])[keep]
    return Dataset("nr_metric_v1", {"input": frames}, mos_from_vmaf(vmaf), sources, None,
                   {"condition": conditions, "vmaf": vmaf},
                   f"resource corpus NR crops: {len(vmaf)} native 224x224 crops, {len(set(sources.tolist()))} real "
                   f"sources, MOS-like target 1 + 4*vmaf/100")


def _corpus_filter(folder) -> Dataset:
    from vmafref.corpus import training_inputs as ti

    crops = ti.read_npy_xz(folder / ti.FILTER_INPUTS)
    index = ti.read_csv(folder / ti.FILTER_INDEX)
    if len(index) != len(crops) or crops.ndim != 4 or crops.shape[1] != 3:
        raise SmokeDataError(f"{ti.FILTER_INPUTS} has shape {crops.shape} for {len(index)} index rows")
    keep = np.asarray([row["source_id"] in IMAGE_MODEL_SOURCES for row in index])
    unit = crops[keep].astype(np.float32) / np.float32(255.0)
    sources = np.asarray([row["source_id"] for row in index])[keep]
    return Dataset("learned_filter_v1", {"input": unit[:, 1:2]}, unit[:, 0:1], sources, None,
                   {"x264_crf38": unit[:, 2:3]},
                   f"resource corpus filter crops: {len(sources)} 64x64 crops, {len(set(sources.tolist()))} real "
                   f"sources, Gaussian blur 1.2 + Pillow JPEG 35")


def corpus_dataset(model_id: str, folder, **config) -> Dataset:
    """``model_id``'s training set from the pinned resource corpus in ``folder`` (checked
    against its manifest first)."""
    from vmafref.corpus import training_inputs as ti

    if model_id not in MODEL_IDS:
        raise ValueError(f"unknown model id {model_id!r}; known: {', '.join(MODEL_IDS)}")
    folder = Path(folder)
    ti.read_manifest(folder, verify=True)
    if model_id.startswith("fr_regressor"):
        return _corpus_fr(model_id, folder, **config)
    resolve_config(model_id, **config)
    return _corpus_nr(folder) if model_id == "nr_metric_v1" else _corpus_filter(folder)


def feature_table_dataset(model_id: str, path) -> Dataset:
    """fr_regressor_v1's training set from a per-frame feature table in the Netflix-public
    layout (``vmafref.corpus.loaders.load_netflix_features``: ``source``, ``dis_basename``,
    ``frame_index``, ``vmaf`` and the canonical-6 under short or ``integer_`` names).

    ``source`` is the LOSO source id. Only the canonical-6 are in that layout, so the codec-aware
    fr_regressor_v2 (12 features and a codec) cannot be trained from it.
    """
    from vmafref.corpus.loaders import load_netflix_features

    if model_id != "fr_regressor_v1":
        raise SmokeDataError(f"a Netflix-layout feature table holds the canonical-6 only; it trains fr_regressor_v1, "
                             f"not {model_id}")
    table = load_netflix_features(path)
    return Dataset(model_id, {"features": table.features}, table.target,
                   np.asarray([str(s) for s in table.source]), CANONICAL6_FEATURES,
                   {"dis_basename": np.asarray([str(b) for b in table.dis_basename]),
                    "frame_index": table.frame_index},
                   f"feature table {Path(path).name}: {len(table)} frames, "
                   f"{len(set(table.source.tolist()))} sources, vmaf column as the teacher")


#: The card's KoNViD-1k split: 80 % train, 9 % validation, 10 % test (the remainder to
#: train), drawn by ``numpy.random.default_rng(42).permutation`` over the clips in CSV order.
KONVID_SPLIT_SEED = 42
KONVID_SPLIT_FRACTIONS = {"val": 0.09, "test": 0.10}


def konvid_split(count: int, seed: int = KONVID_SPLIT_SEED) -> np.ndarray:
    """``"train"``/``"val"``/``"test"`` for each of ``count`` clips (specs/models/nr_metric_v1.md §5.1)."""
    order = np.random.default_rng(seed).permutation(count)
    n_test = int(round(KONVID_SPLIT_FRACTIONS["test"] * count))
    n_val = int(round(KONVID_SPLIT_FRACTIONS["val"] * count))
    split = np.full(count, "train", dtype="<U5")
    split[order[:n_test]] = "test"
    split[order[n_test:n_test + n_val]] = "val"
    return split


def konvid_dataset(root, *, progress: bool = False) -> Dataset:
    """nr_metric_v1's training set from a KoNViD-1k folder (``KoNViD_1k_mos.csv`` +
    ``KoNViD_1k_videos/``): one row per clip, the centre native-resolution crop of its middle
    frame (the contract's preprocessing) and its published MOS; ``meta["split"]`` is the card's
    80/9/10 split under seed 42. Each clip is its own source."""
    from vmafref.corpus.loaders import extract_middle_frame_native, load_konvid_1k
    from vmafref.models.release.runtime import nr_input

    clips = load_konvid_1k(root)
    if len(clips) < 3:
        raise SmokeDataError(f"{root}: KoNViD-1k needs at least 3 clips for a train/val/test split, found {len(clips)}")
    iterator = clips
    if progress:
        from tqdm import tqdm

        iterator = tqdm(clips, desc="KoNViD-1k middle frames", unit="clip")
    crops = []
    for clip in iterator:
        frame = extract_middle_frame_native(clip.path)
        height, width = frame.shape
        top, left = max(0, (height - 224) // 2), max(0, (width - 224) // 2)
        crops.append(nr_input(frame[top:top + 224, left:left + 224], 8)[0])  # the centre crop
    return Dataset("nr_metric_v1", {"input": np.stack(crops)}, np.asarray([c.mos for c in clips], np.float64),
                   np.asarray([c.key for c in clips]), None,
                   {"split": konvid_split(len(clips)), "mos": np.asarray([c.mos for c in clips], np.float64)},
                   f"KoNViD-1k: {len(clips)} clips, middle frame, centre native 224x224 crop, published MOS")
