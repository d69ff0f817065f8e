"""Serving cost: rows per second of an ONNX export in onnxruntime, beside the
estimator's own method and scikit-learn's model exported with skl2onnx.

Data: 100,000 x 30 rows from a random linear map of Gaussian noise (as in
bench_scale.py), models fitted on the first 5,000. For each model: the
estimator's own method (``score_samples`` or ``transform``) and the
onnxruntime session of its export (``sklearn_ae.to_onnx``), at 100,000 rows
(throughput) and at one row (latency), and the same for
``IsolationForest`` / ``PCA`` exported with skl2onnx. Times are CPU seconds
of this process with one thread everywhere (torch, onnxruntime's
``intra_op_num_threads=1``), best of 5 (throughput) or of 1,000 calls
(latency), which other jobs on a shared machine inflate less than
wall-clock.

A last row measures the choice of torch.onnx over writing the graph from
the weights: the exported dense encoder against a bare graph of the same
matrix products written from the weights with ``onnx.helper``.

Targets (issue 22), printed with the figures:

- the detector's export scores 100,000 x 30 rows >= 3x faster than the
  estimator's own ``score_samples`` (printed against ``score_samples`` in
  the same run, and against the issue's reference: then 7.2 s, 13.6x
  ``IsolationForest``'s 0.53 s, so 3x faster is 4.5x IsolationForest's
  time);
- one-row latency of every export < 1 ms.

    python benchmarks/bench_serving.py
"""

import warnings

import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
import torch
from _common import cpu_best
from onnx import TensorProto, helper, numpy_helper
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

import sklearn_ae
from sklearn_ae import AutoencoderOutlierDetector, AutoencoderTransformer

OPSET = {"": 21, "ai.onnx.ml": 3}


def session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def bare_dense_graph(encoder):
    """``DenseEncoder``'s forward without missing values, written from its
    weights: (x - mean) / scale through the MLP, plus the linear path."""
    tensors = {
        "mean": encoder.mean,
        "scale": encoder.scale,
        "linear": encoder.linear.weight.T,
    }
    nodes = [
        helper.make_node("Sub", ["X", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["h0"]),
    ]
    layers = [m for m in encoder.mlp if isinstance(m, torch.nn.Linear)]
    for i, layer in enumerate(layers):
        tensors[f"w{i}"], tensors[f"b{i}"] = layer.weight.T, layer.bias
        nodes.append(helper.make_node("MatMul", [f"h{i}", f"w{i}"], [f"m{i}"]))
        out = f"a{i}" if i < len(layers) - 1 else "mlp"
        nodes.append(helper.make_node("Add", [f"m{i}", f"b{i}"], [out]))
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [out], [f"h{i + 1}"]))
    nodes += [
        helper.make_node("MatMul", ["centred", "linear"], ["lin"]),
        helper.make_node("Add", ["mlp", "lin"], ["Z"]),
    ]
    initializers = [
        numpy_helper.from_array(t.detach().float().numpy().copy(), name)
        for name, t in tensors.items()
    ]
    n_features = encoder.mean.shape[0]
    graph = helper.make_graph(
        nodes,
        "bare",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("Z", TensorProto.FLOAT, [None, None])],
        initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])


def timings(call, X, one):
    """CPU seconds of ``call`` on 100,000 rows (best of 5, of 3 when slow)
    and on one row (best of 1,000 calls, of 200 when slow)."""
    start = cpu_best(lambda: call(X), repeat=1)
    big = min(start, cpu_best(lambda: call(X), repeat=2 if start > 0.5 else 4))
    small = cpu_best(lambda: call(one), number=200 if start > 0.5 else 1000)
    return big, small


def session_call(sess, step=None):
    """One ``run`` on all the rows, or one per ``step`` rows."""
    name = sess.get_inputs()[0].name
    if step is None:
        return lambda rows: sess.run(None, {name: rows})

    def chunked(rows):
        for start in range(0, len(rows), step):
            sess.run(None, {name: rows[start : start + step]})

    return chunked


def compare(title, rows):
    """Time each (label, call, dtype) of ``rows``; print and return them."""
    X = make_rows()
    print(f"\n{title}")
    print(f"{'':<44} {'rows/s':>12} {'100k ms':>10} {'1-row ms':>10}")
    times = {}
    for label, call, dtype in rows:
        X_typed = X.astype(dtype)
        big, one = timings(call, X_typed, X_typed[:1])
        times[label] = big, one
        print(
            f"{label:<44} {len(X) / big:>12,.0f} {big * 1e3:>10.1f} {one * 1e3:>10.3f}"
        )
    return times


def make_rows():
    rng = np.random.RandomState(0)
    return rng.normal(size=(100_000, 30)) @ rng.normal(size=(30, 30)) / np.sqrt(30)


def main():
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    X = make_rows()
    print(__doc__.split("\n\n")[0].replace("\n", " "))
    print(
        f"\nsklearn_ae {sklearn_ae.__version__}, torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}, skl2onnx {skl2onnx.__version__}, "
        f"onnx {onnx.__version__}; one thread; CPU time"
    )
    f32, f64 = np.float32, np.float64

    detector = AutoencoderOutlierDetector(random_state=0).fit(X[:5000])
    forest = IsolationForest(random_state=0).fit(X[:5000])
    det_onnx = session(sklearn_ae.to_onnx(detector, X[:1]))
    forest_onnx = session(
        skl2onnx.to_onnx(forest, X[:1].astype(f32), target_opset=OPSET)
    )
    scores = compare(
        "Outlier scores, 100,000 x 30 (5,000 fitted)",
        [
            ("AutoencoderOutlierDetector.score_samples", detector.score_samples, f64),
            ("  its export, onnxruntime", session_call(det_onnx), f32),
            ("  its export, in runs of 4,096 rows", session_call(det_onnx, 4096), f32),
            ("IsolationForest.score_samples", forest.score_samples, f64),
            ("  its export (skl2onnx), onnxruntime", session_call(forest_onnx), f32),
        ],
    )

    ae = AutoencoderTransformer(4, max_iter=20, random_state=0).fit(X[:5000])
    pca = PCA(4).fit(X[:5000])
    ae_onnx = session(sklearn_ae.to_onnx(ae, X[:1]))
    bare = session(bare_dense_graph(ae.encoder_))
    pca_onnx = session(skl2onnx.to_onnx(pca, X[:1].astype(f32), target_opset=OPSET))
    codes = compare(
        "Codes, 100,000 x 30, 4 components (5,000 fitted)",
        [
            ("AutoencoderTransformer.transform", ae.transform, f64),
            ("  its export, onnxruntime", session_call(ae_onnx), f32),
            ("  bare graph written from the weights", session_call(bare), f32),
            ("PCA.transform", pca.transform, f64),
            ("  its export (skl2onnx), onnxruntime", session_call(pca_onnx), f32),
        ],
    )
    rows = X[:1000].astype(f32)
    gap = np.abs(session_call(ae_onnx)(rows)[0] - session_call(bare)(rows)[0]).max()
    print(f"(the export and the bare graph agree to {gap:.1e})")

    own, exported = (
        scores["AutoencoderOutlierDetector.score_samples"][0],
        scores["  its export, onnxruntime"][0],
    )
    worst = max(
        scores["  its export, onnxruntime"][1], codes["  its export, onnxruntime"][1]
    )
    forest_time = scores["IsolationForest.score_samples"][0]
    print("\nTargets")
    print(
        f"detector export vs score_samples at 100,000 rows, this run: "
        f"{own / exported:.1f}x faster; target >= 3x: "
        f"{'met' if own >= 3 * exported else 'MISSED'}"
    )
    # The reference: score_samples took 7.2 s, 13.6x IsolationForest's
    # 0.53 s, on the machine it was measured on; 3x faster is 4.5x
    # IsolationForest's time.
    print(
        f"  against the issue's reference (score_samples then 13.6x "
        f"IsolationForest's time; 3x faster = at most 4.5x): export at "
        f"{exported / forest_time:.1f}x IsolationForest's time: "
        f"{'met' if exported <= 4.5 * forest_time else 'MISSED'}"
    )
    print(
        f"one-row latency of the exports: at most {worst * 1e3:.3f} ms; target "
        f"< 1 ms: {'met' if worst < 1e-3 else 'MISSED'}"
    )
    ratio = (
        codes["  its export, onnxruntime"][0]
        / codes["  bare graph written from the weights"][0]
    )
    print(
        "torch.onnx's dense encoder vs the bare graph written from the weights: "
        f"{ratio:.2f}x the time at 100,000 rows"
    )


if __name__ == "__main__":
    main()
