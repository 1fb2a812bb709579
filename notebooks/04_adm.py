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
# # ADM: detail loss against additive impairment
#
# S. Li, F. Zhang, L. Ma and K. N. Ngan, "Image quality assessment by separately evaluating
# detail losses and additive impairments", *IEEE Transactions on Multimedia* 13(5):935–949,
# 2011, [doi:10.1109/TMM.2011.2152382](https://doi.org/10.1109/TMM.2011.2152382).
#
# ADM looks at detail (wavelet) bands. The distorted detail $t$ is split against the
# reference's $o$ into a **restored** part — the reference detail the distortion kept,
# $r = \mathrm{clip}(t/o, 0, 1)\,o$ (or $t$ itself where both point the same way within 1°) —
# and an **additive** part $a = t - r$. Both are weighted by the contrast sensitivity of each
# scale and orientation; restored detail hidden under the additive impairment around it
# (a masking threshold) does not count. Per scale, with $p = 3$,
#
# $$\mathrm{num} = \sum_{hvd}\Big(\sum \max(|\mathrm{csf}(r)| - \mathrm{thr}, 0)^3\Big)^{1/3},\quad
# \mathrm{den} = \sum_{hvd}\Big(\sum |\mathrm{csf}(o)|^3\Big)^{1/3},\quad
# \mathrm{adm2} = \frac{\sum_k \mathrm{num}_k}{\sum_k \mathrm{den}_k}.$$
#
# `vmafref.teaching.float_adm_maps` returns every stage of libvmaf's float ADM (f85a8536,
# `adm.c`, `adm_tools.c`; specs/float_adm.md), bit for bit.

# %%
import matplotlib.pyplot as plt
import numpy as np

from vmafref.features.float_adm import FloatAdmExtractor
from vmafref.teaching import example_clips, float_adm_maps, float_adm_scores

ref, dis = example_clips(frame_count=1)
r = ref[0].astype(np.float32) - 128
d = dis[0].astype(np.float32) - 128
maps = float_adm_maps(r, d)

# %% [markdown]
# ## The db2 wavelet bands of scale 0

# %%
s0 = maps["scales"][0]
fig, axes = plt.subplots(2, 4, figsize=(13, 3.6))
for row, which in enumerate(("ref_bands", "dis_bands")):
    for ax, band in zip(axes[row], ("a", "h", "v", "d")):
        values = np.asarray(s0[which][band])
        lim = np.abs(values).max() if band != "a" else None
        ax.imshow(values, cmap="gray" if band == "a" else "RdBu", vmin=-lim if lim else None, vmax=lim)
        ax.set_title(f"{which.split('_')[0]} {band}")
        ax.axis("off")
fig.tight_layout()

# %% [markdown]
# ## Decoupling: restored + additive = distorted detail (horizontal band)

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 2.4))
panels = [("reference o", s0["ref_bands"]["h"]), ("distorted t", s0["dis_bands"]["h"]),
          ("restored r", s0["restored"]["h"]), ("additive a = t − r", s0["additive"]["h"])]
lim = float(np.abs(np.asarray(s0["ref_bands"]["h"])).max())
for ax, (title, values) in zip(axes, panels):
    ax.imshow(np.asarray(values), cmap="RdBu", vmin=-lim, vmax=lim)
    ax.set_title(title)
    ax.axis("off")

# %% [markdown]
# ## Contrast sensitivity and masking
# The CSF factor (from Watson's model, viewing distance 3 picture heights) weighs each scale;
# the threshold is a 3x3 neighbourhood sum of the additive band's `|csf| / 30`.

# %%
for k, entry in enumerate(maps["scales"]):
    print(f"scale {k}: rfactor h/v {entry['rfactors']['h']:.4f}, d {entry['rfactors']['d']:.4f}, "
          f"score region {entry['region']}")
fig, axes = plt.subplots(1, 3, figsize=(12, 2.6))
panels = [("|csf(restored)| (h), region", np.abs(np.asarray(s0["csf_restored"]["h"]))),
          ("masking threshold (from additive)", np.asarray(s0["threshold_num"])),
          ("max(|csf(r)| − thr, 0) (h)", np.asarray(s0["masked_restored"]["h"]))]
for ax, (title, values) in zip(axes, panels):
    im = ax.imshow(values, cmap="magma")
    ax.set_title(title, fontsize="small")
    ax.axis("off")
    fig.colorbar(im, ax=ax, fraction=0.03)

# %% [markdown]
# ## Pooled sums and the production scores

# %%
result = float_adm_scores(maps, width=160, height=90)
production = FloatAdmExtractor(width=160, height=90, bitdepth=8, debug=True).extract(0, ref[0], dis[0])[0]
fig, ax = plt.subplots(figsize=(6, 3))
x = np.arange(4)
ax.bar(x - 0.2, [float(v) for v in result["den"]], 0.4, label="den")
ax.bar(x + 0.2, [float(v) for v in result["num"]], 0.4, label="num")
ax.set_xticks(x, [f"scale {k}" for k in range(4)])
ax.legend()
print("adm2 =", result["scores"]["VMAF_feature_adm2_score"], "production", production["adm2"],
      "equal:", result["scores"]["VMAF_feature_adm2_score"] == production["adm2"])

# %% [markdown]
# ## Blur loses detail, noise adds it
# Blur lowers `adm2` (restored detail is missing); noise leaves the restored detail and adds
# impairment, which ADM largely masks.

# %%
from scipy.ndimage import gaussian_filter

rng = np.random.default_rng(1)
rows = []
for strength in (0.5, 1.0, 1.5, 2.0):
    blurred = np.clip(gaussian_filter(ref[0].astype(float), strength), 0, 255).round().astype(np.float32) - 128
    noisy = np.clip(ref[0] + rng.normal(0, 8 * strength, ref[0].shape), 0, 255).round().astype(np.float32) - 128
    adm_blur = float_adm_scores(float_adm_maps(r, blurred), width=160, height=90)["scores"]["VMAF_feature_adm2_score"]
    adm_noise = float_adm_scores(float_adm_maps(r, noisy), width=160, height=90)["scores"]["VMAF_feature_adm2_score"]
    rows.append((strength, adm_blur, adm_noise))
rows = np.array(rows)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(rows[:, 0], rows[:, 1], "o-", label="Gaussian blur, sigma = s")
ax.plot(rows[:, 0], rows[:, 2], "s-", label="noise, std = 8 s")
ax.set_xlabel("s")
ax.set_ylabel("adm2")
ax.legend();
