"""
=========================================
Classifying digits from a few labels only
=========================================

:class:`~sklearn_ae.AutoencoderClassifier` learns from every row: rows whose
label is ``-1`` are unlabelled, scikit-learn's semi-supervised convention.
It pre-trains an autoencoder on all rows, spreads the few labels over the
codes, then fine-tunes the encoder with a classification head. This example
draws a few labelled digits per class, marks every other training row as
unlabelled, and compares test accuracy with classifiers that see the labelled
rows alone and with scikit-learn's semi-supervised estimators, as the number
of labels grows.
"""

# %%
# Data
# ----
# 1,797 images of 8x8 pixels, scaled to [0, 1]; 30% are held out for testing.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.semi_supervised import LabelSpreading

from sklearn_ae import AutoencoderClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16, y, test_size=0.3, stratify=y, random_state=0
)


def few_labels(y, per_class, seed=0):
    """``y`` with ``per_class`` labelled rows of each class, -1 elsewhere."""
    rng = np.random.RandomState(seed)
    partial = np.full_like(y, -1)
    for c in np.unique(y):
        partial[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = c
    return partial


# %%
# Accuracy against the number of labels
# -------------------------------------
# Logistic regression and a multilayer perceptron see the labelled rows only;
# label spreading uses the unlabelled rows too, as the autoencoder does
# (``benchmarks/bench_semisupervised.py`` adds self-training and PCA). The
# autoencoder runs at its defaults.


def labelled_only(estimator):
    def fit_score(X_train, y_partial):
        rows = y_partial != -1
        return estimator.fit(X_train[rows], y_partial[rows]).score(X_test, y_test)

    return fit_score


def all_rows(estimator):
    def fit_score(X_train, y_partial):
        return estimator.fit(X_train, y_partial).score(X_test, y_test)

    return fit_score


methods = {
    "AutoencoderClassifier": all_rows(AutoencoderClassifier(random_state=0)),
    "LabelSpreading": all_rows(LabelSpreading(kernel="knn", n_neighbors=7)),
    "MLPClassifier (labelled rows)": labelled_only(
        MLPClassifier(max_iter=500, random_state=0)
    ),
    "LogisticRegression (labelled rows)": labelled_only(
        LogisticRegression(max_iter=1000)
    ),
}
n_labels = [20, 50, 100]
accuracy = {name: [] for name in methods}
for n in n_labels:
    y_partial = few_labels(y_train, n // 10)
    for name, fit_score in methods.items():
        accuracy[name].append(fit_score(X_train, y_partial))
    print(n, {name: round(values[-1], 3) for name, values in accuracy.items()})

# %%
# Plot
# ----
fig, ax = plt.subplots(figsize=(6, 4))
for name, values in accuracy.items():
    ax.plot(n_labels, values, marker="o", label=name)
ax.set_xlabel("labelled training rows (the other ~1,250 are unlabelled)")
ax.set_ylabel("test accuracy")
ax.set_xscale("log")
ax.minorticks_off()  # only the label counts as ticks, no "2x10^1" between
ax.set_xticks(n_labels, [str(n) for n in n_labels])
ax.legend(loc="lower right")
ax.set_title("Digits: accuracy from a few labels")
fig.tight_layout()
plt.show()
