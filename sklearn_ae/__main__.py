"""Demo: ``python -m sklearn_ae`` fits an autoencoder beside PCA on digits.

Prints the test reconstruction error and fit time of PCA and of
:class:`~sklearn_ae.AutoencoderTransformer` at a few ``n_components``.
"""

# License: BSD 3 clause

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer


def _reconstruction_mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def _timed_fit(model, X):
    start = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_ae",
        description="Compare AutoencoderTransformer with PCA on scikit-learn's digits.",
    )
    parser.add_argument(
        "--n-components",
        type=int,
        nargs="+",
        default=[2, 4, 8, 16],
        help="latent sizes to compare (default: 2 4 8 16)",
    )
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16.0, test_size=0.3, random_state=0)
    print(
        f"digits: {X_train.shape[0]} train / {X_test.shape[0]} test rows, "
        f"{X.shape[1]} features in [0, 1]"
    )
    print("test reconstruction MSE (lower is better) and fit time\n")
    header = (
        f"{'n_components':>12} | {'PCA mse':>9} {'fit s':>6} | "
        f"{'autoencoder mse':>15} {'fit s':>6} | {'ae / pca':>8}"
    )
    print(header)
    print("-" * len(header))
    for k in args.n_components:
        pca = PCA(n_components=k, random_state=args.random_state)
        pca_time = _timed_fit(pca, X_train)
        ae = AutoencoderTransformer(n_components=k, random_state=args.random_state)
        ae_time = _timed_fit(ae, X_train)
        pca_mse = _reconstruction_mse(pca, X_test)
        ae_mse = _reconstruction_mse(ae, X_test)
        print(
            f"{k:>12} | {pca_mse:>9.5f} {pca_time:>6.2f} | "
            f"{ae_mse:>15.5f} {ae_time:>6.2f} | {ae_mse / pca_mse:>8.2f}"
        )


if __name__ == "__main__":
    main()
