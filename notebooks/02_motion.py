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
# # Motion: how much the reference moves
#
# VMAF's only temporal feature (Z. Li et al., ["Toward a practical perceptual video quality
# metric"](https://netflixtechblog.com/toward-a-practical-perceptual-video-quality-metric-653f208b9652),
# Netflix Technology Blog, 2016) measures the *reference*, not the distortion: artefacts are
# harder to see in fast motion, so the model discounts them there. With a 5-tap Gaussian blur,
#
# $$m[i] = \frac{1}{wh}\sum |\mathrm{blur}(\mathrm{ref}_{i-1}) - \mathrm{blur}(\mathrm{ref}_i)|,
# \qquad \mathrm{motion2}[i] = \min(m[i], m[i+1]),$$
#
# with $m[0] = 0$ and the last frame's `motion2` its own $m$ (libvmaf f85a8536,
# `float_motion.c`, specs/float_motion.md).

# %%
import matplotlib.pyplot as plt
import numpy as np

from vmafref.features.float_motion import motion_filter
from vmafref.scoring import score
from vmafref.teaching import example_clips, float_motion_clip, float_motion_maps, integer_motion_maps

ref, dis = example_clips()
luma = ref.astype(np.float32) - 128  # libvmaf's float input: p - 128 for 8-bit
print("blur taps", motion_filter(5))

# %% [markdown]
# ## One pair of frames, stage by stage

# %%
i = 20
maps = float_motion_maps(luma[i - 1], luma[i])
fig, axes = plt.subplots(1, 3, figsize=(12, 2.6))
for ax, name in zip(axes, ("blurred_prev", "blurred_cur", "difference")):
    im = ax.imshow(np.asarray(maps[name]), cmap="magma" if name == "difference" else "gray")
    ax.set_title(name)
    ax.axis("off")
fig.colorbar(im, ax=axes[2])
print("m[%d] = %.6f" % (i, float(maps["sad"])))

# %% [markdown]
# ## The whole clip
# `float_motion_clip` applies the streaming rule; the production extractor (through
# `vmafref.scoring.score`) gives the same doubles.

# %%
clip = float_motion_clip(luma)
production = score(ref, dis, bitdepth=8, models=[], features=["float_motion"])
assert clip["motion2"] == [f["motion2"] for f in production.frames]
assert clip["motion"] == [f["motion"] for f in production.frames]

fig, ax = plt.subplots(figsize=(10, 3))
ax.plot(clip["motion"], "o-", ms=3, label="m[i] (motion)")
ax.plot(clip["motion2"], "s-", ms=3, label="motion2 = min(m[i], m[i+1])")
ax.set_xlabel("frame")
ax.legend();

# %% [markdown]
# ## The fixed-point path
# libvmaf's integer motion blurs the *difference* of the frames with a Q16 filter and rounds
# after each pass. Blurring is linear, so it measures the same thing up to rounding.

# %%
integer = [0.0] + [integer_motion_maps(ref[k - 1], ref[k])["score"] for k in range(1, len(ref))]
fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3))
a.plot(clip["motion"], label="float")
a.plot(integer, "--", label="fixed point")
a.set_xlabel("frame")
a.legend()
b.plot(np.array(integer) - np.array(clip["motion"]))
b.set_title("fixed point − float")
b.set_xlabel("frame")
im = integer_motion_maps(ref[i - 1], ref[i])["blurred_difference"]
print("blurred difference of frames", i - 1, i, ": int32", np.asarray(im).dtype, "range", int(np.min(im)), int(np.max(im)))

# %% [markdown]
# ## Motion does not see the distortion
# Swapping the distorted clip for the reference changes nothing: motion is a property of the
# content.

# %%
same = score(ref, ref, bitdepth=8, models=[], features=["float_motion"])
print([f["motion2"] for f in same.frames] == clip["motion2"])
