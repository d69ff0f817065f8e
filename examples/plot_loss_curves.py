"""
==============================
Loss curves and early stopping
==============================

Every sklearn_ae estimator records the training loss of each epoch in
``loss_curve_``. With ``early_stopping=True`` it also holds out
``validation_fraction`` of the rows, records *minus* their loss in
``validation_scores_`` (higher is better, as with scikit-learn's scores),
stops when that loss has not improved by ``tol`` for ``n_iter_no_change``
epochs, and keeps the weights of the best epoch.
:class:`~sklearn_ae.plotting.LossCurveDisplay` draws both curves and marks
that epoch.

To make overfitting visible, this example trains a wide network with 16
components on only 300 digits (210 for training, 90 held out).
"""

# %%
# Three trainings
# ---------------
# The same network three times: with a patience of 100 epochs, so that we see
# what happens after the best epoch; with the default patience of 10; and
# with a patience of 100 and dropout.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer
from sklearn_ae.plotting import LossCurveDisplay

X, _ = load_digits(return_X_y=True)
X = X / 16
X_small, X_test = train_test_split(X, train_size=300, random_state=0)

params = {
    "n_components": 16,
    "hidden_layer_sizes": (256, 128),
    "early_stopping": True,
    "validation_fraction": 0.3,
    "max_iter": 120,
    "random_state": 0,
}
models = {
    "n_iter_no_change=100": AutoencoderTransformer(n_iter_no_change=100, **params),
    "n_iter_no_change=10 (default)": AutoencoderTransformer(**params),
    "dropout=0.2, n_iter_no_change=100": AutoencoderTransformer(
        n_iter_no_change=100, dropout=0.2, **params
    ),
}
for name, model in models.items():
    # An estimator whose loss is still improving when max_iter ends the
    # training says so with a ConvergenceWarning; we print it in one line.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_small)
    for warning in caught:
        if warning.category is not ConvergenceWarning:
            continue
        print(f"{name}: {warning.category.__name__}: {warning.message}")

# %%
# A ``ConvergenceWarning`` printed above means that run was still improving
# when ``max_iter`` ended it.

fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True, layout="constrained")
for ax, (name, model) in zip(axes, models.items(), strict=True):
    LossCurveDisplay.from_estimator(model, ax=ax, name=name)
    ax.set_xlim(0, params["max_iter"] + 1)

# %%
# Reading the curves
# ------------------
# * **Overfitting** (left). After its best epoch the training loss keeps
#   falling while the validation loss climbs back: the network memorises its
#   210 training images instead of learning digits. The weights of the best
#   epoch are the ones kept, so the climb costs only time.
# * **Too little patience** (middle). The network starts from the PCA
#   solution (``init="pca"``), and the first epochs move it away from it: the
#   validation loss rises before it falls. With the default patience training
#   stops inside that bump and keeps the weights of epoch 1. When a
#   validation curve starts like this, raise ``n_iter_no_change``.
# * **Dropout** (right). ``dropout=0.2`` zeroes a fifth of the hidden units
#   at random during training. The training loss falls more slowly and
#   noisily, and the validation loss keeps improving to a lower minimum.
#
# The numbers
# -----------
# ``n_iter_`` is the number of epochs run, ``best_loss_`` the lowest
# validation loss, and the last column the reconstruction error on the 1,497
# digits none of the models saw (``score`` is minus the mean squared error).
print(
    "model                              | epochs | best epoch | best_loss_ | test MSE"
)
for name, model in models.items():
    best_epoch = int(np.argmax(model.validation_scores_)) + 1
    print(
        f"{name:<34} | {model.n_iter_:6d} | {best_epoch:10d} | "
        f"{model.best_loss_:10.5f} | {-model.score(X_test):8.5f}"
    )

# %%
# Without ``early_stopping`` nothing is held out: the training loss is
# monitored instead, with the same patience, ``validation_scores_`` is None,
# and the display draws the training curve alone and marks its lowest epoch.
plt.show()
