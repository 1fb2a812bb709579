"""Real-content sources for the ``resource`` corpus: Netflix/vmaf_resource and scikit-image.

Every source is a clip of :data:`CLIP_FRAMES` frames of :data:`CLIP_WIDTH` × :data:`CLIP_HEIGHT`
pixels cut at native resolution (a crop, never a resize) from a public file:

* **video** sources with at least :data:`CLIP_FRAMES` frames give their first frames, cropped
  at the centre;
* **still** sources (images, and clips with fewer frames) give a pan over their first frame:
  frame ``t`` is the crop moved by ``(PAN_DY·t, PAN_DX·t)`` whole pixels, so no pixel is
  interpolated.

Sources keep their bit depth (8 or 10); 4:4:4 and RGB sources become 4:2:0 by averaging each
2×2 chroma block (RGB through Pillow's JPEG YCbCr matrix, which is what a JPEG holds), and
grey images get neutral chroma. See specs/corpus/resource_corpus.md §2.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vmafref.corpus.ffmpeg import sha256_file

__all__ = [
    "CLIP_WIDTH", "CLIP_HEIGHT", "CLIP_FRAMES", "PAN_DX", "PAN_DY",
    "ResourceSource", "Clip", "SourceUnavailableError", "RESOURCE_SOURCES",
    "load_clip", "source_file", "skimage_data_dir",
]

CLIP_WIDTH = 320
CLIP_HEIGHT = 240
CLIP_FRAMES = 8
PAN_DX = 2
PAN_DY = 1

_VMAF_RESOURCE = ("Netflix/vmaf_resource (https://github.com/Netflix/vmaf_resource), "
                  "BSD-2-Clause-Patent, Copyright Netflix, Inc.")
_BSDS = ("Berkeley Segmentation Dataset image as distributed in Netflix/vmaf_resource "
         "(BSD-2-Clause-Patent); D. Martin, C. Fowlkes, D. Tal, J. Malik, ICCV 2001, "
         "doi:10.1109/ICCV.2001.937655")
_SKIMAGE = "scikit-image's bundled data (skimage/data, BSD-3-Clause package); image credit: "


class SourceUnavailableError(FileNotFoundError):
    """A source file is missing from the resource checkout or the installed package."""


@dataclass(frozen=True)
class ResourceSource:
    """One source: where its file lies and how to read it.

    ``origin`` is ``"vmaf_resource"`` (``path`` relative to the repository root) or
    ``"skimage"`` (``path`` a file name in scikit-image's data folder). ``layout`` is
    ``yuv420``/``yuv444`` raw planes, ``y4m``, ``container`` (decoded by ffmpeg) or ``image``.
    """

    name: str
    origin: str
    path: str
    layout: str
    width: int = 0
    height: int = 0
    bitdepth: int = 8
    frames: int = 1
    licence: str = ""
    crop_origin: tuple[int, int] | None = None  # (top, left) where the centre crop would be flat

    def describe(self) -> dict:
        return {"name": self.name, "origin": self.origin, "path": self.path, "layout": self.layout,
                "width": self.width, "height": self.height, "bitdepth": self.bitdepth, "licence": self.licence}


def _vr(name, path, layout, width=0, height=0, bitdepth=8, frames=1, licence=_VMAF_RESOURCE, crop_origin=None):
    return ResourceSource(name, "vmaf_resource", "python/test/resource/" + path, layout, width, height, bitdepth,
                          frames, licence, crop_origin)


def _sk(name, file, credit):
    return ResourceSource(name, "skimage", file, "image", licence=_SKIMAGE + credit)


_BSDS_IDS = ("100007", "100039", "100075", "100098", "100099", "10081", "101027", "102062")

#: The catalogue, in a fixed order (source ids are these names).
RESOURCE_SOURCES: tuple[ResourceSource, ...] = (
    _vr("src01", "yuv/src01_hrc00_576x324.yuv420p10le.yuv", "yuv420", 576, 324, 10, 3),
    _vr("sparks", "yuv/sparks_ref_480x270.yuv42010le.yuv", "yuv420", 480, 270, 10, 5),
    _vr("park_joy", "y4m/park_joy_420_720p50_frm0to9_480x270.y4m", "y4m"),
    _vr("blue_sky", "yuv/blue_sky_360p_60f.yuv", "yuv420", 640, 360, 8, 3),
    _vr("kristen_and_sara", "yuv/KristenAndSara_1280x720_8bit_processed.yuv", "yuv420", 1280, 720),
    _vr("archer", "yuv/archer_ref_frm20.yuv", "yuv420", 1920, 1080, crop_origin=(0, 1584)),  # centre is black
    _vr("dark_scene", "yuv/dark_scene_case/dark_scene_1920x1080_420p_ref.yuv", "yuv420", 1920, 1080),
    _vr("hall", "yuv/hall_cif_frm_0_frm_0.yuv", "yuv420", 352, 288),
    _vr("akiyo", "yuv/refp_vmaf_hacking_investigation_0_0_akiyo_cif_notyuv_0to0_identity_vs_akiyo_cif_notyuv_0to0_"
                 "multiply_q_352x288", "yuv420", 352, 288),
    *(_vr(f"bsds_{i}", f"test_image_yuv/{i}.yuv", "yuv444", 481, 321, licence=_BSDS) for i in _BSDS_IDS),
    _vr("img_1012576", "test_image_yuv/1012576_0m14s_15.yuv", "yuv444", 720, 486),
    _vr("bikes", "test_images/bikes.jpg", "image"),
    _vr("seeking", "mp4/Seeking_30_480_1050.mp4", "container", 720, 480, 8, 150),
    _sk("astronaut", "astronaut.png", "NASA, released into the public domain"),
    _sk("camera", "camera.png", "Lav Varshney, CC0"),
    _sk("chelsea", "chelsea.png", "Stefan van der Walt, CC0"),
    _sk("coffee", "coffee.png", "Rachel Michetti (courtesy of Pikolo Espresso Bar), CC0"),
    _sk("coins", "coins.png", "Brooklyn Museum via scikit-image, no known copyright restrictions"),
    _sk("hubble", "hubble_deep_field.jpg", "NASA, public domain"),
    _sk("rocket", "rocket.jpg", "SpaceX, released into the public domain"),
    _sk("retina", "retina.jpg", "Mikael Häggström, CC0 1.0"),
    _sk("brick", "brick.png", "CC0Textures (Bricks25), CC0"),
    _sk("grass", "grass.png", "CC0Textures, CC0"),
    _sk("gravel", "gravel.png", "CC0Textures (Gravel04), CC0"),
    _sk("ihc", "ihc.png", "immunohistochemistry sample via scikit-image, no known copyright restrictions"),
)


@dataclass(frozen=True)
class Clip:
    """A 4:2:0 clip: ``y`` [T, H, W], ``u``/``v`` [T, H/2, W/2], uint8 or uint16 (10-bit)."""

    name: str
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    bitdepth: int
    mode: str  # "video" or "pan"
    source_sha256: str

    @property
    def pix_fmt(self) -> str:
        return "yuv420p" if self.bitdepth == 8 else f"yuv420p{self.bitdepth}le"

    def raw_bytes(self) -> bytes:
        """The clip as planar little-endian raw video (what ffmpeg's rawvideo reads)."""
        dtype = "<u2" if self.bitdepth > 8 else "u1"
        return b"".join(plane[t].astype(dtype).tobytes() for t in range(len(self.y))
                        for plane in (self.y, self.u, self.v))

    def sha256(self) -> str:
        return hashlib.sha256(self.raw_bytes()).hexdigest()


def skimage_data_dir() -> Path:
    """scikit-image's bundled data folder (found without importing scikit-image)."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise SourceUnavailableError("scikit-image is not installed; pip install 'vmafref[corpus]' "
                                     "(it pins the scikit-image release whose images the corpus uses)")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def skimage_version() -> str | None:
    try:
        return importlib.metadata.version("scikit-image")
    except importlib.metadata.PackageNotFoundError:
        return None


def source_file(source: ResourceSource, resource_root: Path | None) -> Path:
    """The file a source is read from; :class:`SourceUnavailableError` when it is missing."""
    if source.origin == "skimage":
        path = skimage_data_dir() / source.path
    else:
        if resource_root is None:
            raise SourceUnavailableError(f"source {source.name} needs --resource-root (a clone of Netflix/vmaf_resource)")
        path = Path(resource_root) / source.path
    if not path.is_file():
        raise SourceUnavailableError(f"source {source.name}: {path} is missing (is the vmaf_resource clone complete?)")
    return path


def _subsample_chroma(plane: np.ndarray) -> np.ndarray:
    """Mean of each 2×2 block, rounded half up (odd edges repeat their last row/column)."""
    h, w = plane.shape
    padded = np.pad(plane.astype(np.int64), ((0, h % 2), (0, w % 2)), mode="edge")
    total = padded[0::2, 0::2] + padded[1::2, 0::2] + padded[0::2, 1::2] + padded[1::2, 1::2]
    return ((total + 2) // 4).astype(plane.dtype)


def _read_raw(path: Path, source: ResourceSource) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    dtype = np.dtype("<u2") if source.bitdepth > 8 else np.dtype("u1")
    w, h = source.width, source.height
    cw, ch = ((w + 1) // 2, (h + 1) // 2) if source.layout == "yuv420" else (w, h)
    luma, chroma = w * h, cw * ch
    data = np.fromfile(path, dtype=dtype)
    per_frame = luma + 2 * chroma
    if data.size < per_frame or data.size % per_frame:
        raise SourceUnavailableError(f"source {source.name}: {path.name} holds {data.size} samples, not a whole "
                                     f"number of {w}x{h} {source.layout} frames")
    frames = []
    for start in range(0, data.size, per_frame):
        y = data[start:start + luma].reshape(h, w)
        u = data[start + luma:start + luma + chroma].reshape(ch, cw)
        v = data[start + luma + chroma:start + per_frame].reshape(ch, cw)
        if source.layout == "yuv444":
            u, v = _subsample_chroma(u), _subsample_chroma(v)
        frames.append((y, u, v))
    return frames


def _read_y4m(path: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    from vmafref.io.y4m import parse_y4m_header

    with open(path, "rb") as handle:
        header = parse_y4m_header(handle.readline(), path.name)
        w, h = header.geometry.width, header.geometry.height
        cw, ch = (w + 1) // 2, (h + 1) // 2
        frames = []
        while handle.readline().startswith(b"FRAME"):
            data = np.frombuffer(handle.read(header.payload_bytes), dtype=np.uint8)
            frames.append((data[:w * h].reshape(h, w), data[w * h:w * h + cw * ch].reshape(ch, cw),
                           data[w * h + cw * ch:w * h + 2 * cw * ch].reshape(ch, cw)))
    return frames


def _read_container(path: Path, source: ResourceSource, frames: int) -> list[tuple[np.ndarray, ...]]:
    command = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
               "-frames:v", str(frames), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"]
    try:
        result = subprocess.run(command, capture_output=True, check=False)
    except OSError as error:
        raise SourceUnavailableError(f"source {source.name}: ffmpeg is needed to decode {path.name} ({error})") from None
    if result.returncode != 0:
        raise SourceUnavailableError(f"source {source.name}: ffmpeg could not decode {path.name}: "
                                     f"{result.stderr.decode(errors='replace')[-500:]}")
    data = np.frombuffer(result.stdout, dtype=np.uint8)
    w, h = source.width, source.height
    luma, chroma = w * h, (w // 2) * (h // 2)
    per_frame = luma + 2 * chroma
    return [(data[s:s + luma].reshape(h, w), data[s + luma:s + luma + chroma].reshape(h // 2, w // 2),
             data[s + luma + chroma:s + per_frame].reshape(h // 2, w // 2))
            for s in range(0, data.size - per_frame + 1, per_frame)]


def _read_image(path: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        if image.mode in ("L", "I;16", "I", "1"):
            y = np.asarray(image.convert("L"), dtype=np.uint8)
            neutral = np.full(((y.shape[0] + 1) // 2, (y.shape[1] + 1) // 2), 128, np.uint8)
            return [(y, neutral, neutral.copy())]
        ycbcr = np.asarray(image.convert("RGB").convert("YCbCr"), dtype=np.uint8)
    return [(ycbcr[..., 0], _subsample_chroma(ycbcr[..., 1]), _subsample_chroma(ycbcr[..., 2]))]


def _frames(source: ResourceSource, path: Path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    if source.layout in ("yuv420", "yuv444"):
        return _read_raw(path, source)
    if source.layout == "y4m":
        return _read_y4m(path)
    if source.layout == "container":
        return _read_container(path, source, CLIP_FRAMES)
    return _read_image(path)


def load_clip(source: ResourceSource, resource_root: Path | None) -> Clip:
    """The source's clip (module docstring); deterministic for a given file."""
    path = source_file(source, resource_root)
    frames = _frames(source, path)
    h, w = frames[0][0].shape
    if w < CLIP_WIDTH + PAN_DX * CLIP_FRAMES or h < CLIP_HEIGHT + PAN_DY * CLIP_FRAMES:
        raise SourceUnavailableError(f"source {source.name} is {w}x{h}, smaller than the "
                                     f"{CLIP_WIDTH}x{CLIP_HEIGHT} crop and its pan")
    video = len(frames) >= CLIP_FRAMES
    # Crop origin on the chroma grid (even), centred.
    top = ((h - CLIP_HEIGHT - (0 if video else PAN_DY * CLIP_FRAMES)) // 2) & ~1
    left = ((w - CLIP_WIDTH - (0 if video else PAN_DX * CLIP_FRAMES)) // 2) & ~1
    if source.crop_origin is not None:
        top, left = source.crop_origin
    ys, us, vs = [], [], []
    for t in range(CLIP_FRAMES):
        y_plane, u_plane, v_plane = frames[t] if video else frames[0]
        dy, dx = (0, 0) if video else (PAN_DY * t, PAN_DX * t)
        ys.append(y_plane[top + dy:top + dy + CLIP_HEIGHT, left + dx:left + dx + CLIP_WIDTH])
        # A whole-pixel luma pan is a half-pixel chroma pan for odd shifts; chroma follows the
        # even part of the shift (chroma does not enter the features or the networks' inputs).
        cy, cx = (top + dy) // 2, (left + dx) // 2
        us.append(u_plane[cy:cy + CLIP_HEIGHT // 2, cx:cx + CLIP_WIDTH // 2])
        vs.append(v_plane[cy:cy + CLIP_HEIGHT // 2, cx:cx + CLIP_WIDTH // 2])
    dtype = np.uint16 if source.bitdepth > 8 else np.uint8
    stack = lambda planes: np.ascontiguousarray(np.stack(planes).astype(dtype))  # noqa: E731
    return Clip(source.name, stack(ys), stack(us), stack(vs), source.bitdepth, "video" if video else "pan",
                sha256_file(path))
