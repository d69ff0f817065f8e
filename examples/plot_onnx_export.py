"""
=====================================================
Deploying an outlier detector with ONNX
=====================================================

A fitted ``Pipeline(StandardScaler(), AutoencoderOutlierDetector())`` leaves
Python's training stack as one ONNX file: :func:`sklearn_ae.to_onnx`
registers sklearn_ae's converters with skl2onnx and converts the whole
pipeline, scaler included. The file runs in onnxruntime, here in a fresh
process that imports neither torch nor sklearn_ae, and gives the
pipeline's own labels and scores. We use the ADBench ``thyroid`` set when
``../shared/data`` holds it, else generated rows with planted outliers.
"""

# %%
# Fit the pipeline
# ----------------
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_ae
from sklearn_ae import AutoencoderOutlierDetector

# sphinx-gallery runs examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
shared = here.parents[1] / "shared" / "data"
path = Path(os.environ.get("SKLEARN_AE_DATA", shared)) / "adbench" / "thyroid.npz"
if path.exists():
    X = np.load(path)["X"]
else:
    # Rows near a curved surface in 6-D, and 2% of them pushed off it.
    rng = np.random.RandomState(0)
    t = rng.uniform(-1, 1, size=(2000, 2))
    X = np.column_stack(
        [
            t[:, 0],
            t[:, 1],
            t[:, 0] ** 2,
            t[:, 0] * t[:, 1],
            np.sin(2 * t[:, 1]),
            t.sum(1),
        ]
    ) + 0.05 * rng.normal(size=(2000, 6))
    X[:40] += rng.normal(scale=1.0, size=(40, 6))

rng = np.random.RandomState(0)
order = rng.permutation(len(X))
train, new = X[order[: len(X) // 2]], X[order[len(X) // 2 :]]
pipeline = make_pipeline(StandardScaler(), AutoencoderOutlierDetector(random_state=0))
pipeline.fit(train)

# %%
# Export it
# ---------
# One float32 input named ``X`` with a free batch size; the outputs are
# named as skl2onnx names ``IsolationForest``'s: ``label`` (+1 / -1) and
# ``scores`` (``decision_function``). The network computes in float32, the
# detector's distances in float64.
onnx_model = sklearn_ae.to_onnx(pipeline, new[:1])
folder = Path(tempfile.mkdtemp())
(folder / "detector.onnx").write_bytes(onnx_model.SerializeToString())
np.save(folder / "new_rows.npy", new.astype(np.float32))
print(
    f"detector.onnx: {(folder / 'detector.onnx').stat().st_size / 1e3:.0f} kB, "
    f"{len(onnx_model.graph.node)} nodes; inputs "
    f"{[i.name for i in onnx_model.graph.input]}, outputs "
    f"{[o.name for o in onnx_model.graph.output]}"
)

# %%
# Score new rows where torch is not installed
# -------------------------------------------
# The serving process needs only numpy and onnxruntime.
serve = textwrap.dedent(
    """
    import sys
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession("detector.onnx", providers=["CPUExecutionProvider"])
    labels, scores = session.run(None, {"X": np.load("new_rows.npy")})
    np.save("onnx_scores.npy", scores[:, 0])
    print("outliers flagged:", int((labels == -1).sum()), "of", len(labels))
    print("torch imported:", "torch" in sys.modules)
    """
)
served = subprocess.run(
    [sys.executable, "-c", serve],
    cwd=folder,
    capture_output=True,
    text=True,
    check=True,
)
print(served.stdout.strip())

# %%
# The same scores as the pipeline's
# ---------------------------------
onnx_scores = np.load(folder / "onnx_scores.npy")
scores = pipeline.decision_function(new)
gap = np.abs(onnx_scores - scores).max() / np.abs(scores).max()
print(f"largest difference: {gap:.1e} of the largest score")
print(
    "same labels:",
    bool(np.array_equal(np.where(onnx_scores < 0, -1, 1), pipeline.predict(new))),
)

fig, ax = plt.subplots(figsize=(5, 4.5))
ax.scatter(scores, onnx_scores, s=6, alpha=0.5)
low, high = scores.min(), scores.max()
ax.plot([low, high], [low, high], color="black", lw=0.8, label="y = x")
ax.axvline(0, color="tab:red", lw=0.8, ls="--", label="threshold (0)")
# Outliers score in the hundreds below zero: a symmetric log scale shows the
# bulk near the threshold too.
ax.set_xscale("symlog")
ax.set_yscale("symlog")
ax.set_xlabel("pipeline.decision_function (Python, float64)")
ax.set_ylabel("onnxruntime 'scores' (float32)")
ax.set_title("One model, two runtimes")
ax.legend()
fig.tight_layout()
plt.show()
