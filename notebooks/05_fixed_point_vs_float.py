# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fixed point against float, and bit-exactness against libvmaf
#
# libvmaf (f85a8536, v3.2.0-13) has two implementations of each feature. The **fixed-point**
# ones (`adm`, `vif`, `motion`, keys `integer_*`, model `vmaf_v0.6.1`) use integer arithmetic
# with explicit rounding shifts and lookup-table logarithms: any correct reimplementation gives
# the same bits. The **float** ones (`float_adm`, `float_vif`, `float_motion`, model
# `vmaf_float_v0.6.1`) run in float32 in the C code's order, so reproducing them means
# reproducing that order (no fused multiply-adds, left-to-right sums).
#
# `golden/` holds libvmaf's own outputs at full double precision; here one case is scored with
# vmafref and every key compared.

# %%
import json
import lzma
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vmafref.scoring import ModelRequest, score

GOLDEN = Path("..") / "golden"
manifest = json.loads((GOLDEN / "manifest.json").read_text())
case = next(c for c in manifest["cases"] if c["id"] == "av1_160x90_420_8bit")
expected = json.loads((GOLDEN / case["expected"]).read_text())
print(case["description"], "-", case["frame_count"], "frames,", expected["libvmaf_version"])
print(json.dumps(case["tolerances"], indent=1))

# %%
scratch = Path(tempfile.mkdtemp())
paths = {}
for role in ("reference", "distorted"):
    paths[role] = scratch / f"{role}.yuv"
    paths[role].write_bytes(lzma.decompress((GOLDEN / case[role]["file"]).read_bytes()))


def run(run_id):
    spec = next(r for r in case["runs"] if r["id"] == run_id)
    models = [ModelRequest(version=m["version"], overloads=m.get("overloads", {})) for m in spec["models"]]
    return score(str(paths["reference"]), str(paths["distorted"]), width=case["width"], height=case["height"],
                 pixel_format=case["pixel_format"], bitdepth=case["bitdepth"], models=models)


# %% [markdown]
# ## The fixed-point run: every key, every frame, difference exactly 0

# %%
integer = run("integer")
libvmaf_integer = expected["runs"]["integer"]["frames"]
worst = max(abs(mine[key] - theirs[key]) for mine, theirs in zip(integer.frames, libvmaf_integer) for key in theirs)
print(len(libvmaf_integer[0]), "keys per frame; largest |vmafref − libvmaf| =", worst)

# %% [markdown]
# ## The float run: within the manifest's tolerance

# %%
floating = run("float")
libvmaf_float = expected["runs"]["float"]["frames"]
differences = {key: max(abs(mine[key] - theirs[key]) for mine, theirs in zip(floating.frames, libvmaf_float))
               for key in libvmaf_float[0]}
exact = sum(1 for value in differences.values() if value == 0)
print(f"{exact} of {len(differences)} keys identical on every frame; largest difference "
      f"{max(differences.values()):.3g} ({max(differences, key=differences.get)})")
# The manifest's rule, |got - expected| <= atol + rtol * |expected|, with the float family's limit
# (this run's model score belongs to it too: its model family is "float", not "vmaf").
limit = case["tolerances"]["float"]["limit"]
within = all(abs(mine[key] - theirs[key]) <= limit["atol"] + limit["rtol"] * abs(theirs[key])
             for mine, theirs in zip(floating.frames, libvmaf_float) for key in theirs)
print("every float key within the manifest's limit:", within)

# %% [markdown]
# ## The two paths measure the same thing, not the same numbers
# The fixed-point features are libvmaf's production defaults; their float counterparts differ
# by the arithmetic (Q-format rounding, table logarithms), not by the algorithm.

# %%
pairs = [("integer_adm2", "adm2"), ("integer_vif_scale0", "vif_scale0"), ("integer_vif_scale3", "vif_scale3"),
         ("integer_motion2", "motion2"), ("vmaf", "vmaf")]
fig, axes = plt.subplots(1, len(pairs), figsize=(15, 2.8))
for ax, (fixed_key, float_key) in zip(axes, pairs):
    a = np.array([f[fixed_key] for f in integer.frames])
    b = np.array([f[float_key] for f in floating.frames])
    ax.plot(a - b, "o-", ms=3)
    ax.set_title(f"{fixed_key} − float", fontsize="small")
    ax.set_xlabel("frame")
fig.tight_layout()
print("pooled vmaf: fixed point", integer.pooled["vmaf"]["mean"], " float", floating.pooled["vmaf"]["mean"])
