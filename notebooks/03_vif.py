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
# # VIF: visual information fidelity
#
# H. R. Sheikh and A. C. Bovik, "Image information and visual quality", *IEEE Transactions on
# Image Processing* 15(2):430–444, 2006, [doi:10.1109/TIP.2005.859378](https://doi.org/10.1109/TIP.2005.859378).
#
# VIF models the distorted signal as the reference through a local gain $g$ plus additive
# noise of variance $\sigma_v^2$, and the eye as adding noise $\sigma_n^2$ (`vif_sigma_nsq` = 2) to
# both. In Gaussian windows (17, 9, 5, 3 taps on four scales):
#
# $$\sigma_1^2 = \overline{x^2} - \mu_1^2,\quad \sigma_2^2 = \overline{y^2} - \mu_2^2,\quad
# \sigma_{12} = \overline{xy} - \mu_1\mu_2,\quad g = \sigma_{12}/\sigma_1^2,\quad \sigma_v^2 = \sigma_2^2 - g\,\sigma_{12}$$
#
# $$\mathrm{num} = \log_2\!\left(1 + \frac{g^2\sigma_1^2}{\sigma_v^2 + \sigma_n^2}\right),\qquad
# \mathrm{den} = \log_2\!\left(1 + \frac{\sigma_1^2}{\sigma_n^2}\right),\qquad
# \mathrm{vif\_scale}k = \frac{\sum \mathrm{num}}{\sum \mathrm{den}}.$$
#
# `vmafref.teaching.float_vif_maps` returns every one of these planes from libvmaf's float
# VIF (f85a8536, `vif.c`, `vif_tools.c`; specs/float_vif.md), bit for bit.

# %%
import matplotlib.pyplot as plt
import numpy as np

from vmafref.features.float_vif import FloatVifExtractor, float_vif_accumulators
from vmafref.teaching import example_clips, float_vif_maps, float_vif_scores

ref, dis = example_clips(frame_count=1)
r = ref[0].astype(np.float32) - 128
d = dis[0].astype(np.float32) - 128
maps = float_vif_maps(r, d)

# %% [markdown]
# ## The pyramid
# Each scale filters the previous one and keeps every other row and column.

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 2.2))
for k, (ax, entry) in enumerate(zip(axes, maps["scales"])):
    ax.imshow(np.asarray(entry["ref"]), cmap="gray")
    ax.set_title(f"scale {k}: {entry['ref'].shape[1]}x{entry['ref'].shape[0]}")
    ax.axis("off")

# %% [markdown]
# ## Local statistics at scale 0

# %%
s0 = maps["scales"][0]
names = ["mu1", "sigma1_sq", "sigma2_sq", "sigma12", "g", "sv_sq", "num_map", "den_map"]
fig, axes = plt.subplots(2, 4, figsize=(14, 4.4))
for ax, name in zip(axes.flat, names):
    values = np.asarray(s0[name])
    if name in ("sigma1_sq", "sigma2_sq", "sv_sq"):
        values = np.log10(values + 1e-3)
        name = f"log10 {name}"
    im = ax.imshow(values, cmap="viridis")
    ax.set_title(name)
    ax.axis("off")
    fig.colorbar(im, ax=ax, fraction=0.03)
fig.tight_layout()

# %% [markdown]
# Where the reference is flat ($\sigma_1^2 < \sigma_n^2$) libvmaf counts one unit of `den` and
# `1 − σ2²·σn⁴/255²` of `num`: nearly perfect fidelity. Elsewhere `g` < 1 is a loss of
# contrast (blur, compression) and a large `sv_sq` is added noise.

# %%
for k, entry in enumerate(maps["scales"]):
    low = np.asarray(entry["sigma1_sq"]) < 2.0  # vif_sigma_nsq
    print(f"scale {k}: low-variance pixels {low.mean():.1%}, mean g {float(np.asarray(entry['g']).mean()):.4f}, "
          f"mean sv_sq {float(np.asarray(entry['sv_sq']).mean()):.3f}")

# %% [markdown]
# ## From sums to scores: the same as the production extractor

# %%
scores = float_vif_scores(maps)
extractor = FloatVifExtractor(width=160, height=90, bitdepth=8, debug=True)
production = extractor.extract(0, ref[0], dis[0])[0]
for k in range(4):
    mine = scores[f"VMAF_feature_vif_scale{k}_score"]
    print(f"vif_scale{k} = {float(maps['scales'][k]['num']):.4f} / {float(maps['scales'][k]['den']):.4f} "
          f"= {mine:.9f}   production {production[f'vif_scale{k}']:.9f}   equal: {mine == production[f'vif_scale{k}']}")

# %% [markdown]
# ## VIF against noise
# More noise: less of the reference's information survives, most of all at the fine scales.

# %%
rng = np.random.default_rng(0)
levels = [0, 2, 5, 10, 20]
curves = []
for sigma in levels:
    noisy = np.clip(ref[0] + rng.normal(0, sigma, ref[0].shape), 0, 255).round().astype(np.float32) - 128
    num, den = float_vif_accumulators(r, noisy)
    curves.append(np.asarray(num) / np.asarray(den))
curves = np.array(curves)
fig, ax = plt.subplots(figsize=(7, 3))
for k in range(4):
    ax.plot(levels, curves[:, k], "o-", label=f"vif_scale{k}")
ax.set_xlabel("noise standard deviation (8-bit levels)")
ax.set_ylabel("VIF")
ax.legend();
