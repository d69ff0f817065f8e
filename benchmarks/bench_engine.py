"""Fit time of the skorch-based engine against a hand-written torch loop.

Both train the same network (the one ``AutoencoderTransformer`` builds) for the
same number of epochs, batch size, optimizer and learning rate, on the same
data; the hand-written loop is the fastest plain PyTorch: shuffled index,
tensor slices, Adam, no callbacks. Prints seconds per epoch and the ratio.

    python benchmarks/bench_engine.py [--rows 20000] [--features 50] [--epochs 10]
"""

import argparse
import time
import warnings

import numpy as np
import torch

from sklearn_ae import AutoencoderTransformer


def hand_written_loop(module, X, epochs, batch_size, lr):
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            batch = X[order[start : start + batch_size]]
            optimizer.zero_grad()
            reconstruction, _ = module(batch)
            loss = ((reconstruction - batch) ** 2).mean()
            loss.backward()
            optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.RandomState(0)
    X = np.tanh(rng.normal(size=(args.rows, 8)) @ rng.normal(size=(8, args.features)))
    X = X.astype(np.float32)
    print(
        f"{args.rows} rows x {args.features} features, {args.epochs} epochs, "
        f"{args.threads} torch thread(s)\n"
    )
    header = f"{'batch':>6} | {'engine s/epoch':>14} | {'hand loop s/epoch':>17}"
    print(f"{header} | {'ratio':>6}")
    print("-" * 54)
    for batch_size in (32, 128, 256, 1024):
        kw = dict(
            n_components=8,
            batch_size=batch_size,
            max_iter=args.epochs,
            tol=0,
            learning_rate="constant",
            random_state=0,
        )
        ae = AutoencoderTransformer(**kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ae.fit(X)
            engine = (time.perf_counter() - t0) / args.epochs
            # The same architecture and start, trained by hand.
            module = AutoencoderTransformer(**{**kw, "max_iter": 1})
            module.fit(X[:256])
        net = module._net.module_
        t0 = time.perf_counter()
        hand_written_loop(net, torch.from_numpy(X), args.epochs, batch_size, 1e-3)
        hand = (time.perf_counter() - t0) / args.epochs
        print(
            f"{batch_size:>6} | {engine:>14.3f} | {hand:>17.3f} | {engine / hand:>6.2f}"
        )


if __name__ == "__main__":
    main()
