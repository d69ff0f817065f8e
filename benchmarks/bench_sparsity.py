"""What the default sparsity weights do, on scikit-learn's digits.

Fits ``AutoencoderTransformer(n_components=32)`` on 70% of the digits (pixels
/ 16) without a sparsity penalty, with ``sparsity="kl"`` and ``"l1"`` at
``sparsity_weight="auto"`` (1.0 and 0.01), and with ``"l1"`` at 1.0. On the
held-out 30% it prints each code unit's mean absolute value (the mean over
units, and the smallest and largest unit), how far the unit means are from
``sparsity_target=0.05`` (the target of ``"kl"``), and the reconstruction MSE.

    python benchmarks/bench_sparsity.py
"""

import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer


def main():
    torch.set_num_threads(1)
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16, test_size=0.3, random_state=0)
    print(
        "sparsity  weight | unit mean |code|: mean (min..max) "
        "| max |unit mean - 0.05| | test MSE"
    )
    settings = [(None, "auto"), ("kl", "auto"), ("l1", "auto"), ("l1", 1.0)]
    for sparsity, weight in settings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ae = AutoencoderTransformer(
                n_components=32,
                sparsity=sparsity,
                sparsity_weight=weight,
                random_state=0,
            ).fit(X_train)
        Z = ae.transform(X_test)
        per_unit = np.abs(Z).mean(axis=0)
        mse = np.mean((ae.inverse_transform(Z) - X_test) ** 2)
        print(
            f"{sparsity!s:>8} {weight!s:>6} | {per_unit.mean():.4f} "
            f"({per_unit.min():.4f}..{per_unit.max():.4f})       "
            f"| {np.abs(per_unit - 0.05).max():.4f}                  | {mse:.4f}"
        )


if __name__ == "__main__":
    main()
