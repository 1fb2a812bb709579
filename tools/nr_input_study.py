"""How much of a frame's compression damage survives nr_metric_v1's input preprocessing?

Measures, on full-resolution frames of a vmaf_resource clone, the two candidate ways of
turning a frame into the network's 224×224 input — an area resize of the whole frame, or
native-resolution crops (``vmafref.models.release.runtime.nr_input``) — by how much of the damage of
a JPEG ladder of each frame reaches the input: the mean absolute difference between the
inputs made from the coded and from the pristine frame.
A tiny network cannot learn what its input no longer contains. Writes a markdown table (and prints it)::

    python tools/nr_input_study.py --resource-root vmaf_resource --out docs/figures/nr_input_study.md

See specs/models/nr_metric_v1.md §2.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

#: Full-resolution 8-bit frames of vmaf_resource (path, width, height), the larger the better.
FRAMES = (
    ("python/test/resource/yuv/KristenAndSara_1280x720_8bit_processed.yuv", 1280, 720),
    ("python/test/resource/yuv/archer_ref_frm20.yuv", 1920, 1080),
    ("python/test/resource/yuv/dark_scene_case/dark_scene_1920x1080_420p_ref.yuv", 1920, 1080),
    ("python/test/resource/yuv/blue_sky_360p_60f.yuv", 640, 360),
    ("python/test/resource/yuv/hall_cif_frm_0_frm_0.yuv", 352, 288),
)
QUALITIES = (95, 70, 45, 25, 12, 6)


def _jpeg(plane: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(plane, mode="L").save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def _damage(coded_input: np.ndarray, pristine_input: np.ndarray) -> float:
    """Mean absolute difference between the inputs of the coded and the pristine frame, in
    8-bit codes: how much of the damage reaches the network."""
    return float(np.mean(np.abs(np.asarray(coded_input, np.float64) - np.asarray(pristine_input, np.float64))) * 255)


def study(resource_root: Path) -> list[dict]:
    from scipy import stats

    from vmafref.models.datasets.data import fr_feature_rows
    from vmafref.models.release.runtime import area_resize, luma_to_unit, nr_input
    from vmafref.vmaf_model import load_model

    teacher = load_model("vmaf_v0.6.1")

    def resize(plane):
        return area_resize(luma_to_unit(plane, 8), 224, 224)

    results = []
    for relative, width, height in FRAMES:
        path = resource_root / relative
        if not path.is_file():
            print(f"skipping {relative}: not in the clone", file=sys.stderr)
            continue
        luma = np.fromfile(path, np.uint8, count=width * height).reshape(height, width)
        vmaf, resized, cropped = [], [], []
        for quality in QUALITIES:
            coded = _jpeg(luma, quality)
            vmaf.append(teacher.predict(fr_feature_rows(luma[None], coded[None])[0]))
            resized.append(_damage(resize(coded), resize(luma)))
            cropped.append(_damage(nr_input(coded, 8), nr_input(luma, 8)))
        results.append({"frame": Path(relative).name, "size": f"{width}x{height}", "vmaf": vmaf,
                        "damage_resize": resized, "damage_crops": cropped,
                        "srocc_resize": float(stats.spearmanr(resized, vmaf).statistic),
                        "srocc_crops": float(stats.spearmanr(cropped, vmaf).statistic)})
    return results


def to_markdown(results: list[dict]) -> str:
    lines = ["| frame | size | teacher, q95 → q6 | damage reaching the input, area resize (codes) | "
             "damage, native crops (codes) | crops / resize at q70 | at q6 |", "|---|---|---|---|---|---:|---:|"]
    for r in results:
        ratios = [c / d if d > 0 else float("nan") for c, d in zip(r["damage_crops"], r["damage_resize"])]
        lines.append(f"| {r['frame']} | {r['size']} | {r['vmaf'][0]:.1f} → {r['vmaf'][-1]:.1f} | "
                     f"{' / '.join(f'{d:.2f}' for d in r['damage_resize'])} | "
                     f"{' / '.join(f'{d:.2f}' for d in r['damage_crops'])} | {ratios[1]:.1f} | {ratios[-1]:.1f} |")
    lines.append("")
    lines.append(f"JPEG qualities {', '.join(map(str, QUALITIES))} of each full-resolution luma frame; damage = "
                 "mean |input(coded) − input(pristine)| × 255. Both preprocessings order the ladder the same way "
                 "(the damage grows as the teacher falls); what differs is how much of it the network receives.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resource-root", required=True, type=Path, help="a clone of Netflix/vmaf_resource")
    parser.add_argument("--out", type=Path, help="markdown file to write")
    args = parser.parse_args(argv)
    if not args.resource_root.is_dir():
        print(f"error: {args.resource_root} is not a folder", file=sys.stderr)
        return 2
    table = to_markdown(study(args.resource_root))
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
