"""
==================================
Inpainting missing image patches
==================================

A random 10x10 square of each Fashion-MNIST image is set to zero.
``AutoencoderRegressor.fit(X_masked, X)`` learns the paired map from masked to
whole images, and ``predict`` fills in the missing square. Without the data
set in ``../shared/data``, the example uses scikit-learn's digits (8x8 images,
3x3 squares) instead.
"""

# %%
# Masked images
# -------------
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderRegressor

# The shared data sit beside the repository (or where SKLEARN_AE_DATA says).
# sphinx-gallery runs examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
shared = here.parents[1] / "shared" / "data"
path = Path(os.environ.get("SKLEARN_AE_DATA", shared)) / "images" / "fashion_mnist.npz"
if path.exists():
    d = np.load(path)
    side, square = 28, 10
    X_train = d["X_train"][:4000].reshape(4000, -1) / 255
    X_test = d["X_test"][:500].reshape(500, -1) / 255
else:
    digits = load_digits().data / 16
    side, square = 8, 3
    X_train, X_test = digits[:1400], digits[1400:]

rng = np.random.RandomState(0)


def square_masks(n):
    """1 for the pixels we keep, 0 in one random square per image."""
    keep = np.ones((n, side, side))
    for row, (r, c) in zip(
        keep, rng.randint(0, side - square + 1, (n, 2)), strict=True
    ):
        row[r : r + square, c : c + square] = 0
    return keep.reshape(n, -1)


keep_train, keep_test = square_masks(len(X_train)), square_masks(len(X_test))
masked_train, masked_test = X_train * keep_train, X_test * keep_test

# %%
# Paired fit: masked -> whole
# ---------------------------
reg = AutoencoderRegressor(n_components=256, max_iter=20, random_state=0)
# ``max_iter`` keeps this example short. When it ends the training while the
# loss is still falling, the estimator warns with a ``ConvergenceWarning``;
# we report that in one line instead.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    reg.fit(masked_train, X_train)
if any(w.category is ConvergenceWarning for w in caught):
    print(f"{reg.n_iter_} epochs (max_iter): the loss was still falling")
predicted = reg.predict(masked_test)
# The network redraws the whole image; we know which pixels were missing, so
# keep the observed ones and take only the square from the prediction.
filled = np.where(keep_test == 1, masked_test, predicted)


def psnr(a, b):
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


print(f"PSNR masked input             {psnr(masked_test, X_test):.2f} dB")
print(f"PSNR network output           {psnr(predicted, X_test):.2f} dB")
print(f"PSNR observed + filled square {psnr(filled, X_test):.2f} dB")

# %%
# Masked, inpainted, original
# ---------------------------
# The missing square is drawn in red in the first row.
cmap = plt.get_cmap("gray_r").with_extremes(bad="tab:red")
rows = {
    "masked": np.ma.masked_where(keep_test == 0, masked_test),
    "network output": predicted,
    "inpainted": filled,
    "original": X_test,
}
fig, axes = plt.subplots(len(rows), 8, figsize=(8, 4.4))
for r, (name, images) in enumerate(rows.items()):
    for c in range(8):
        axes[r, c].imshow(images[c].reshape(side, side), cmap=cmap, vmin=0, vmax=1)
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.suptitle(
    f"Inpainting: PSNR {psnr(masked_test, X_test):.1f} dB masked -> "
    f"{psnr(filled, X_test):.1f} dB inpainted"
)
fig.tight_layout()
plt.show()
