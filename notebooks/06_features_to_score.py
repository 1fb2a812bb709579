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
# # From features to a score: the SVR, clipping, gradients and "VMAF hacking"
#
# VMAF (Z. Li et al., ["Toward a practical perceptual video quality metric"](https://netflixtechblog.com/toward-a-practical-perceptual-video-quality-metric-653f208b9652),
# Netflix Technology Blog, 2016) fuses its six features with a ν-support-vector regressor:
#
# $$x_j = a_j f_j + b_j,\qquad y = \sum_i c_i\, e^{-\gamma \lVert x - s_i\rVert^2} - \rho,\qquad
# \mathrm{VMAF} = \mathrm{clip}_{[0, 100]}\big((y - b_0)/a_0\big).$$
#
# `vmafref.differentiable.vmaf_differentiable` is that whole chain — float features, SVR, mean
# pooling — in JAX, so `jax.grad` gives the derivative of the clip's score with respect to every
# pixel of the distorted frames (specs/differentiable.md §5–§6).

# %%
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

from vmafref.differentiable import float_features_libvmaf, svr_scores_differentiable, vmaf_differentiable
from vmafref.teaching import example_clips
from vmafref.vmaf_model import load_model

model = load_model("vmaf_float_v0.6.1")
print([f.name for f in model.features])
print(len(model.svm.coefficients), "support vectors, gamma", model.svm.gamma, ", clip", model.clip)

ref, dis = example_clips(frame_count=2)  # two frames: derivatives compile per stage
ref_f = ref.astype(np.float32)
dis_f = dis.astype(np.float32)
features = {k: np.asarray(v) for k, v in float_features_libvmaf(ref_f - 128, dis_f - 128).items()}
features

# %% [markdown]
# ## The regressor, one feature at a time
# Frame 1's features, with one of them swept. Above some point the prediction exceeds 100 and
# is clipped: there the score has no derivative.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3))
for ax, name, grid in ((axes[0], "adm2", np.linspace(0.6, 1.05, 91)),
                       (axes[1], "vif_scale0", np.linspace(0.2, 1.05, 86)),
                       (axes[2], "motion2", np.linspace(0, 20, 81))):
    swept = {k: jnp.full(grid.shape, float(features[k][1])) for k in features}
    swept[name] = jnp.asarray(grid, jnp.float32)
    clipped = svr_scores_differentiable(swept, model)
    unclipped = svr_scores_differentiable(swept, load_model("vmaf_float_v0.6.1", disable_clip=True))
    ax.plot(grid, unclipped, "--", color="gray", label="before the clip")
    ax.plot(grid, clipped, label="VMAF")
    ax.axvline(float(features[name][1]), color="k", lw=0.6)
    ax.set_xlabel(name)
    ax.legend(fontsize="small")

# %% [markdown]
# ## The gradient of VMAF with respect to the distorted frames
# The value is the float path's (equal to `vmafref score` with `vmaf_float_v0.6.1`); the
# derivative is the smooth formulas' (specs/differentiable.md §5).

# %%
# Eager: each stage is compiled on its own (one program for the whole chain compiles far slower).
value_and_grad = jax.value_and_grad(lambda d: vmaf_differentiable(ref_f, d))
value, grad = value_and_grad(dis_f)
print("VMAF", float(value))
fig, axes = plt.subplots(1, 2, figsize=(12, 2.6))
axes[0].imshow(dis[1], cmap="gray")
axes[0].set_title("distorted, frame 1")
lim = float(np.abs(np.asarray(grad[1])).max())
im = axes[1].imshow(np.asarray(grad[1]), cmap="RdBu", vmin=-lim, vmax=lim)
axes[1].set_title("∂ VMAF / ∂ pixel")
fig.colorbar(im, ax=axes[1])
for ax in axes:
    ax.axis("off")

# %% [markdown]
# The gradient lives on edges and texture: VMAF rewards detail there. That is why
# **sharpening raises VMAF** — a known weakness ("VMAF hacking"): an unsharp mask adds
# high-frequency contrast that ADM and VIF read as restored detail, though it is not in the
# reference.

# %%
from scipy.ndimage import gaussian_filter

score_of = lambda d: vmaf_differentiable(ref_f, d)  # noqa: E731
amounts = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5]
sharpened = []
for amount in amounts:
    detail = dis_f - gaussian_filter(dis_f, sigma=(0, 1.0, 1.0))
    sharp = np.clip(np.round(dis_f + amount * detail), 0, 255).astype(np.float32)
    psnr = 10 * np.log10(255.0**2 / np.mean((sharp - ref_f) ** 2))
    sharpened.append((amount, float(score_of(sharp)), psnr))
sharpened = np.array(sharpened)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(sharpened[:, 0], sharpened[:, 1], "o-", label="VMAF")
ax.set_xlabel("unsharp-mask amount")
ax.set_ylabel("VMAF")
ax2 = ax.twinx()
ax2.plot(sharpened[:, 0], sharpened[:, 2], "s--", color="tab:red", label="PSNR")
ax2.set_ylabel("PSNR (dB)", color="tab:red")
print(sharpened)

# %% [markdown]
# ## Gradient ascent: raising VMAF without looking more like the reference
# Small steps along the gradient's sign (a quarter of an 8-bit level per step, at most 1.25
# levels in all) lift the score by several points while PSNR against the reference hardly
# moves: the change is invisible to a pixel-difference measure. Once a frame's score reaches
# the clip at 100 its derivative is zero (specs/differentiable.md §6) and the ascent stops there.

# %%
current = dis_f
history = []
for step in range(5):
    value, grad = value_and_grad(current)
    per_frame = vmaf_differentiable(ref_f, current, per_frame=True)
    psnr = 10 * np.log10(255.0**2 / np.mean((np.asarray(current) - ref_f) ** 2))
    history.append((step, float(value), psnr))
    print(f"step {step}: VMAF {float(value):.3f} (frames {np.round(np.asarray(per_frame), 3)})  PSNR {psnr:.2f} dB  "
          f"pixels with a zero derivative {float(jnp.mean(grad == 0)):.0%}")
    current = jnp.clip(current + 0.25 * jnp.sign(grad), 0, 255)
