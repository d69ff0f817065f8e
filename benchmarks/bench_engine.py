"""Fit time of the skorch-based engine against a hand-written torch loop.

The engine's time is that of its training, the net's ``fit`` (optimizer set-up,
epochs, callbacks, restoring the best weights); building the network (input
checks, the PCA start) happens before and is not counted, as the hand-written
loop does not do it either. The full ``fit`` time is shown beside it.

The hand-written loop is the fastest plain PyTorch doing the same job: it
trains a copy of the very module the engine starts from, on the same shuffles
(it starts from the engine's RNG state), with the same loss and optimizer,
slicing batches out of a shuffled index; and it does what the engine has to do
for its features: the epoch loss (mean of the batch losses weighted by their
rows), an error on a NaN or inf loss, a copy of the best weights restored at
the end, and the loss of the starting weights over the rows before the first
epoch (the engine's start competes with the trained weights: the PCA start is
kept when training did not beat it). Its loss curve must equal the engine's
to the last bit (checked).

Each batch size is timed ``--repeats`` times, engine and hand loop in turn
(their order alternates). Other processes sharing the machine only ever slow
a run down, so the table shows the best time of each and their ratio, then
the median and range of the ratios within each pair. ``--clock cpu`` (the
default) times the CPU time of this process, which such processes disturb far
less than the wall-clock time (``--clock wall``); with one thread the two
agree on a quiet machine.

    python benchmarks/bench_engine.py [--rows 20000] [--features 50] [--epochs 10]
        [--repeats 5] [--threads 1] [--clock cpu]
"""

import argparse
import copy
import math
import statistics
import time

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]
import warnings

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from sklearn_ae import AutoencoderTransformer
from sklearn_ae._training import AutoencoderNet


def hand_written_loop(module, X, epochs, batch_size, lr):
    """Train ``module`` to reconstruct ``X``; return the loss of each epoch."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    module.eval()
    with torch.no_grad():
        start_loss = sum(
            float(((module(b)[0] - b) ** 2).mean()) * len(b)
            for b in X.split(batch_size)
        ) / len(X)
    start_state = copy.deepcopy(module.state_dict())
    module.train()
    curve, best, best_state = [], math.inf, None
    for _ in range(epochs):
        order = torch.randperm(len(X))
        losses, sizes = [], []
        for start in range(0, len(X), batch_size):
            batch = X[order[start : start + batch_size]]
            optimizer.zero_grad()
            reconstruction, _ = module(batch)
            loss = ((reconstruction - batch) ** 2).mean()
            value = loss.item()
            if not math.isfinite(value):
                raise ValueError("training diverged")
            loss.backward()
            optimizer.step()
            losses.append(value)
            sizes.append(len(batch))
        curve.append(float(np.average(losses, weights=sizes)))
        if curve[-1] < best:
            best, best_state = curve[-1], copy.deepcopy(module.state_dict())
    module.load_state_dict(best_state if best < start_loss else start_state)
    return curve


class EngineTimer:
    """Times the engine's ``fit``; keeps the module and RNG state it starts from."""

    def __init__(self):
        self.seconds = self.module = self.rng_state = None

    def __enter__(self):
        original = AutoencoderNet.fit
        timer = self

        def fit(net, *args, **kwargs):
            timer.module = copy.deepcopy(net.module)
            timer.rng_state = torch.get_rng_state()
            t0 = clock()
            try:
                return original(net, *args, **kwargs)
            finally:
                timer.seconds = clock() - t0

        self._original = original
        AutoencoderNet.fit = fit
        return self

    def __exit__(self, *exc):
        AutoencoderNet.fit = self._original


def run_engine(X, kw):
    with EngineTimer() as timer, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = clock()
        ae = AutoencoderTransformer(**kw).fit(X)
        fit = clock() - t0
    return timer, fit, ae.loss_curve_


def run_hand(X, timer, epochs, batch_size):
    module = copy.deepcopy(timer.module)
    with torch.random.fork_rng(devices=[]):
        torch.set_rng_state(timer.rng_state)
        t0 = clock()
        curve = hand_written_loop(module, torch.from_numpy(X), epochs, batch_size, 1e-3)
        return clock() - t0, curve


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[32, 128, 256, 1024]
    )
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)  # numpy's BLAS too (the PCA start)
    rng = np.random.RandomState(0)
    X = np.tanh(rng.normal(size=(args.rows, 8)) @ rng.normal(size=(8, args.features)))
    X = X.astype(np.float32)
    print(
        f"{args.rows} rows x {args.features} features, {args.epochs} epochs, "
        f"{args.threads} thread(s), {args.clock} time, best of {args.repeats} "
        "repeats\n"
    )
    header = (
        f"{'batch':>6} | {'engine s/epoch':>14} | {'hand loop s/epoch':>17} | "
        f"{'ratio':>5} | {'paired ratios':>19} | {'full fit s/epoch':>16}"
    )
    print(header)
    print("-" * len(header))
    # Warm up (first-call costs of torch and the imports).
    run_engine(X[:512], dict(n_components=8, max_iter=1, random_state=0))
    for batch_size in args.batch_sizes:
        kw = dict(
            n_components=8,
            batch_size=batch_size,
            max_iter=args.epochs,
            tol=0,
            learning_rate="constant",
            random_state=0,
        )
        engines, hands, ratios, fits = [], [], [], []
        for repeat in range(args.repeats):
            if repeat % 2:
                timer, fit, engine_curve = run_engine(X, kw)
                hand, hand_curve = run_hand(X, timer, args.epochs, batch_size)
            else:
                # The hand loop first, on the module and RNG state of the
                # same seed's previous (or a warm-up) engine fit.
                if repeat == 0:
                    timer, _, _ = run_engine(X, {**kw, "max_iter": 1})
                hand, hand_curve = run_hand(X, timer, args.epochs, batch_size)
                timer, fit, engine_curve = run_engine(X, kw)
            if hand_curve != engine_curve:
                raise AssertionError(
                    "The hand-written loop did not do the engine's work: loss "
                    f"curves differ\n{engine_curve}\n{hand_curve}"
                )
            engines.append(timer.seconds / args.epochs)
            hands.append(hand / args.epochs)
            fits.append(fit / args.epochs)
            ratios.append(timer.seconds / hand)
        paired = (
            f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
        )
        print(
            f"{batch_size:>6} | {min(engines):>14.3f} | {min(hands):>17.3f} | "
            f"{min(engines) / min(hands):>5.2f} | {paired:>19} | {min(fits):>16.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
