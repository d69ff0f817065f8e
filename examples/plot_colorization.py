"""
=============================
Colorizing grayscale images
=============================

``AutoencoderRegressor.fit(gray, Y)`` learns a paired map from gray images
to colour information. Convolutional networks read images given as arrays
shaped (n, H, W) or (n, H, W, C); outputs are flat rows in (C, H, W) order.
We train on 32x32 CIFAR-10 images from ``../shared/data`` (or, without it, on
32x32 patches of scikit-learn's two sample photographs) and compare with the
trivial baseline: the gray image copied to the three channels.
"""

# %%
# Gray and colour images
# ----------------------
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderRegressor, Conv

# sphinx-gallery runs examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
shared = here.parents[1] / "shared" / "data"
path = Path(os.environ.get("SKLEARN_AE_DATA", shared)) / "images"
path = path / "cifar10_train4k_lossless.npz"
if path.exists():
    images = np.load(path)["X_train"][:2000] / 255  # (2000, 32, 32, 3)
else:
    photos = [img / 255 for img in load_sample_images().images]
    images = np.array(
        [
            photo[r : r + 32, c : c + 32]
            for photo in photos
            for r in range(0, photo.shape[0] - 32, 16)
            for c in range(0, photo.shape[1] - 32, 16)
        ]
    )[:2000]
gray = images @ np.array([0.299, 0.587, 0.114])  # (n, 32, 32) luminance
train, test = slice(0, 1600), slice(1600, None)

# %%
# Paired fit: gray -> colour offsets
# ----------------------------------
# A code of a few hundred numbers cannot carry every detail of an image, but
# the gray input already holds the detail (the luminance). So the network
# learns only what gray lacks: each channel's offset from the gray value,
# which is smooth and low-dimensional. The colour image is gray + offsets.
offsets = images - gray[..., None]
reg = AutoencoderRegressor(
    n_components=256,
    network=Conv(channels=(16, 32)),
    learning_rate_init=2e-3,
    max_iter=10,
    random_state=0,
)
# ``max_iter`` keeps this example short. When it ends the training while the
# loss is still falling, the estimator warns with a ``ConvergenceWarning``;
# we report that in one line instead.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    reg.fit(gray[train], offsets[train])
if any(w.category is ConvergenceWarning for w in caught):
    print(f"{reg.n_iter_} epochs (max_iter): the loss was still falling")
predicted = reg.predict(gray[test]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
coloured = gray[test][..., None] + predicted


def psnr(a, b):
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


baseline = np.repeat(gray[test][..., None], 3, axis=3)
print(f"PSNR gray copied to 3 channels {psnr(baseline, images[test]):.2f} dB")
print(f"PSNR colorized                 {psnr(coloured, images[test]):.2f} dB")

# %%
# Gray input, colorized, original
# -------------------------------
rows = {
    "gray input": baseline,
    "colorized": np.clip(coloured, 0, 1),
    "original": images[test],
}
fig, axes = plt.subplots(3, 8, figsize=(8, 3.4))
for r, (name, batch) in enumerate(rows.items()):
    for c in range(8):
        axes[r, c].imshow(batch[c])
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.suptitle(
    f"Colorization: {psnr(baseline, images[test]):.1f} dB gray -> "
    f"{psnr(coloured, images[test]):.1f} dB colorized"
)
fig.tight_layout()
plt.show()
