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
  estimator's own ``score_samples``;
- one-row latency of every export < 1 ms.

    python benchmarks/bench_serving.py
"""

import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import skl2onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest

import sklearn_ae
from sklearn_ae import AutoencoderOutlierDetector, AutoencoderTransformer

OPSET = {"": 21, "ai.onnx.ml": 3}


def cpu_best(call, repeat=5, number=1):
    """Best CPU time of ``number`` calls, over ``repeat`` tries (seconds/call)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            call()
        best = min(best, (time.process_time() - start) / number)
    return best


def session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def runner(sess, X):
    name = sess.get_inputs()[0].name
    return lambda: sess.run(None, {name: X})


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


def row(label, t_big, t_one, n):
    return (
        f"{label:<44} {n / t_big:>12,.0f} {t_big * 1e3:>10.1f} "
        f"{t_one * 1e3:>10.3f}"
    )


def main():
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100_000, 30)) @ rng.normal(size=(30, 30)) / np.sqrt(30)
    X32 = X.astype(np.float32)
    one, one32 = X[:1], X32[:1]
    n = len(X)
    print(__doc__.split("\n\n")[0].replace("\n", " "))
    print(
        f"\nsklearn_ae {sklearn_ae.__version__}, torch {torch.__version__}, "
        f"onnxruntime {ort.__version__}, skl2onnx {skl2onnx.__version__}, "
        f"onnx {onnx.__version__}; one thread; CPU time\n"
    )
    header = f"{'':<44} {'rows/s':>12} {'100k ms':>10} {'1-row ms':>10}"

    detector = AutoencoderOutlierDetector(random_state=0).fit(X[:5000])
    forest = IsolationForest(random_state=0).fit(X[:5000])
    det_sess = session(sklearn_ae.to_onnx(detector, X32[:1]))
    forest_sess = session(skl2onnx.to_onnx(forest, X32[:1], target_opset=OPSET))
    t_det = cpu_best(lambda: detector.score_samples(X), repeat=3)
    t_det_one = cpu_best(lambda: detector.score_samples(one), number=200)
    t_det_onnx = cpu_best(runner(det_sess, X32))
    t_det_onnx_one = cpu_best(runner(det_sess, one32), number=1000)
    t_forest = cpu_best(lambda: forest.score_samples(X), repeat=3)
    t_forest_one = cpu_best(lambda: forest.score_samples(one), number=200)
    t_forest_onnx = cpu_best(runner(forest_sess, X32))
    t_forest_onnx_one = cpu_best(runner(forest_sess, one32), number=1000)
    print("Outlier scores, 100,000 x 30 (5,000 fitted)")
    print(header)
    print(row("AutoencoderOutlierDetector.score_samples", t_det, t_det_one, n))
    print(row("  its export, onnxruntime", t_det_onnx, t_det_onnx_one, n))
    print(row("IsolationForest.score_samples", t_forest, t_forest_one, n))
    print(row("  its export (skl2onnx), onnxruntime", t_forest_onnx, t_forest_onnx_one, n))

    ae = AutoencoderTransformer(4, max_iter=20, random_state=0).fit(X[:5000])
    pca = PCA(4).fit(X[:5000])
    ae_sess = session(sklearn_ae.to_onnx(ae, X32[:1]))
    pca_sess = session(skl2onnx.to_onnx(pca, X32[:1], target_opset=OPSET))
    bare_sess = session(bare_dense_graph(ae.encoder_))
    t_ae, t_ae_one = cpu_best(lambda: ae.transform(X)), cpu_best(
        lambda: ae.transform(one), number=200
    )
    t_ae_onnx = cpu_best(runner(ae_sess, X32))
    t_ae_onnx_one = cpu_best(runner(ae_sess, one32), number=1000)
    t_bare = cpu_best(runner(bare_sess, X32))
    t_bare_one = cpu_best(runner(bare_sess, one32), number=1000)
    t_pca, t_pca_one = cpu_best(lambda: pca.transform(X)), cpu_best(
        lambda: pca.transform(one), number=200
    )
    t_pca_onnx = cpu_best(runner(pca_sess, X32))
    t_pca_onnx_one = cpu_best(runner(pca_sess, one32), number=1000)
    print("\nCodes, 100,000 x 30, 4 components (5,000 fitted)")
    print(header)
    print(row("AutoencoderTransformer.transform", t_ae, t_ae_one, n))
    print(row("  its export, onnxruntime", t_ae_onnx, t_ae_onnx_one, n))
    print(row("  bare graph written from the weights", t_bare, t_bare_one, n))
    print(row("PCA.transform", t_pca, t_pca_one, n))
    print(row("  its export (skl2onnx), onnxruntime", t_pca_onnx, t_pca_onnx_one, n))
    gap = np.abs(
        runner(ae_sess, X32[:1000])()[0] - runner(bare_sess, X32[:1000])()[0]
    ).max()
    print(f"(export and bare graph agree to {gap:.1e})")

    speedup = t_det / t_det_onnx
    worst = max(t_det_onnx_one, t_ae_onnx_one)
    print("\nTargets")
    print(
        f"detector export vs score_samples at 100,000 rows: {speedup:.1f}x faster; "
        f"target >= 3x: {'met' if speedup >= 3 else 'MISSED'}"
    )
    print(
        f"one-row latency of the exports: at most {worst * 1e3:.3f} ms; target "
        f"< 1 ms: {'met' if worst < 1e-3 else 'MISSED'}"
    )
    print(
        f"torch.onnx's dense encoder vs the bare graph from the weights: "
        f"{t_ae_onnx / t_bare:.2f}x the time at 100,000 rows"
    )


if __name__ == "__main__":
    main()
