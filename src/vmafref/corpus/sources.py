"""Procedural clean sources for the public corpus: seeded numpy textures panned, zoomed, moved.

Every source is a pure function of ``(kind, seed, width, height, frames)``: the same numpy
gives the same bytes, and the corpus records each source's sha256 so a rebuild can check it.
The kinds cover what natural video offers a quality model: 1/f texture, smooth gradients
with hard edges, fine periodic detail, text-like glyphs, flat low-contrast regions, dense
high-frequency detail, and several kinds of motion. See specs/corpus/public_corpus.md §2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["SOURCE_KINDS", "SourceSpec", "generate_luma", "generate_yuv420p", "yuv420p_bytes"]


@dataclass(frozen=True)
class SourceSpec:
    """One generated source clip (8-bit 4:2:0)."""

    name: str
    kind: str
    seed: int
    width: int
    height: int
    frames: int
    framerate: float = 25.0

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind {self.kind!r}; known: {sorted(SOURCE_KINDS)}")
        if self.width < 16 or self.height < 16 or self.width % 2 or self.height % 2:
            raise ValueError(f"source {self.name}: {self.width}x{self.height} must be even and at least 16x16")
        if self.frames < 2:
            raise ValueError(f"source {self.name}: needs at least 2 frames (motion compares neighbours)")


def _normalise(field: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    span = field.max() - field.min()
    unit = (field - field.min()) / (span if span > 0 else 1.0)
    return low + (high - low) * unit


def _power_law_noise(rng: np.random.Generator, height: int, width: int, beta: float) -> np.ndarray:
    """Gaussian noise with a 1/f^beta power spectrum (natural images have beta near 2), in [0, 1]."""
    white = rng.standard_normal((height, width))
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.rfft2(white) / radius ** (beta / 2.0)
    spectrum[0, 0] = 0.0
    return _normalise(np.fft.irfft2(spectrum, s=(height, width)))


def _bilinear(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sample ``image`` at fractional coordinates (clamped to the border)."""
    h, w = image.shape
    ys = np.clip(ys, 0, h - 1)
    xs = np.clip(xs, 0, w - 1)
    y0 = np.floor(ys).astype(np.int64)
    x0 = np.floor(xs).astype(np.int64)
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    wy = ys - y0
    wx = xs - x0
    top = image[y0, x0] * (1 - wx) + image[y0, x1] * wx
    bottom = image[y1, x0] * (1 - wx) + image[y1, x1] * wx
    return top * (1 - wy) + bottom * wy


def _pan(canvas: np.ndarray, height: int, width: int, frames: int, dy: float, dx: float) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    return np.stack([_bilinear(canvas, ys + 4 + dy * t, xs + 4 + dx * t) for t in range(frames)])


def _fractal_pan(rng, h, w, n):
    canvas = _power_law_noise(rng, h + 8 + 3 * n, w + 8 + 3 * n, 2.0)
    return 16 + 219 * _pan(canvas, h, w, n, 1.0, 2.0)


def _fractal_zoom(rng, h, w, n):
    canvas = _power_law_noise(rng, 2 * h, 2 * w, 1.6)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    frames = []
    for t in range(n):
        scale = 1.0 / (1.0 + 0.04 * t)
        frames.append(_bilinear(canvas, h + (ys - h / 2) * scale, w + (xs - w / 2) * scale))
    return 16 + 219 * np.stack(frames)


def _gradient_shapes(rng, h, w, n):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    angle = rng.uniform(0, np.pi)
    background = 60 + 120 * _normalise(np.cos(angle) * xs + np.sin(angle) * ys)
    shapes = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, w / 5), rng.uniform(4, h / 5),
               rng.uniform(20, 235), rng.uniform(-2, 2), rng.uniform(-1.5, 1.5), rng.integers(0, 2))
              for _ in range(7)]
    frames = []
    for t in range(n):
        frame = background.copy()
        for cx, cy, rx, ry, level, vx, vy, is_ellipse in shapes:
            x0, y0 = cx + vx * t, cy + vy * t
            if is_ellipse:
                inside = ((xs - x0) / rx) ** 2 + ((ys - y0) / ry) ** 2 <= 1.0
            else:
                inside = (np.abs(xs - x0) <= rx) & (np.abs(ys - y0) <= ry)
            frame = np.where(inside, level, frame)
        frames.append(frame)
    return np.stack(frames)


def _text_scroll(rng, h, w, n):
    glyphs = rng.random((40, 7, 5)) < 0.45
    line_height, advance = 10, 6
    rows = (h + n + line_height * 2) // line_height
    cols = w // advance + 1
    page = np.full((rows * line_height, cols * advance), 225.0)
    for r in range(rows):
        words = rng.integers(0, 40, size=cols)
        spaces = rng.random(cols) < 0.18
        for c in range(cols):
            if not spaces[c]:
                glyph = glyphs[words[c]]
                page[r * line_height + 1:r * line_height + 8, c * advance:c * advance + 5][glyph] = 30.0
    return np.stack([page[t:t + h, :w] for t in range(n)])


def _zoneplate(rng, h, w, n):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    k = rng.uniform(0.6, 1.0) * np.pi / max(h, w)
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
    r2 = (xs - cx) ** 2 + (ys - cy) ** 2
    return np.stack([128 + 90 * np.cos(k * r2 + 0.5 * t) for t in range(n)])


def _bricks(rng, h, w, n):
    big_h, big_w = h + 8 + 2 * n, w + 8 + 3 * n
    ys, xs = np.mgrid[0:big_h, 0:big_w]
    brick_h, brick_w = 8, 18
    row = ys // brick_h
    shifted = xs + (row % 2) * (brick_w // 2)
    brick_id = row * 1000 + shifted // brick_w
    tones = rng.uniform(90, 170, size=int(brick_id.max()) + 1)
    canvas = tones[brick_id] + 18 * (_power_law_noise(rng, big_h, big_w, 1.0) - 0.5)
    mortar = (ys % brick_h == 0) | (shifted % brick_w == 0)
    canvas = np.where(mortar, 215.0, canvas)
    return _pan(canvas, h, w, n, 0.5, 1.5)


def _sky(rng, h, w, n):
    canvas = _power_law_noise(rng, h + 8 + n, w + 8 + 2 * n, 3.2)
    return 105 + 50 * _pan(canvas, h, w, n, 0.25, 0.5)


def _foliage(rng, h, w, n):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    count = h * w // 12
    cx, cy = rng.uniform(-4, w + 4, count), rng.uniform(-4, h + 4, count)
    radius = rng.uniform(0.8, 2.6, count)
    tone = rng.uniform(-1, 1, count)
    phase = rng.uniform(0, 2 * np.pi, count)
    frames = []
    for t in range(n):
        field = np.zeros((h, w))
        jitter_x = 0.8 * np.sin(0.7 * t + phase)
        jitter_y = 0.5 * np.cos(0.9 * t + phase)
        for i in range(count):
            x0, y0, r = cx[i] + jitter_x[i], cy[i] + jitter_y[i], radius[i]
            ya, yb = max(int(y0 - 3 * r), 0), min(int(y0 + 3 * r) + 1, h)
            xa, xb = max(int(x0 - 3 * r), 0), min(int(x0 + 3 * r) + 1, w)
            if ya >= yb or xa >= xb:
                continue
            patch = np.exp(-((xs[ya:yb, xa:xb] - x0) ** 2 + (ys[ya:yb, xa:xb] - y0) ** 2) / (2 * r * r))
            field[ya:yb, xa:xb] += tone[i] * patch
        frames.append(field)
    return 128 + 95 * np.tanh(np.stack(frames))


def _waves(rng, h, w, n):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    waves = [(rng.uniform(0.05, 0.4), rng.uniform(0, 2 * np.pi), rng.uniform(0.2, 0.8), rng.uniform(0.3, 1.0))
             for _ in range(6)]
    frames = []
    for t in range(n):
        field = sum(a * np.sin(f * (np.cos(d) * xs + np.sin(d) * ys) - s * t) for f, d, s, a in waves)
        frames.append(field)
    return 128 + 100 * np.stack(frames) / sum(a for *_, a in waves)


def _cells(rng, h, w, n):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    count = 14
    px, py = rng.uniform(0, w, count), rng.uniform(0, h, count)
    vx, vy = rng.uniform(-1, 1, count), rng.uniform(-1, 1, count)
    tones = rng.uniform(40, 220, count)
    frames = []
    for t in range(n):
        d = (xs[None] - (px + vx * t)[:, None, None]) ** 2 + (ys[None] - (py + vy * t)[:, None, None]) ** 2
        order = np.sort(d, axis=0)
        nearest = np.argmin(d, axis=0)
        edge = (np.sqrt(order[1]) - np.sqrt(order[0])) < 1.2
        frames.append(np.where(edge, 20.0, tones[nearest]))
    return np.stack(frames)


SOURCE_KINDS: dict[str, Callable[[np.random.Generator, int, int, int], np.ndarray]] = {
    "fractal_pan": _fractal_pan,
    "fractal_zoom": _fractal_zoom,
    "gradient_shapes": _gradient_shapes,
    "text_scroll": _text_scroll,
    "zoneplate": _zoneplate,
    "bricks": _bricks,
    "sky": _sky,
    "foliage": _foliage,
    "waves": _waves,
    "cells": _cells,
}


def generate_luma(spec: SourceSpec) -> np.ndarray:
    """``(frames, height, width)`` uint8 luma of a source, limited range 16-235 where it matters."""
    rng = np.random.default_rng(spec.seed)
    field = SOURCE_KINDS[spec.kind](rng, spec.height, spec.width, spec.frames)
    return np.clip(np.rint(field), 0, 255).astype(np.uint8)


def generate_yuv420p(spec: SourceSpec) -> np.ndarray:
    """``(frames, bytes_per_frame)`` planar 8-bit 4:2:0; chroma from two smooth seeded fields."""
    luma = generate_luma(spec)
    rng = np.random.default_rng([spec.seed, 1])
    ch, cw = spec.height // 2, spec.width // 2
    drift = _power_law_noise(rng, ch + 4 + spec.frames, cw + 4 + spec.frames, 2.5)
    tint = _power_law_noise(rng, ch + 4 + spec.frames, cw + 4 + spec.frames, 2.5)
    u = 128 + 40 * (_pan(drift, ch, cw, spec.frames, 0.5, 0.5) - 0.5)
    v = 128 + 40 * (_pan(tint, ch, cw, spec.frames, 0.5, -0.5) - 0.5)
    u = np.clip(np.rint(u), 16, 240).astype(np.uint8)
    v = np.clip(np.rint(v), 16, 240).astype(np.uint8)
    return np.concatenate([luma.reshape(spec.frames, -1), u.reshape(spec.frames, -1), v.reshape(spec.frames, -1)], axis=1)


def yuv420p_bytes(spec: SourceSpec) -> bytes:
    return generate_yuv420p(spec).tobytes()
