"""Scale: memory and time of fit, transform and scoring on large inputs.

Part 1 (issue 23's targets), each printed as a ratio to a baseline measured in
the same run; times are CPU seconds of this process (one torch thread), best
of 5, which other jobs on a shared machine inflate less than wall-clock:

- ``transform`` of a 1,000,000 x 100 float32 memmap (hidden (256, 128),
  ``n_components=4``): growth of anonymous resident memory, <= 256 MB;
- ``transform`` of 100,000 x 30 rows (``n_components=4``) <= 1.2x a bare
  float64 forward of the same encoder in the same chunks (float64 is the
  inference precision on the CPU: see ``_Inference`` in ``_base.py``);
- one-row ``transform`` <= 0.5 ms, printed beside a bare float32 forward;
- ``AutoencoderOutlierDetector.score_samples`` on 100,000 x 30 rows (5,000
  fitted) <= 3x ``IsolationForest.score_samples``.

Part 2: writes memmaps of 100k, 500k and 2M rows x 100 features to a temporary folder,
then for each: fits ``AutoencoderTransformer`` for a fixed number of epochs and
transforms every row, sampling the process's anonymous resident memory
(``RssAnon`` in ``/proc/self/status``; the memmap's own file pages are not the
estimator's memory) every 10 ms. Prints the figures per size and the targets:
peak anonymous memory at the largest size <= 1.2x that at the smallest + 100 MB,
time per row at the largest within 1.3x of that at the smallest.

    python benchmarks/bench_scale.py [--sizes 100000 500000 2000000] [--epochs 2]
    python benchmarks/bench_scale.py --targets-only
"""

import argparse
import os
import tempfile
import threading
import time
import warnings

import numpy as np
import torch
from _common import cpu_best
from sklearn.ensemble import IsolationForest

from sklearn_ae import AutoencoderOutlierDetector, AutoencoderTransformer


def rss_anon_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


class PeakSampler:
    def __init__(self, interval=0.01):
        self.interval = interval
        self.peak = rss_anon_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_anon_mb())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon_mb())


def make_memmap(path, n_rows, n_features, chunk=100_000):
    """Rows near a 10-dimensional non-linear manifold, written chunk by chunk."""
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, n_features))
    rng = np.random.RandomState(0)
    mixing = rng.normal(size=(10, n_features)) / np.sqrt(10)
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        latent = rng.normal(size=(stop - start, 10))
        mm[start:stop] = np.tanh(latent @ mixing) + 0.05 * rng.normal(
            size=(stop - start, n_features)
        )
    mm.flush()
    del mm
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, n_features))


def verdict(ok):
    return "met" if ok else "MISSED"


def targets(tmp):
    """Issue 23's targets, each beside its baseline from this run."""
    quiet = warnings.catch_warnings()
    quiet.__enter__()
    warnings.simplefilter("ignore")
    rng = np.random.RandomState(0)
    print("Targets (CPU time, one thread, best of 5)\n")

    X = make_memmap(os.path.join(tmp, "X1M.f32"), 1_000_000, 100)
    ae = AutoencoderTransformer(
        4, hidden_layer_sizes=(256, 128), max_iter=1, random_state=0
    ).fit(X[:5000])
    base = rss_anon_mb()
    with PeakSampler() as mem:
        Z = ae.transform(X)
    grown = mem.peak - base
    print(
        f"transform 1,000,000 x 100 float32 memmap, hidden (256, 128), 4 codes: "
        f"+{grown:.0f} MB RssAnon (codes alone: {Z.nbytes / 2**20:.0f} MB); "
        f"target <= 256 MB: {verdict(grown <= 256)}"
    )
    del X, Z, ae

    X = rng.normal(size=(100_000, 30)) @ rng.normal(size=(30, 30)) / np.sqrt(30)
    X = X.astype(np.float32)
    ae = AutoencoderTransformer(4, max_iter=5, random_state=0).fit(X[:5000])
    inference = ae._inference()
    encoder = inference.module.encoder
    step = 2048

    def bare():
        with torch.no_grad():
            for start in range(0, len(X), step):
                encoder(torch.tensor(X[start : start + step], dtype=torch.float64))

    t_ae, t_bare = cpu_best(lambda: ae.transform(X)), cpu_best(bare)
    ratio = t_ae / t_bare
    print(
        f"transform 100,000 x 30, 4 codes: {t_ae * 1e3:.0f} ms; bare float64 "
        f"forward of the same encoder ({step}-row chunks) {t_bare * 1e3:.0f} ms: "
        f"{ratio:.2f}x; target <= 1.2x: {verdict(ratio <= 1.2)}"
    )
    row = X[:1]
    encoder32 = ae.encoder_

    def bare_row():
        with torch.no_grad():
            encoder32(torch.from_numpy(row))

    t_row = cpu_best(lambda: ae.transform(row), number=200)
    t_bare_row = cpu_best(bare_row, number=200)
    print(
        f"one-row transform: {t_row * 1e3:.3f} ms; bare float32 forward "
        f"{t_bare_row * 1e3:.3f} ms ({t_row / t_bare_row:.1f}x); target <= 0.5 ms: "
        f"{verdict(t_row <= 5e-4)}"
    )

    X = X.astype(np.float64)
    detector = AutoencoderOutlierDetector(random_state=0).fit(X[:5000])
    forest = IsolationForest(random_state=0).fit(X[:5000])
    t_det = cpu_best(lambda: detector.score_samples(X), repeat=3)
    t_forest = cpu_best(lambda: forest.score_samples(X), repeat=3)
    ratio = t_det / t_forest
    print(
        f"detector score_samples 100,000 x 30 (5,000 fitted): {t_det:.2f} s; "
        f"IsolationForest {t_forest:.2f} s: {ratio:.1f}x; target <= 3x: "
        f"{verdict(ratio <= 3)}\n"
    )
    quiet.__exit__(None, None, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100_000, 500_000, 2_000_000]
    )
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--targets-only", action="store_true", help="part 1 only (the targets)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    with warnings.catch_warnings():  # one-time torch and allocator start-up
        warnings.simplefilter("ignore")
        warm = (
            np.random.RandomState(0)
            .normal(size=(5000, args.features))
            .astype(np.float32)
        )
        AutoencoderTransformer(10, max_iter=1, random_state=0).fit(warm).transform(warm)
    with tempfile.TemporaryDirectory() as tmp:
        targets(tmp)
        if args.targets_only:
            return
        for n in args.sizes:
            X = make_memmap(os.path.join(tmp, f"X{n}.f32"), n, args.features)
            ae = AutoencoderTransformer(
                10, max_iter=args.epochs, batch_size=256, random_state=0
            )
            base = rss_anon_mb()
            with PeakSampler() as fit_mem, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                ae.fit(X)
                fit_s = time.perf_counter() - t0
            tr_base = rss_anon_mb()
            with PeakSampler() as tr_mem:
                t0 = time.perf_counter()
                Z = ae.transform(X)
                tr_s = time.perf_counter() - t0
            rows.append(
                dict(
                    n=n,
                    input_mb=X.nbytes / 2**20,
                    fit_us=fit_s / (n * args.epochs) * 1e6,
                    tr_us=tr_s / n * 1e6,
                    fit_peak=fit_mem.peak - base,
                    tr_peak=tr_mem.peak - tr_base,
                    mse=-ae.score(X[: min(n, 20_000)]),
                )
            )
            del X, Z, ae
    print(
        f"AutoencoderTransformer(n_components=10), float32 memmap x {args.features} "
        f"features, {args.epochs} epochs, {args.threads} torch thread(s)\n"
    )
    header = (
        f"{'rows':>9} {'input MB':>9} | {'fit us/row/epoch':>16} "
        f"{'fit +RssAnon MB':>15} | {'transform us/row':>16} "
        f"{'transform +RssAnon MB':>21} | {'mse':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['n']:>9} {r['input_mb']:>9.0f} | {r['fit_us']:>16.2f} "
            f"{r['fit_peak']:>15.1f} | {r['tr_us']:>16.3f} "
            f"{r['tr_peak']:>21.1f} | {r['mse']:>7.4f}"
        )
    small, large = rows[0], rows[-1]
    peak_small = max(small["fit_peak"], small["tr_peak"])
    peak_large = max(large["fit_peak"], large["tr_peak"])
    limit = 1.2 * peak_small + 100
    print(
        f"\npeak +RssAnon at {large['n']} rows: {peak_large:.1f} MB; target <= 1.2 x "
        f"{peak_small:.1f} + 100 = {limit:.1f} MB: "
        f"{'met' if peak_large <= limit else 'MISSED'}"
    )
    ratio = large["fit_us"] / small["fit_us"]
    print(
        f"fit time per row, {large['n']} vs {small['n']} rows: {ratio:.2f}x; "
        f"target <= 1.3x: {'met' if ratio <= 1.3 else 'MISSED'}"
    )
    ratio = large["tr_us"] / small["tr_us"]
    print(
        f"transform time per row, {large['n']} vs {small['n']} rows: {ratio:.2f}x; "
        f"target <= 1.3x: {'met' if ratio <= 1.3 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
