"""
===============================
Denoising handwritten digits
===============================

scikit-learn's kernel PCA denoising example, with a denoising autoencoder
beside it. The models are fitted on *noisy* training images (Gaussian noise of
standard deviation 0.25). Each model then restores noisy test images, and we
compare with the clean originals. Kernel PCA's two hyperparameters are tuned
by cross-validation on the training images; the autoencoder keeps its
defaults.
"""

# %%
# Noisy digits
# ------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import KernelPCA
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_ae import DenoisingAutoencoder

X, _ = load_digits(return_X_y=True)
X = X / 16
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
rng = np.random.RandomState(0)
noisy_train = X_train + rng.normal(scale=0.25, size=X_train.shape)
noisy_test = X_test + rng.normal(scale=0.25, size=X_test.shape)

# %%
# Kernel PCA, tuned on the training images
# ----------------------------------------
# scikit-learn's example denoises 16x16 USPS digits with ``gamma=1e-3`` and
# ``alpha=5e-3``; on these 8x8 digits those settings blur every digit into a
# grey blob (the "USPS settings" line printed below), so they would make a
# poor baseline. Instead a
# :class:`~sklearn.model_selection.GridSearchCV` picks the kernel width
# ``gamma`` and the ridge penalty ``alpha`` of the learned inverse map, by
# 5-fold cross-validation on the training images only: each fold fits kernel
# PCA on noisy images and scores the restoration of the held-out noisy images
# against their clean versions. (The clean training images are used only for
# this choice, which the autoencoder does not get.) The test images play no
# part in it.


def restoration_score(kpca, X_noisy, X_clean):
    """Minus the MSE between restored noisy rows and the clean rows."""
    return -np.mean((kpca.inverse_transform(kpca.transform(X_noisy)) - X_clean) ** 2)


search = GridSearchCV(
    KernelPCA(
        n_components=400, kernel="rbf", fit_inverse_transform=True, random_state=0
    ),
    {"gamma": [1e-3, 2e-3, 4e-3, 8e-3], "alpha": [1e-3, 3e-3, 1e-2, 3e-2]},
    scoring=restoration_score,
    cv=5,
).fit(noisy_train, X_train)
kpca = search.best_estimator_  # refitted on all noisy training images
print("kernel PCA, the three best settings (5-fold CV MSE on the training images):")
for i in np.argsort(search.cv_results_["rank_test_score"])[:3]:
    params = search.cv_results_["params"][i]
    mse = -search.cv_results_["mean_test_score"][i]
    print(f"  gamma={params['gamma']:g}, alpha={params['alpha']:g}: {mse:.4f}")

# %%
# The good settings lie along a ridge where ``alpha`` grows with ``gamma``;
# along it the scores barely differ.

# %%
# The denoising autoencoder
# -------------------------
# ``DenoisingAutoencoder`` corrupts its (already noisy) training rows once more
# every epoch and learns to undo that: it cannot copy its input, so it learns
# the shape of digits instead. It needs no clean image. Its only setting here
# is ``output_activation="sigmoid"``, which keeps the restored pixels in
# [0, 1], where the pixels of the digits lie.
dae = DenoisingAutoencoder(output_activation="sigmoid", random_state=0)
dae.fit(noisy_train)

restored = {
    "noisy input": noisy_test,
    "kernel PCA (tuned)": kpca.inverse_transform(kpca.transform(noisy_test)),
    "denoising autoencoder": dae.predict(noisy_test),
}
usps = KernelPCA(
    n_components=400,
    kernel="rbf",
    gamma=1e-3,
    alpha=5e-3,
    fit_inverse_transform=True,
    random_state=0,
).fit(noisy_train)
untuned = usps.inverse_transform(usps.transform(noisy_test))
print(
    f"{'kernel PCA, USPS settings':>26}: test MSE vs clean "
    f"{np.mean((untuned - X_test) ** 2):.4f}"
)
for name, images in restored.items():
    print(f"{name:>26}: test MSE vs clean {np.mean((images - X_test) ** 2):.4f}")

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
fig.suptitle("Denoising digits: models fitted on noisy images")
fig.tight_layout()
plt.show()
