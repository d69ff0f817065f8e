"""ONNX export: every estimator x network kind matches the estimator in
onnxruntime, alone and in pipelines; what cannot be exported is refused."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

import sklearn_ae
from sklearn_ae import (
    AutoencoderClassifier,
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderRegressor,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    VariationalAutoencoder,
)

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
pytest.importorskip("onnxscript")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# Network kinds: hyperparameters and the shape one row is viewed as.
KINDS = {
    "dense": ({}, (12,)),
    "conv": ({"network": "conv", "input_shape": (2, 4, 4)}, (2, 4, 4)),
    "recurrent": ({"network": "recurrent", "input_shape": (6, 2)}, (6, 2)),
}

ESTIMATORS = [
    AutoencoderTransformer,
    DenoisingAutoencoder,
    VariationalAutoencoder,
    AutoencoderOutlierDetector,
    AutoencoderRegressor,
    AutoencoderClassifier,
    AutoencoderImputer,
]


def _data(shape, n=160, seed=0):
    """Rows near a curve (so the networks learn something), as flat rows."""
    rng = np.random.RandomState(seed)
    t = rng.uniform(-1, 1, size=(n, 1))
    width = int(np.prod(shape))
    directions = rng.normal(size=(3, width))
    X = np.hstack([t, t**2, np.sin(3 * t)]) @ directions
    return X + 0.05 * rng.normal(size=X.shape)


def _fitted(cls, kind, X):
    params, shape = KINDS[kind]
    params = dict(params, max_iter=5, random_state=0)
    if cls is not AutoencoderImputer and cls is not AutoencoderOutlierDetector:
        params["n_components"] = 2
    if cls is AutoencoderClassifier:
        return cls(**params).fit(X, (X[:, 0] > np.median(X[:, 0])).astype(int))
    if cls is AutoencoderRegressor:
        # dense: a 1-D target (exported as one column, like MLPRegressor);
        # conv and recurrent: a paired map to rows shaped like the input.
        y = X[:, 0] + X[:, 1] ** 2 if kind == "dense" else np.tanh(X)
        return cls(**params).fit(X, y)
    if cls is AutoencoderImputer:
        rng = np.random.RandomState(1)
        return cls(**params).fit(np.where(rng.uniform(size=X.shape) < 0.2, np.nan, X))
    return cls(**params).fit(X)


def _expected(estimator, X):
    """The estimator's own outputs, in the export's order and shapes."""
    if isinstance(estimator, AutoencoderOutlierDetector):
        return [estimator.predict(X)[:, None], estimator.decision_function(X)[:, None]]
    if isinstance(estimator, AutoencoderClassifier):
        return [estimator.predict(X), estimator.predict_proba(X)]
    if isinstance(estimator, AutoencoderRegressor):
        predicted = estimator.predict(X)
        return [predicted.reshape(len(X), -1)]
    return [estimator.transform(X)]


def _run(model, X):
    session = ort.InferenceSession(
        model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _assert_matches(outputs, expected):
    """Labels identical; real outputs within 1e-5 relative to their scale,
    in float32."""
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected, strict=True):
        got = np.asarray(got)
        assert got.shape == want.shape
        if want.dtype.kind in "iuOUb":
            assert_array_equal(got, want)
        else:
            assert got.dtype == np.float32
            assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())


CASES = [
    (cls, kind)
    for cls in ESTIMATORS
    for kind in KINDS
    if not (cls is AutoencoderImputer and kind != "dense")  # the imputer is dense
]


@pytest.mark.parametrize(
    "cls, kind", CASES, ids=[f"{c.__name__}-{k}" for c, k in CASES]
)
def test_export_matches_estimator(cls, kind):
    """onnxruntime on the export gives the estimator's outputs on held-out
    rows, for flat rows and (conv) images shaped (n, H, W, C) as the
    estimator takes them; the batch size is free."""
    shape = KINDS[kind][1]
    X = _data(shape)
    estimator = _fitted(cls, kind, X[:120])
    held_out = _data(shape, n=40, seed=7).astype(np.float32)
    if cls is AutoencoderImputer:
        rng = np.random.RandomState(3)
        held_out[rng.uniform(size=held_out.shape) < 0.2] = np.nan
    expected = _expected(estimator, held_out)
    options = (
        {id(estimator): {"zipmap": False}} if cls is AutoencoderClassifier else None
    )
    model = sklearn_ae.to_onnx(estimator, held_out[:1], options=options)
    _assert_matches(_run(model, held_out), expected)
    _assert_matches(_run(model, held_out[:1]), [e[:1] for e in expected])
    if kind == "conv":
        images = held_out.reshape(-1, *shape).transpose(0, 2, 3, 1)  # (n, H, W, C)
        assert_allclose(_expected(estimator, images)[-1], expected[-1])
        model = sklearn_ae.to_onnx(estimator, images[:1], options=options)
        _assert_matches(_run(model, images), expected)


VARIANTS = {
    "dropout": dict(dropout=0.3),
    "gelu-sigmoid": dict(activation="gelu", output_activation="sigmoid"),
    "selu": dict(activation="selu"),
    "elu-relu": dict(activation="elu", output_activation="relu"),
    "silu-tanh": dict(activation="silu", output_activation="tanh"),
}


@pytest.mark.parametrize("params", VARIANTS.values(), ids=VARIANTS.keys())
def test_variants_match(params):
    """Dropout (off at inference) and every activation (the network builds
    several from tanh, expm1 and erf) through a paired map's predict."""
    X = _data((12,))
    X = (X - X.min()) / (X.max() - X.min())  # [0, 1] for the sigmoid output
    regressor = AutoencoderRegressor(2, max_iter=5, random_state=0, **params)
    regressor.fit(X[:120], X[:120])
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(regressor, held_out[:1])
    _assert_matches(_run(model, held_out), [regressor.predict(held_out)])


@pytest.mark.parametrize("sparsity", ["l1", "kl"])
def test_sparse_codes_match(sparsity):
    X = _data((12,))
    transformer = AutoencoderTransformer(
        4, sparsity=sparsity, max_iter=5, random_state=0
    ).fit(X[:120])
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(transformer, held_out[:1])
    _assert_matches(_run(model, held_out), [transformer.transform(held_out)])


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_missing_values_match(cls):
    """NaN in the input (dense networks take it) gives the estimator's result."""
    X = _data((12,))
    estimator = _fitted(cls, "dense", X[:120])
    held_out = _data((12,), n=40, seed=7).astype(np.float32)
    held_out[np.random.RandomState(5).uniform(size=held_out.shape) < 0.15] = np.nan
    options = (
        {id(estimator): {"zipmap": False}} if cls is AutoencoderClassifier else None
    )
    model = sklearn_ae.to_onnx(estimator, held_out[:1], options=options)
    _assert_matches(_run(model, held_out), _expected(estimator, held_out))


@pytest.mark.parametrize(
    "cls", [AutoencoderOutlierDetector, AutoencoderClassifier, AutoencoderRegressor]
)
def test_pipeline_with_scaler_matches(cls):
    """StandardScaler in front: skl2onnx converts the whole pipeline."""
    X = _data((12,)) * 50 + 10
    pipeline = make_pipeline(StandardScaler(), cls(max_iter=5, random_state=0))
    if cls is AutoencoderClassifier:
        pipeline.fit(X[:120], np.where(X[:120, 0] > np.median(X[:, 0]), "in", "out"))
    elif cls is AutoencoderRegressor:
        pipeline.fit(X[:120], X[:120, 0] - X[:120, 3])
    else:
        pipeline.fit(X[:120])
    held_out = X[120:].astype(np.float32)
    step = pipeline[-1]
    options = {id(step): {"zipmap": False}} if cls is AutoencoderClassifier else None
    model = sklearn_ae.to_onnx(pipeline, held_out[:1], options=options)
    outputs = _run(model, held_out)
    if cls is AutoencoderOutlierDetector:
        expected = [pipeline.predict(held_out)[:, None]]
        expected.append(pipeline.decision_function(held_out)[:, None])
    elif cls is AutoencoderClassifier:
        expected = [pipeline.predict(held_out), pipeline.predict_proba(held_out)]
    else:
        expected = [pipeline.predict(held_out)[:, None]]
    _assert_matches(outputs, expected)


def test_column_transformer_beside_scikit_learn():
    """A ColumnTransformer holding an autoencoder beside StandardScaler."""
    X = _data((12,))
    columns = ColumnTransformer(
        [
            (
                "codes",
                AutoencoderTransformer(2, max_iter=5, random_state=0),
                [0, 1, 2, 3, 4, 5],
            ),
            ("scaled", StandardScaler(), [6, 7, 8]),
        ]
    ).fit(X[:120])
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(columns, held_out[:1])
    _assert_matches(_run(model, held_out), [columns.transform(held_out)])


def test_column_transformer_on_named_columns():
    """A DataFrame's columns: skl2onnx makes one input per column and joins
    those the autoencoder reads."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_data((12,)), columns=[f"f{i}" for i in range(12)])
    columns = ColumnTransformer(
        [
            (
                "codes",
                AutoencoderTransformer(2, max_iter=5, random_state=0),
                ["f0", "f3", "f5", "f8"],
            ),
            ("scaled", StandardScaler(), ["f1", "f2"]),
        ]
    ).fit(X[:120])
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(columns, held_out[:1])
    session = ort.InferenceSession(model.SerializeToString())
    feeds = {c: held_out[[c]].to_numpy() for c in held_out.columns}
    (got,) = session.run(None, feeds)
    _assert_matches([got], [columns.transform(held_out)])


def test_loaded_model_exports(tmp_path):
    """A model saved and loaded exports as the fitted one did."""
    X = _data((12,))
    detector = AutoencoderOutlierDetector(max_iter=5, random_state=0).fit(X[:120])
    detector.save(tmp_path / "detector.skae")
    loaded = sklearn_ae.load(tmp_path / "detector.skae")
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(loaded, held_out[:1])
    _assert_matches(_run(model, held_out), _expected(detector, held_out))


def test_classifier_labels_and_zipmap():
    """String labels come out as strings; by default (zipmap, as for
    MLPClassifier) the probabilities are one dict per row."""
    X = _data((12,))
    y = np.where(X[:, 0] > np.median(X[:, 0]), "high", "low")
    classifier = AutoencoderClassifier(2, max_iter=5, random_state=0).fit(
        X[:120], y[:120]
    )
    held_out = X[120:].astype(np.float32)
    labels, probabilities = _run(sklearn_ae.to_onnx(classifier, held_out[:1]), held_out)
    assert_array_equal(labels, classifier.predict(held_out))
    expected = classifier.predict_proba(held_out)
    got = np.array([[row[c] for c in classifier.classes_] for row in probabilities])
    assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_float64_input_through_skl2onnx():
    """skl2onnx.to_onnx with float64 rows (after register_converters): the
    network runs in float32 between casts, outputs are float64."""
    from sklearn_ae._onnx import register_converters

    register_converters()
    X = _data((12,))
    transformer = AutoencoderTransformer(2, max_iter=5, random_state=0).fit(X[:120])
    model = skl2onnx.to_onnx(transformer, X[:1], target_opset={"": 21, "ai.onnx.ml": 3})
    (codes,) = _run(model, X[120:])
    assert codes.dtype == np.float64
    expected = transformer.transform(X[120:])
    assert_allclose(codes, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_refuses_wrong_width():
    X = _data((12,))
    transformer = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted on 12 features.*13 features"):
        sklearn_ae.to_onnx(transformer, np.zeros((1, 13), dtype=np.float32))


def test_refuses_shaped_rows_where_the_estimator_does():
    X = _data((12,))
    transformer = AutoencoderTransformer(
        2, network="recurrent", input_shape=(6, 2), max_iter=2, random_state=0
    ).fit(X)
    with pytest.raises(ValueError, match=r"takes rows of shape \(n, 12\)"):
        sklearn_ae.to_onnx(transformer, X[:1].reshape(1, 6, 2).astype(np.float32))


def test_refuses_sampled_imputation():
    X = _data((12,))
    X[::3, 2] = np.nan
    imputer = AutoencoderImputer(sample_posterior=True, max_iter=2, random_state=0)
    imputer.fit(X)
    with pytest.raises(ValueError, match="sample_posterior=True.*no ONNX form"):
        sklearn_ae.to_onnx(imputer, X[:1])


def test_refuses_low_opset():
    X = _data((12,))
    transformer = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="opset 18 or above; target_opset is 15"):
        sklearn_ae.to_onnx(transformer, X[:1], target_opset={"": 15, "ai.onnx.ml": 3})


class _SortedCodes(nn.Module):
    """A user's encoder whose forward has no ONNX form (numpy inside)."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_features, n_components)

    def forward(self, x):
        z = self.linear(x)
        order = np.argsort(z.detach().cpu().numpy(), axis=1)
        return z.gather(1, torch.as_tensor(order))


class _UserNet(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.encoder = _SortedCodes(n_features, n_components)
        self.decoder = nn.Linear(n_components, n_features)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


def test_user_network_without_onnx_form_is_refused():
    """A network of the user's that torch.onnx cannot export: a clear error
    naming the network; nothing is written."""
    X = _data((12,))
    transformer = AutoencoderTransformer(
        2, network=_UserNet, max_iter=2, random_state=0
    )
    transformer.fit(X)
    with pytest.raises(
        ValueError,
        match=r"\(_UserNet\) cannot be exported to ONNX: the operation "
        r"aten.sort has no ONNX form",
    ):
        sklearn_ae.to_onnx(transformer, X[:1].astype(np.float32))


def test_user_network_that_exports_matches():
    X = _data((12,))

    def factory(n_features, n_components):
        net = _UserNet(n_features, n_components)
        net.encoder = nn.Sequential(
            nn.Linear(n_features, 8), nn.Tanh(), nn.Linear(8, n_components)
        )
        return net

    transformer = AutoencoderTransformer(2, network=factory, max_iter=3, random_state=0)
    transformer.fit(X[:120])
    held_out = X[120:].astype(np.float32)
    model = sklearn_ae.to_onnx(transformer, held_out[:1])
    _assert_matches(_run(model, held_out), [transformer.transform(held_out)])


def test_missing_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    X = _data((12,))
    transformer = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(X)
    with pytest.raises(ImportError, match=r'pip install "sklearn_ae\[onnx\]"'):
        sklearn_ae.to_onnx(transformer, X[:1])


def test_served_without_torch(tmp_path):
    """The exported pipeline runs in a process that never imports torch."""
    X = _data((12,)) * 3 + 1
    pipeline = make_pipeline(
        StandardScaler(), AutoencoderOutlierDetector(max_iter=5, random_state=0)
    ).fit(X[:120])
    held_out = X[120:].astype(np.float32)
    path = tmp_path / "detector.onnx"
    path.write_bytes(sklearn_ae.to_onnx(pipeline, held_out[:1]).SerializeToString())
    np.save(tmp_path / "rows.npy", held_out)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import onnxruntime as ort

        session = ort.InferenceSession(
            {str(path)!r}, providers=["CPUExecutionProvider"]
        )
        rows = np.load({str(tmp_path / "rows.npy")!r})
        labels, scores = session.run(None, {{"X": rows}})
        np.save({str(tmp_path / "scores.npy")!r}, scores)
        assert "torch" not in sys.modules and "sklearn_ae" not in sys.modules
        print("served without torch")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "served without torch" in result.stdout
    scores = np.load(tmp_path / "scores.npy")
    expected = pipeline.decision_function(held_out)[:, None]
    assert_allclose(scores, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
