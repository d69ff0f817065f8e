"""
===============================
Denoising handwritten digits
===============================

scikit-learn's kernel PCA denoising example, with a denoising autoencoder
beside it. The models see only *noisy* training images (Gaussian noise of
standard deviation 0.25): no clean image is used for training. Each model
then restores noisy test images, and we compare with the clean originals.
"""

# %%
# Noisy digits
# ------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import KernelPCA
from sklearn.model_selection import train_test_split

from sklearn_ae import DenoisingAutoencoder

X, _ = load_digits(return_X_y=True)
X = X / 16
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
rng = np.random.RandomState(0)
noisy_train = X_train + rng.normal(scale=0.25, size=X_train.shape)
noisy_test = X_test + rng.normal(scale=0.25, size=X_test.shape)

# %%
# Fit on noisy images only
# ------------------------
# ``DenoisingAutoencoder`` corrupts its (already noisy) training rows once more
# every epoch and learns to undo that: it cannot copy its input, so it learns
# the shape of digits instead. Kernel PCA is scikit-learn's example setting.
kpca = KernelPCA(
    n_components=400,
    kernel="rbf",
    gamma=1e-3,
    alpha=5e-3,
    fit_inverse_transform=True,
    random_state=0,
).fit(noisy_train)
dae = DenoisingAutoencoder(network="conv", input_shape=(1, 8, 8), random_state=0)
dae.fit(noisy_train)

restored = {
    "noisy input": noisy_test,
    "kernel PCA": kpca.inverse_transform(kpca.transform(noisy_test)),
    "denoising autoencoder": dae.predict(noisy_test),
}
for name, images in restored.items():
    print(f"{name:>22}: test MSE vs clean {np.mean((images - X_test) ** 2):.4f}")

# %%
# Look at them
# ------------
rows = {"clean": X_test, **restored}
fig, axes = plt.subplots(len(rows), 10, figsize=(8, 0.9 * len(rows) + 0.6))
for r, (name, images) in enumerate(rows.items()):
    err = np.mean((images - X_test) ** 2)
    for c in range(10):
        ax = axes[r, c]
        ax.imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    label = name if name == "clean" else f"{name}\nMSE {err:.4f}"
    axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("Denoising digits trained on noisy images only")
fig.tight_layout()
plt.show()
