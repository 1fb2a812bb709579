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
# # VMAF in one page
#
# VMAF (Video Multi-method Assessment Fusion; Z. Li, A. Aaron, I. Katsavounidis, A. Moorthy and
# M. Manohara, ["Toward a practical perceptual video quality metric"](https://netflixtechblog.com/toward-a-practical-perceptual-video-quality-metric-653f208b9652),
# Netflix Technology Blog, 2016) predicts how a viewer would rate a distorted video against its
# reference, on a 0–100 scale. Per frame it computes a few *elementary features* and fuses them
# with a support-vector regressor trained on subjective scores:
#
# | feature | what it measures | notebook |
# |---|---|---|
# | `vif_scale0..3` | information fidelity on four scales (Sheikh & Bovik 2006) | 03 |
# | `adm2` | detail loss against additive impairment (Li et al. 2011) | 04 |
# | `motion2` | temporal activity of the *reference* | 02 |
#
# The clip's score is the mean of the frame scores. vmafref reproduces libvmaf at commit
# f85a8536 (v3.2.0-13); this notebook scores the example pair `vmafref score --example` uses:
# libvmaf's own src01 160x90 test clips.

# %%
import matplotlib.pyplot as plt
import numpy as np

from vmafref.scoring import score
from vmafref.teaching import example_clips

ref, dis = example_clips(frame_count=24)  # 24 of the 48 frames keep the notebook quick
ref.shape, ref.dtype

# %% [markdown]
# ## The pair
# Luma only: VMAF v0.6.1 never looks at chroma.

# %%
frame = 12
fig, axes = plt.subplots(1, 3, figsize=(12, 2.6))
axes[0].imshow(ref[frame], cmap="gray", vmin=0, vmax=255)
axes[0].set_title(f"reference, frame {frame}")
axes[1].imshow(dis[frame], cmap="gray", vmin=0, vmax=255)
axes[1].set_title("distorted")
im = axes[2].imshow(dis[frame].astype(int) - ref[frame].astype(int), cmap="RdBu", vmin=-40, vmax=40)
axes[2].set_title("distorted − reference")
fig.colorbar(im, ax=axes[2])
for ax in axes:
    ax.axis("off")

# %% [markdown]
# ## Score it
# `score` runs libvmaf's pipeline: the fixed-point features (`integer_*`, bit-exact with
# libvmaf) and the `vmaf_v0.6.1` model.

# %%
result = score(ref, dis, bitdepth=8)
keys = ["integer_adm2", "integer_motion2", "integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2",
        "integer_vif_scale3", "vmaf"]
for key in keys:
    print(f"{key:22s} mean {result.pooled[key]['mean']:.6f}   min {result.pooled[key]['min']:.6f}")

# %%
frames = np.arange(len(result.frames))
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True)
top.plot(frames, [f["vmaf"] for f in result.frames], "k-", label=f"vmaf (mean {result.pooled['vmaf']['mean']:.2f})")
top.set_ylabel("VMAF")
top.legend()
for key in keys[:-1]:
    values = [f[key] for f in result.frames]
    bottom.plot(frames, values / np.max(values) if key == "integer_motion2" else values,
                label=key + (" (÷ max)" if key == "integer_motion2" else ""))
bottom.set_xlabel("frame")
bottom.set_ylabel("feature")
bottom.legend(fontsize="small", ncol=2);

# %% [markdown]
# ## From features to a score
# Each feature is rescaled linearly, the regressor sums radial basis functions around its
# support vectors, the result is mapped back and clipped to [0, 100] (notebook 06 opens this
# box). The model's prediction for frame 12 from its six features:

# %%
from vmafref.vmaf_model import load_model

model = load_model("vmaf_v0.6.1")
print([f.name for f in model.features], len(model.svm.coefficients), "support vectors")
row = result.frames[frame]
print(model.predict(row, tuple(keys[:-1])), "==", row["vmaf"])
