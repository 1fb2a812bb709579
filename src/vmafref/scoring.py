"""The scoring pipeline: reader -> feature extractors -> models -> per-frame values and pooling.

It follows libvmaf's CLI run (``libvmaf/tools/vmaf.c``): every requested extractor sees
every frame pair in order, temporal extractors publish late values and flush at the end,
then each model predicts every frame and every key is pooled. Memory is bounded: frames are
streamed one at a time and only per-frame scalars are kept. See specs/score.md §1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vmafref.features import get_extractor
from vmafref.features._float_rcp_table import DEFAULT_RCPSS
from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.frame_workers import ProcessFrameScheduler, ThreadFrameScheduler, planes_on_device, use_processes
from vmafref.pooling import pool
from vmafref.vmaf_model import VmafModel, VmafModelCollection, load_model_or_collection, model_feature_keys

__all__ = ["ScoreResult", "FeatureRequest", "ModelRequest", "score", "score_frames", "score_many"]


@dataclass(frozen=True)
class FeatureRequest:
    """An extractor by libvmaf name with its options (``--feature NAME=opt=val``)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRequest:
    """A model by built-in version or path, with libvmaf's model flags and overloads."""

    version: str = "vmaf_v0.6.1"
    name: str = "vmaf"
    disable_clip: bool = False
    enable_transform: bool = False
    overloads: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def load(self) -> VmafModel | VmafModelCollection:
        """The model, or the bootstrap model collection the version or file holds (specs/bootstrap_models.md)."""
        return load_model_or_collection(self.version, name=self.name, disable_clip=self.disable_clip,
                                        enable_transform=self.enable_transform, overloads=self.overloads)


@dataclass
class ScoreResult:
    """Per-frame values (``frames[i][key]``), pooled values, and run facts.

    ``frame_count`` is the number of frame pairs read (libvmaf's ``pic_cnt``, which ``fps``
    divides); ``frames`` holds the scored ones, frame ``frame_numbers[i]`` of the pair (every
    frame, ``0 … frame_count-1``, unless ``subsample`` kept only some; specs/score.md §1).
    """

    frames: list[dict[str, float]]
    pooled: dict[str, dict[str, float]]
    keys: list[str]
    width: int
    height: int
    bitdepth: int
    pixel_format: str
    frame_count: int
    cpu_seconds: float
    aggregate: dict[str, float] = field(default_factory=dict)
    frame_numbers: list[int] | None = None

    def __post_init__(self) -> None:
        if self.frame_numbers is None:
            self.frame_numbers = list(range(len(self.frames)))

    @property
    def fps(self) -> float:
        """Frames per CPU second, as libvmaf reports ``fps`` (``feature_collector.c:317``)."""
        return self.frame_count / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")


def _as_model_request(model: str | ModelRequest | VmafModel) -> ModelRequest | VmafModel:
    return ModelRequest(version=model) if isinstance(model, str) else model


def _as_feature_request(feature: str | FeatureRequest | tuple[str, Mapping[str, Any]]) -> FeatureRequest:
    if isinstance(feature, FeatureRequest):
        return feature
    if isinstance(feature, str):
        return FeatureRequest(feature)
    name, options = feature
    return FeatureRequest(name, dict(options))


class _Collector:
    """Per-frame values in libvmaf's first-write key order (``feature_collector.c``)."""

    def __init__(self) -> None:
        self.frames: dict[int, dict[str, float]] = {}
        self.keys: list[str] = []
        self._seen: set[str] = set()

    def add(self, values: Mapping[int, Mapping[str, float]]) -> None:
        for index in sorted(values):
            row = self.frames.setdefault(index, {})
            for key, value in values[index].items():
                if key not in self._seen:
                    self._seen.add(key)
                    self.keys.append(key)
                row[key] = float(value)


def _plan_extractors(models: Sequence[VmafModel], features: Sequence[FeatureRequest]) -> list[tuple[str, dict[str, Any]]]:
    """Extractors to run, models' first, deduplicated as libvmaf does.

    libvmaf keeps one extractor per name-with-feature-parameters
    (``fex_ctx_vector.c:40-66``): a later request whose non-default feature parameters
    match an earlier one is dropped, even if its other options (``debug``) differ.
    """
    from vmafref.features.extractor import parse_options

    plan: list[tuple[str, dict[str, Any]]] = []
    identities: set[tuple[str, tuple]] = set()
    wanted = [(name, options) for model in models for name, options in model.extractor_requests()]
    wanted += [(request.name, dict(request.options)) for request in features]
    for name, options in wanted:
        _, params = parse_options(get_extractor(name).options, options)
        identity = (name, tuple(sorted((k, repr(v)) for k, v in params.items())))
        if identity in identities:
            continue
        identities.add(identity)
        plan.append((name, options))
    return plan


#: Extractors that, like libvmaf's ADM and VIF, see only the sub-sampled frames. libvmaf skips
#: every extractor on the other frames except those flagged VMAF_FEATURE_EXTRACTOR_TEMPORAL or
#: _PREV_REF (``libvmaf.c:510-515,861-865``), i.e. the motion ones, which need every frame; an
#: extractor not listed here runs on every frame. Listed: every extractor without either flag,
#: whose values depend on its own frame only; ``psnr`` is flagged temporal (its ``apsnr_*``
#: aggregate reads every frame), as are the motion extractors.
SUBSAMPLED_EXTRACTORS = frozenset({"adm", "vif", "float_adm", "float_vif", "float_psnr", "float_moment",
                                   "float_ansnr", "float_ssim", "float_ms_ssim", "ciede", "psnr_hvs", "cambi",
                                   "speed_chroma"})


def _check_subsample(subsample: Any) -> int:
    if isinstance(subsample, bool) or not isinstance(subsample, int) or subsample < 1:
        raise ValueError(f"subsample must be a positive integer (1: every frame), got {subsample!r}")
    return subsample


def _check_threads(threads: Any) -> int:
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 0:
        raise ValueError(f"threads must be a whole number >= 0 (0 or 1: one thread), got {threads!r}")
    return int(threads)


def score_frames(pairs: Iterable[tuple[int, np.ndarray, np.ndarray]], *, width: int, height: int, bitdepth: int,
                 pixel_format: str = "420", models: Sequence[str | ModelRequest | VmafModel] = ("vmaf_v0.6.1",),
                 features: Sequence[str | FeatureRequest | tuple[str, Mapping[str, Any]]] = (),
                 frame_hook: Callable[[int], None] | None = None,
                 per_frame_columns: Sequence[Any] = (), subsample: int = 1,
                 libvmaf_convention: str = "f85a8536", rcpss: str = DEFAULT_RCPSS,
                 threads: int = 0) -> ScoreResult:
    """Score an iterable of ``(index, ref_luma, dis_luma)`` pairs (optionally followed by each
    picture's planes ``(y, u, v)``, which extractors that read chroma get).

    ``per_frame_columns`` are objects with ``column_name`` and
    ``score_frame(dis_luma, bitdepth, features) -> float`` (the tiny networks); their value
    joins each frame's row after the models. ``subsample`` N > 1 scores only frames whose
    index is a multiple of N, as libvmaf's ``--subsample``. ``libvmaf_convention`` picks
    which libvmaf's arithmetic the extractors reproduce (:mod:`vmafref.conventions`;
    ``"v3.0"``: libvmaf v3.0.0's motion, float motion and float VIF). ``rcpss`` names the CPU family whose ``rcpss``
    reciprocal estimates libvmaf's float ADM divided with: ``"intel"`` (the default, fixed) or
    ``"amd"`` (specs/float_adm.md §4). ``threads`` N > 1 scores N frames at once: on a CPU,
    vmafref's frame-independent extractors in N worker processes (:mod:`vmafref.frame_workers`),
    otherwise on N threads (specs/score.md §9); the values never depend on it.
    See specs/score.md §1.
    """
    from vmafref.conventions import extractor_class
    from vmafref.features._compiled import release_if_crowded
    from vmafref.features._float_rcp_table import check_rcpss

    subsample = _check_subsample(subsample)
    threads = _check_threads(threads)
    extractor_class("motion", libvmaf_convention)  # an unknown convention fails before anything runs
    check_rcpss(rcpss)
    loaded = _load_models(models)
    names = [m.name for m in loaded]
    names += [key for m in loaded if isinstance(m, VmafModelCollection) for key in m.output_keys]
    if len(set(names)) != len(names):
        raise ValueError(f"two models share the output name {names}; give each a distinct name=")
    requests = [_as_feature_request(f) for f in features]
    if not loaded and not requests and not per_frame_columns:
        raise ValueError("nothing to compute: no model and no feature requested "
                         "(models=[] needs at least one entry in features)")
    plan = _plan_extractors(loaded, requests)
    # A process scoring many geometries keeps every one's executables; drop them before the
    # kernel's limit on memory mappings makes XLA's compiler crash (specs/startup.md §2).
    release_if_crowded()
    extractors: list[FeatureExtractor] = []
    arguments: list[tuple[type, dict[str, Any]]] = []
    for name, options in plan:
        cls = extractor_class(name, libvmaf_convention)
        extra = {"pixel_format": pixel_format} if cls.planes == "yuv" else {}
        if "rcpss" in cls.cpu_conventions:
            extra["rcpss"] = rcpss
        kwargs = dict(width=width, height=height, bitdepth=bitdepth, **extra, **options)
        extractors.append(cls(**kwargs))
        arguments.append((cls, kwargs))
    every_frame = [name not in SUBSAMPLED_EXTRACTORS for name, _ in plan]
    collector = _Collector()
    frame_count = 0
    kept: list[int] = []
    pending_luma: dict[int, np.ndarray] = {}
    processes = threads > 1 and use_processes(extractors)
    # With worker processes, the frame-independent extractors' stages load there, not here.
    here = [not (processes and e.frame_independent) for e in extractors]
    elsewhere = [not h for h in here]
    session = _stage_session([e for e, h in zip(extractors, here) if h], [p for p, h in zip(plan, here) if h],
                             width, height, bitdepth, pixel_format)
    start, compile_start = time.process_time(), _compile_cpu_seconds()

    def retire(frame: tuple[int, bool, np.ndarray], values: list[FrameValues]) -> None:
        nonlocal frame_count
        index, keep, dis = frame
        for frame_values in values:
            collector.add(frame_values)
        if keep:
            kept.append(index)
            if per_frame_columns:
                pending_luma[index] = dis
        if per_frame_columns:
            _score_columns(per_frame_columns, pending_luma, collector, bitdepth, final=False)
        frame_count += 1
        if frame_hook is not None:
            frame_hook(index)

    if processes:
        remote = [e for e, h in zip(extractors, here) if not h]
        scheduler = ProcessFrameScheduler(
            extractors, [None if h else spec for spec, h in zip(arguments, here)], threads,
            plan=_plan_key(remote, [p for p, h in zip(plan, here) if not h], width, height, bitdepth, pixel_format))
    else:
        scheduler = ThreadFrameScheduler(extractors, threads)
    try:
        for item in pairs:
            index, ref, dis = item[:3]
            # Optional 4th and 5th items: each picture's planes (y, u, v) for extractors that read chroma.
            pictures = item[3:5] if len(item) >= 5 else ((ref,), (dis,))
            keep = index % subsample == 0
            calls = [(at, (index, *pictures) if extractor.planes == "yuv" else (index, ref, dis))
                     for at, (extractor, always) in enumerate(zip(extractors, every_frame)) if keep or always]
            # The luma planes go to the device once a frame for all the extractors here that take them.
            calls = planes_on_device(extractors, calls, elsewhere)
            for frame, values in scheduler.submit((index, keep, dis), calls):
                retire(frame, values)
        for frame, values in scheduler.drain():
            retire(frame, values)
    except BaseException:
        scheduler.close(abort=True)
        raise
    scheduler.close()
    aggregate: dict[str, float] = {}
    for extractor in extractors:
        collector.add(extractor.flush())
        aggregate.update(extractor.aggregate())
    if per_frame_columns:
        _score_columns(per_frame_columns, pending_luma, collector, bitdepth, final=True)
    if frame_count == 0:
        raise ValueError("no frames to score: the input clips are empty")

    # Every model's score first, a collection's model "0" among them; then each collection's
    # members and bootstrap statistics (tools/vmaf.c:397-433, specs/bootstrap_models.md §4).
    for model in loaded:
        main = model.main if isinstance(model, VmafModelCollection) else model
        keys = _model_keys(main)
        collector.add({i: {main.name: main.predict(collector.frames.get(i, {}), keys)} for i in kept})
    for model in loaded:
        if isinstance(model, VmafModelCollection):
            member_keys = tuple(_model_keys(member) for member in model.members)
            collector.add({i: model.predict(collector.frames.get(i, {}), member_keys) for i in kept})
    cpu_seconds = _scoring_cpu_seconds(start, compile_start, session) + scheduler.worker_cpu_seconds

    frames = [collector.frames.get(i, {}) for i in kept]
    pooled = {}
    for key in collector.keys:
        column = [row[key] for row in frames if key in row]
        if len(column) == len(frames):
            pooled[key] = pool(column)
    return ScoreResult(frames=frames, pooled=pooled, keys=list(collector.keys), width=width, height=height,
                       bitdepth=bitdepth, pixel_format=pixel_format, frame_count=frame_count, cpu_seconds=cpu_seconds,
                       aggregate=aggregate, frame_numbers=kept)


def _load_models(models: Sequence[str | ModelRequest | VmafModel | VmafModelCollection]
                 ) -> list[VmafModel | VmafModelCollection]:
    return [m if isinstance(m, (VmafModel, VmafModelCollection)) else _as_model_request(m).load() for m in models]


def _model_keys(model: VmafModel) -> tuple[str, ...]:
    """Output key of each model feature under the model's own options (``predict.c:322-345``)."""
    from vmafref.features.extractor import parse_options

    return model_feature_keys(model, {f.extractor: parse_options(get_extractor(f.extractor).options, f.options)[1]
                                      for f in model.features})


def _score_columns(columns: Sequence[Any], pending: dict[int, np.ndarray], collector: _Collector,
                   bitdepth: int, final: bool) -> None:
    """Run per-frame networks once a frame's features are final (motion publishes late)."""
    for index in sorted(pending):
        row = collector.frames.get(index, {})
        ready = final or all(_features_final(column, row) for column in columns)
        if not ready:
            continue
        values = {column.column_name: float(column.score_frame(pending[index], bitdepth, row)) for column in columns}
        collector.add({index: values})
        del pending[index]


def _features_final(column: Any, row: Mapping[str, float]) -> bool:
    needed = getattr(column, "required_features", ())
    return all(key in row for key in needed)


def score(reference: Any, distorted: Any, *, width: int | None = None, height: int | None = None,
          pixel_format: str | None = None, bitdepth: int | None = None,
          models: Sequence[str | ModelRequest | VmafModel] = ("vmaf_v0.6.1",),
          features: Sequence[str | FeatureRequest | tuple[str, Mapping[str, Any]]] = (),
          frame_cnt: int | None = None, progress: bool = False,
          prefilter: Callable[[np.ndarray, int], np.ndarray] | None = None,
          per_frame_columns: Sequence[Any] = (), subsample: int = 1, skip_ref: int = 0, skip_dis: int = 0,
          allow_length_mismatch: bool = False, libvmaf_convention: str = "f85a8536",
          rcpss: str = DEFAULT_RCPSS, threads: int = 0) -> ScoreResult:
    """Score a reference/distorted pair given as paths (YUV, Y4M, containers), readers, or luma arrays ``(N, H, W)``.

    Geometry comes from the arguments, or from the Y4M header when omitted (as libvmaf does);
    arrays carry their own width and height, so ``width``/``height`` given with an array are
    refused (``bitdepth`` is required, ``pixel_format`` optional). Clips of different lengths
    are an error unless ``frame_cnt`` covers only common frames or ``allow_length_mismatch``
    asks for libvmaf's behaviour: a warning and the common frames (specs/score.md §1).
    ``subsample`` N scores every Nth frame; ``skip_ref``/``skip_dis`` drop the first frames of
    one clip (libvmaf's ``--subsample``, ``--frame_skip_ref``, ``--frame_skip_dist``).
    ``prefilter`` transforms each distorted luma plane before features are taken
    (``--prefilter learned_filter_v1``). ``models=[]`` needs at least one feature.
    ``libvmaf_convention``, ``rcpss`` and ``threads`` as in :func:`score_frames`.
    """
    from vmafref.io import frames_from_arrays, open_pair

    subsample = _check_subsample(subsample)
    threads = _check_threads(threads)
    models = _load_models(models)  # a bad model fails before any clip is opened
    if not models and not features and not per_frame_columns:
        raise ValueError("nothing to compute: no model and no feature requested "
                         "(models=[] needs at least one entry in features)")
    if any(isinstance(source, np.ndarray) for source in (reference, distorted)):
        given = [name for name, value in (("width", width), ("height", height)) if value is not None]
        if given:
            raise ValueError(f"{' and '.join(given)} given with array input: an array's shape (N, H, W) is its "
                             "geometry; pass bitdepth (and pixel_format) only")

    def _source(source: Any) -> Any:
        if isinstance(source, np.ndarray):
            if bitdepth is None:
                raise ValueError("bitdepth is required when scoring arrays")
            return frames_from_arrays(source, bitdepth, pixel_format=pixel_format)
        return source

    with open_pair(_source(reference), _source(distorted), width=width, height=height, pixel_format=pixel_format,
                   bitdepth=bitdepth, frame_cnt=frame_cnt, skip_ref=skip_ref, skip_dis=skip_dis,
                   allow_length_mismatch=allow_length_mismatch) as pair:
        geometry = pair.geometry
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=pair.frame_count, unit="frame", desc="vmafref", leave=False)

        def pairs():
            for index, ref_frame, dis_frame in pair:
                dis_luma = dis_frame.y if prefilter is None else prefilter(dis_frame.y, geometry.bitdepth)
                yield (index, ref_frame.y, dis_luma, (ref_frame.y, ref_frame.u, ref_frame.v),
                       (dis_luma, dis_frame.u, dis_frame.v))

        try:
            return score_frames(pairs(), width=geometry.width, height=geometry.height, bitdepth=geometry.bitdepth,
                                pixel_format=geometry.pixel_format, models=models, features=features,
                                frame_hook=(lambda _i: bar.update(1)) if bar is not None else None,
                                per_frame_columns=per_frame_columns, subsample=subsample,
                                libvmaf_convention=libvmaf_convention, rcpss=rcpss, threads=threads)
        finally:
            if bar is not None:
                bar.close()


def _stage_session(extractors: Sequence[FeatureExtractor], plan: Sequence[tuple[str, Mapping[str, Any]]],
                   width: int, height: int, bitdepth: int, pixel_format: str) -> Any:
    """Open the compiled stages' session of this run: with a store of executables, those the
    last run of the same plan and geometry used load ahead on background threads (specs/startup.md)."""
    from vmafref.features._compiled import plan_session

    session = plan_session(_plan_key(extractors, plan, width, height, bitdepth, pixel_format))
    session.__enter__()
    return session


def _plan_key(extractors: Sequence[FeatureExtractor], plan: Sequence[tuple[str, Mapping[str, Any]]],
              width: int, height: int, bitdepth: int, pixel_format: str) -> str:
    """What names a run's set of compiled stages in the store (its extractors, options, geometry)."""
    classes = [f"{type(e).__module__}.{type(e).__qualname__}" for e in extractors]
    return repr((classes, list(plan), width, height, bitdepth, pixel_format))


def _compile_cpu_seconds() -> float:
    from vmafref.features._compiled import compile_cpu_seconds

    return compile_cpu_seconds()


def _scoring_cpu_seconds(start: float, compile_start: float, session: Any) -> float:
    """CPU seconds since ``start`` less those spent compiling or loading stages: ``fps`` counts
    scoring time only, as libvmaf's does (its clock starts with the first feature value)."""
    session.__exit__(None, None, None)
    spent = time.process_time() - start - (_compile_cpu_seconds() - compile_start)
    return max(spent, 1e-9)


def score_many(jobs: Iterable[tuple[Any, Any] | Mapping[str, Any]], **common: Any) -> Iterable[ScoreResult]:
    """Score many pairs in this process, one :class:`ScoreResult` each, in order (a generator).

    Each job is ``(reference, distorted)`` or a mapping of :func:`score`'s arguments
    (``{"reference": …, "distorted": …, "width": …}``); ``common`` holds the arguments every job
    shares (a job's own win). Compiled stages are kept per process, so pairs of the same shape
    and options after the first run no compilation (specs/startup.md).
    """
    for job in jobs:
        arguments = dict(common)
        if isinstance(job, Mapping):
            arguments.update(job)
        else:
            arguments["reference"], arguments["distorted"] = job
        reference, distorted = arguments.pop("reference"), arguments.pop("distorted")
        yield score(reference, distorted, **arguments)
