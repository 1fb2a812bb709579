"""The golden clips' formats and generators (``tools/make_golden.py``; docs/golden.md).

Raw planar YUV and Y4M encoding and decoding of frames (lists of planes), and the seeded
synthetic generators the cases name in the manifest (``source.generator``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vmafref.libvmaf_capi import chroma_shape

# --------------------------------------------------------------------------- clip formats

def sample_dtype(bitdepth: int) -> np.dtype:
    return np.dtype(np.uint8) if bitdepth == 8 else np.dtype("<u2")


def frame_planes_shapes(width: int, height: int, pixel_format: str) -> list[tuple[int, int]]:
    chroma = chroma_shape(width, height, pixel_format)
    return [(height, width)] + ([chroma, chroma] if chroma[0] else [])


def raw_frame_bytes(width: int, height: int, pixel_format: str, bitdepth: int) -> int:
    shapes = frame_planes_shapes(width, height, pixel_format)
    return sum(h * w for h, w in shapes) * sample_dtype(bitdepth).itemsize


def encode_raw(frames: Sequence[Sequence[np.ndarray]], bitdepth: int) -> bytes:
    dtype = sample_dtype(bitdepth)
    return b"".join(np.ascontiguousarray(plane, dtype=dtype).tobytes() for frame in frames for plane in frame)


_Y4M_COLORSPACE = {("420", 8): "420jpeg", ("422", 8): "422", ("444", 8): "444"}


def y4m_colorspace(pixel_format: str, bitdepth: int) -> str:
    if bitdepth == 8:
        return _Y4M_COLORSPACE[(pixel_format, 8)]
    return f"{pixel_format}p{bitdepth}"


def encode_y4m(frames: Sequence[Sequence[np.ndarray]], width: int, height: int, pixel_format: str,
               bitdepth: int) -> bytes:
    header = f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C{y4m_colorspace(pixel_format, bitdepth)}\n"
    dtype = sample_dtype(bitdepth)
    parts = [header.encode()]
    for frame in frames:
        parts.append(b"FRAME\n")
        parts.extend(np.ascontiguousarray(plane, dtype=dtype).tobytes() for plane in frame)
    return b"".join(parts)


def read_frames(data: bytes, container: str, width: int, height: int, pixel_format: str,
                bitdepth: int) -> list[list[np.ndarray]]:
    """Split a whole raw YUV or Y4M clip into per-frame planes (luma first)."""
    dtype = sample_dtype(bitdepth)
    shapes = frame_planes_shapes(width, height, pixel_format)
    plane_bytes = [h * w * dtype.itemsize for h, w in shapes]
    frame_size = sum(plane_bytes)
    frames: list[list[np.ndarray]] = []
    offset = 0
    if container == "y4m":
        end = data.index(b"\n")
        header = data[:end].decode("ascii").split()
        if header[0] != "YUV4MPEG2":
            raise ValueError("not a YUV4MPEG2 stream")
        tags = {token[0]: token[1:] for token in header[1:]}
        if (int(tags["W"]), int(tags["H"])) != (width, height):
            raise ValueError(f"Y4M header says {tags['W']}x{tags['H']}, manifest says {width}x{height}")
        colorspace = tags.get("C", "420jpeg")
        depth = int(colorspace[4:]) if colorspace[3:4] == "p" and colorspace[4:].isdigit() else 8
        if (colorspace[:3], depth) != (pixel_format, bitdepth):
            raise ValueError(f"Y4M colour space {tags.get('C')!r} does not match {pixel_format}/{bitdepth}")
        offset = end + 1
    while offset < len(data):
        if container == "y4m":
            if not data.startswith(b"FRAME", offset):
                raise ValueError(f"expected FRAME at byte {offset}")
            offset = data.index(b"\n", offset) + 1
        if offset + frame_size > len(data):
            raise ValueError(f"clip ends inside frame {len(frames)}")
        planes = []
        for (h, w), size in zip(shapes, plane_bytes):
            planes.append(np.frombuffer(data, dtype=dtype, count=h * w, offset=offset).reshape(h, w))
            offset += size
        frames.append(planes)
    return frames


# ------------------------------------------------------------------------ synthetic clips

def _binomial_blur(image: np.ndarray, passes: int) -> np.ndarray:
    """Separable [1 2 1]/4 blur, ``passes`` times, edges replicated."""
    out = image.astype(np.float64)
    for _ in range(passes):
        for axis in (0, 1):
            padded = np.pad(out, [(1, 1) if a == axis else (0, 0) for a in range(2)], mode="edge")
            lo = np.take(padded, range(0, out.shape[axis]), axis=axis)
            mid = np.take(padded, range(1, out.shape[axis] + 1), axis=axis)
            hi = np.take(padded, range(2, out.shape[axis] + 2), axis=axis)
            out = (lo + 2 * mid + hi) / 4
    return out


def _scene(rng: np.random.Generator, height: int, width: int, margin: int) -> np.ndarray:
    """A smooth textured field with a few sharp-edged shapes, in 8-bit units (float)."""
    field = _binomial_blur(rng.normal(size=(height + 2 * margin, width + 2 * margin)), 6)
    field = (field - field.mean()) / (field.std() + 1e-12)
    fine = _binomial_blur(rng.normal(size=field.shape), 1)
    scene = 128 + 45 * field + 5 * fine / (fine.std() + 1e-12)
    for _ in range(4):
        top, left = rng.integers(0, field.shape[0] - 4), rng.integers(0, field.shape[1] - 4)
        tall, wide = rng.integers(3, max(4, field.shape[0] // 3)), rng.integers(3, max(4, field.shape[1] // 3))
        scene[top:top + tall, left:left + wide] += rng.uniform(-60, 60)
    return scene


def _to_samples(values: np.ndarray, bitdepth: int, low: float = 0.0, high: float = 255.0) -> np.ndarray:
    scale = float(1 << (bitdepth - 8))
    peak = (1 << bitdepth) - 1
    return np.clip(np.rint(np.clip(values, low, high) * scale), 0, peak).astype(sample_dtype(bitdepth))


def _chroma(rng: np.random.Generator, width: int, height: int, pixel_format: str, bitdepth: int) -> list[np.ndarray]:
    ch, cw = chroma_shape(width, height, pixel_format)
    if ch == 0:
        return []
    return [_to_samples(128 + 20 * _binomial_blur(rng.normal(size=(ch, cw)), 3), bitdepth) for _ in range(2)]


def synthetic_texture(*, seed: int, width: int, height: int, frames: int, pixel_format: str, bitdepth: int,
                      noise: float = 6.0, blur: int = 1, identical: bool = False, low: float = 0.0,
                      high: float = 255.0, gain: float = 1.0, offset: float = 128.0) -> tuple[list, list]:
    """A textured scene panning 1 px right per frame, and a blurred, noisy copy of it.

    Values are built in 8-bit units around 128, mapped to ``offset + gain*(v - 128)``,
    clipped to ``[low, high]`` and scaled by ``2**(bitdepth-8)``; ``noise`` is the standard
    deviation of the distortion's Gaussian noise in the same units. ``identical`` makes the
    distorted clip equal the reference.
    """
    rng = np.random.default_rng(seed)
    margin = 2 * frames + 2
    scene = _scene(rng, height, width, margin)
    reference, distorted = [], []
    for index in range(frames):
        view = scene[margin:margin + height, margin - index:margin - index + width]
        view = offset + gain * (view - 128)
        ref_luma = _to_samples(view, bitdepth, low, high)
        chroma = _chroma(rng, width, height, pixel_format, bitdepth)
        reference.append([ref_luma] + chroma)
        if identical:
            distorted.append([ref_luma.copy()] + [plane.copy() for plane in chroma])
            continue
        degraded = _binomial_blur(ref_luma.astype(np.float64) / (1 << (bitdepth - 8)), blur)
        degraded += rng.normal(0, noise, size=degraded.shape)
        distorted.append([_to_samples(degraded, bitdepth, low, high)] + _chroma(rng, width, height, pixel_format,
                                                                               bitdepth))
    return reference, distorted


def synthetic_flat(*, width: int, height: int, pixel_format: str, bitdepth: int, reference_levels: Sequence[int],
                   distorted_levels: Sequence[int]) -> tuple[list, list]:
    """Constant frames (levels in the clip's own sample units); chroma mid-grey."""
    mid = 1 << (bitdepth - 1)
    ch, cw = chroma_shape(width, height, pixel_format)
    dtype = sample_dtype(bitdepth)

    def frame(level: int) -> list[np.ndarray]:
        chroma = [np.full((ch, cw), mid, dtype) for _ in range(2)] if ch else []
        return [np.full((height, width), level, dtype)] + chroma

    return [frame(v) for v in reference_levels], [frame(v) for v in distorted_levels]


def synthetic_banding(*, seed: int, width: int, height: int, frames: int, pixel_format: str, bitdepth: int,
                      low: float, high: float, step: int) -> tuple[list, list]:
    """Dark ramps (levels ``low`` .. ``high`` in 8-bit units, drifting by half a level per
    frame): the reference dithered (Gaussian noise of 0.6 levels before rounding), the
    distorted rounded to multiples of ``step`` samples without dither, so it shows contour
    bands; chroma mid-grey."""
    rng = np.random.default_rng(seed)
    scale = 1 << (bitdepth - 8)
    top = (1 << bitdepth) - 1
    ch, cw = chroma_shape(width, height, pixel_format)
    dtype = sample_dtype(bitdepth)
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    references, distorteds = [], []
    for t in range(frames):
        ramp = (low + (high - low) * (0.75 * x + 0.25 * y) + 0.5 * t) * scale
        noisy = ramp + rng.normal(0.0, 0.6 * scale, size=ramp.shape)
        chroma = [np.full((ch, cw), 1 << (bitdepth - 1), dtype) for _ in range(2)] if ch else []
        references.append([np.clip(np.round(noisy), 0, top).astype(dtype)] + chroma)
        banded = np.round(ramp / step) * step
        distorteds.append([np.clip(banded, 0, top).astype(dtype)] + [c.copy() for c in chroma])
    return references, distorteds


def _box_blur(plane: np.ndarray, radius: int) -> np.ndarray:
    """Separable box blur with edge clamping (only to make smooth test texture)."""
    out = plane
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
        csum = np.cumsum(padded, axis=axis, dtype=np.float64)
        csum = np.concatenate([np.zeros_like(np.take(csum, [0], axis=axis)), csum], axis=axis)
        size = 2 * radius + 1
        out = (np.take(csum, np.arange(size, size + out.shape[axis]), axis=axis)
               - np.take(csum, np.arange(0, out.shape[axis]), axis=axis)) / size
    return out


def _multiscale_texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth multi-scale texture in [0, 1] with a gradient and a few edges."""
    acc = np.zeros((height, width))
    for radius, weight in ((0, 0.15), (1, 0.3), (3, 0.35), (6, 0.4)):
        acc += weight * _box_blur(rng.standard_normal((height, width)), radius) * (2 * radius + 1) ** 0.5
    yy, xx = np.mgrid[0:height, 0:width]
    acc += 0.8 * (xx / width) - 0.5 * (yy / height)
    acc[: height // 3, width // 2:] += 1.0  # an edge
    acc -= acc.min()
    return acc / max(acc.max(), 1e-9)


def feature_luma_pair(kind: str, width: int, height: int, bitdepth: int, frames: int, seed: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Luma clips ``(frames, height, width)`` for the integer VIF and motion cases: a smooth
    multi-scale texture moving 3 px right and 2 px down per frame (``static``: not moving);
    the distorted frame is a blur plus noise (``natural``, ``static``), the reference itself
    (``identical``), a sharpened copy (``sharpened``), flat levels (``flat``), near-black
    texture with noise (``dark``) or random full-scale blocks flipping every frame (``extreme``)."""
    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    big = _multiscale_texture(rng, height + 2 * frames + 8, width + 3 * frames + 8)
    refs, diss = [], []
    for f in range(frames):
        if kind == "static":
            window = big[4: 4 + height, 4: 4 + width]
        else:
            window = big[4 + 2 * f: 4 + 2 * f + height, 4 + 3 * f: 4 + 3 * f + width]
        if kind == "flat":
            ref = np.full((height, width), 0.3 + 0.1 * f)
            dis = np.full((height, width), 0.32 + 0.1 * f)
        elif kind == "dark":
            ref = 0.012 * window + 0.004 * rng.random((height, width))
            dis = ref + 0.004 * rng.standard_normal((height, width))
        elif kind == "extreme":
            cells = rng.integers(0, 2, size=(height // 4 + 1, width // 4 + 1))
            ref = np.kron(cells, np.ones((4, 4)))[:height, :width]
            if f % 2:
                ref = 1.0 - ref
            noise = rng.integers(0, 2, size=(height, width)).astype(np.float64)
            dis = np.where(rng.random((height, width)) < 0.25, noise, ref)
        elif kind == "sharpened":
            ref = window
            dis = ref + 1.5 * (ref - _box_blur(ref, 1))
        else:  # natural, identical, static
            ref = window
            dis = 0.85 * _box_blur(ref, 1) + 0.15 * ref + 0.02 * rng.standard_normal((height, width))
        if kind == "identical":
            dis = ref
        refs.append(np.clip(np.rint(ref * peak), 0, peak).astype(dtype))
        diss.append(np.clip(np.rint(dis * peak), 0, peak).astype(dtype))
    return np.stack(refs), np.stack(diss)


def synthetic_feature_clip(*, kind: str, width: int, height: int, frames: int, seed: int, pixel_format: str,
                           bitdepth: int) -> tuple[list, list]:
    """:func:`feature_luma_pair` as 4:4:4 clips with mid-grey chroma."""
    reference, distorted = feature_luma_pair(kind, width, height, bitdepth, frames, seed)
    ch, cw = chroma_shape(width, height, pixel_format)
    grey = [np.full((ch, cw), 1 << (bitdepth - 1), sample_dtype(bitdepth)) for _ in range(2)] if ch else []
    return ([[luma] + [plane.copy() for plane in grey] for luma in reference],
            [[luma] + [plane.copy() for plane in grey] for luma in distorted])


def _box5(x: np.ndarray) -> np.ndarray:
    """Integer 5x5 box mean with edge padding (floor division)."""
    p = np.pad(x, 2, mode="edge")
    h, w = x.shape
    total = sum(p[i:i + h, j:j + w] for i in range(5) for j in range(5))
    return total // 25


def adm_luma_pair(kind: str, width: int, height: int, bitdepth: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One reference / distorted luma frame (uint8 for 8-bit, uint16 above) for the integer ADM
    cases, seeded, integer arithmetic only (every platform makes the same pixels): blocky
    smooth content with fine noise, and noise, a 2x2 blur, a sharpened copy, the reference
    itself, or (``flat``, ``black``, ``random``) frames of their own."""
    rng = np.random.default_rng(seed)
    maxv = (1 << bitdepth) - 1
    coarse = rng.integers(0, maxv + 1, size=(height // 8 + 2, width // 8 + 2), dtype=np.int64)
    ref = _box5(np.repeat(np.repeat(coarse, 8, axis=0), 8, axis=1)[:height, :width])
    ref = ref + rng.integers(-(maxv // 40), maxv // 40 + 1, size=ref.shape)
    if kind == "noise":
        dis = ref + rng.integers(-(maxv // 16), maxv // 16 + 1, size=ref.shape)
    elif kind == "blur":
        dis = (ref + np.roll(ref, 1, 0) + np.roll(ref, 1, 1) + np.roll(ref, (1, 1), (0, 1))) // 4
    elif kind == "sharpen":
        blur = (ref + np.roll(ref, 1, 0) + np.roll(ref, -1, 0) + np.roll(ref, 1, 1) + np.roll(ref, -1, 1)) // 5
        dis = ref + (3 * (ref - blur)) // 2
    elif kind == "identical":
        dis = ref.copy()
    elif kind == "flat":
        ref = np.full((height, width), maxv // 2 + 3, dtype=np.int64)
        dis = ref + rng.integers(-2, 3, size=ref.shape)
    elif kind == "black":
        low = 3 << (bitdepth - 8)
        ref = rng.integers(0, low, size=(height, width))
        dis = rng.integers(0, low, size=(height, width))
    elif kind == "random":
        ref = rng.integers(0, maxv + 1, size=(height, width))
        dis = rng.integers(0, maxv + 1, size=(height, width))
    else:
        raise ValueError(f"unknown kind {kind!r}")
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    return np.clip(ref, 0, maxv).astype(dtype), np.clip(dis, 0, maxv).astype(dtype)


def synthetic_adm_frame(*, kind: str, width: int, height: int, seed: int, pixel_format: str,
                        bitdepth: int) -> tuple[list, list]:
    """:func:`adm_luma_pair` as one 4:4:4 frame with mid-grey chroma."""
    reference, distorted = adm_luma_pair(kind, width, height, bitdepth, seed)
    ch, cw = chroma_shape(width, height, pixel_format)
    grey = [np.full((ch, cw), 1 << (bitdepth - 1), sample_dtype(bitdepth)) for _ in range(2)] if ch else []
    return [[reference] + [g.copy() for g in grey]], [[distorted] + [g.copy() for g in grey]]


# --------------------------------------------------------------------------- real clips

def trim_raw(data: bytes, width: int, height: int, pixel_format: str, bitdepth: int, frames: int) -> bytes:
    size = raw_frame_bytes(width, height, pixel_format, bitdepth)
    if len(data) < size * frames:
        raise ValueError(f"clip has {len(data) // size} frames, {frames} asked")
    return data[:size * frames]


# -------------------------------------------------------------------------------- cases


def float_feature_clip(*, kind: str, width: int, height: int, frames: int, seed: int, pixel_format: str,
                       bitdepth: int) -> tuple[list, list]:
    """The float-feature clips: a Gaussian-blurred noise texture (scipy, sigma 2) moving by
    (1, 2) pixels a frame, the distorted copy with added noise; ``identical``, ``flat`` (two
    levels 1% apart per frame) and ``dark`` (2% of full scale) variants. 4:4:4, mid-grey chroma."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = sample_dtype(bitdepth)
    base = gaussian_filter(rng.normal(0.5, 0.2, (height, width)), 2.0) + rng.normal(0, 0.05, (height, width))
    grey = np.full((height, width), 1 << (bitdepth - 1), dtype)
    reference, distorted = [], []
    for index in range(frames):
        if kind == "flat":
            ref = np.full((height, width), 0.5)
            dis = ref + (index + 1) * 0.01
        elif kind == "dark":
            ref = 0.02 * np.roll(base, (index, 2 * index), (0, 1))
            dis = ref + rng.normal(0, 0.004, (height, width))
        else:
            ref = np.roll(base, (index, 2 * index), (0, 1))
            dis = ref if kind == "identical" else ref + rng.normal(0, 0.03, (height, width))
        for frames_out, plane in ((reference, ref), (distorted, dis)):
            frames_out.append([np.clip(np.round(plane * peak), 0, peak).astype(dtype), grey.copy(), grey.copy()])
    return reference, distorted


