"""
==================================
Latent space of handwritten digits
==================================

Two numbers per image: the first two principal components of scikit-learn's
8x8 digits, and the 2-dimensional code of an
:class:`~sklearn_ae.AutoencoderTransformer`. Coloured by the digit each image
shows, the scatter plots show how much of the class structure each
reduction keeps, although neither saw the labels.
"""

# %%
# Fit both reductions on the training images
# ------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from sklearn_ae import AutoencoderTransformer
from sklearn_ae.plotting import LatentSpaceDisplay

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
pca = PCA(n_components=2, random_state=0).fit(X_train)
ae = AutoencoderTransformer(n_components=2, random_state=0).fit(X_train)

# %%
# The held-out images in each latent space
# ----------------------------------------
# :class:`~sklearn_ae.plotting.LatentSpaceDisplay` encodes the rows with
# ``transform`` and colours them by ``y``. PCA's plane is the best *linear*
# view, and most digits overlap in its middle. The autoencoder starts from
# that plane (``init="pca"``) and bends it: most digits get a region of
# their own.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
pca_display = LatentSpaceDisplay.from_estimator(
    pca, X_test, y_test, ax=axes[0], name="PCA"
)
ae_display = LatentSpaceDisplay.from_estimator(
    ae, X_test, y_test, ax=axes[1], name="autoencoder"
)

# %%
# Measuring it
# ------------
# Three numbers on the held-out images, for each 2-D code:
#
# * the accuracy of a 5-nearest-neighbour classifier trained on the codes of
#   the training images: how well the digits are separated;
# * :func:`~sklearn.manifold.trustworthiness`: how far the neighbours of a
#   point in the code are also its neighbours among the original pixels
#   (1 is perfect);
# * the reconstruction error of ``inverse_transform(transform(X_test))``.
print("reduction   | 5-NN accuracy | trustworthiness | reconstruction MSE")
for name, model in [("PCA", pca), ("autoencoder", ae)]:
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    knn = KNeighborsClassifier(n_neighbors=5).fit(Z_train, y_train)
    trust = trustworthiness(X_test, Z_test, n_neighbors=5)
    mse = np.mean((model.inverse_transform(Z_test) - X_test) ** 2)
    print(
        f"{name:<11} | {knn.score(Z_test, y_test):13.3f} | {trust:15.3f} | {mse:18.4f}"
    )

# %%
# Continuous colours
# ------------------
# ``y`` may also be a continuous quantity: the display then uses a colour
# map and a colour bar. Here each image is coloured by its own reconstruction
# error under that model: where in the plane are the images that two numbers
# describe badly?
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
for ax, (name, model) in zip(axes, [("PCA", pca), ("autoencoder", ae)], strict=True):
    error = np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2, 1)
    LatentSpaceDisplay.from_estimator(
        model, X_test, error, ax=ax, name=f"{name}: reconstruction error", cmap="magma"
    )

# %%
# In both planes the badly described images sit in the crowded middle, where
# the classes overlap; the digits the autoencoder gave a region of their own
# (the 0s, 4s and 6s at its edges) are reconstructed well.
#
# Unlike principal components, the autoencoder's components are not ordered
# by variance and have no unique orientation: another ``random_state`` gives
# a rotated or mirrored picture with the same neighbourhoods.
plt.show()
