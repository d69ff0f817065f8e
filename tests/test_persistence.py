"""Streaming (partial_fit), persistence and memmaps."""

import json
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import sklearn_ae
from sklearn_ae import AutoencoderTransformer


@pytest.fixture(scope="module")
def X():
    X, _ = load_digits(return_X_y=True)
    return X[:600] / 16.0


@pytest.fixture(scope="module")
def fitted(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return AutoencoderTransformer(3, max_iter=5, random_state=0).fit(X)


def test_partial_fit_streams_chunks_and_lowers_loss(X):
    ae = AutoencoderTransformer(4, random_state=0)
    for _ in range(4):
        for chunk in np.array_split(X, 3):
            ae.partial_fit(chunk)
    assert ae.n_iter_ == 12 and len(ae.loss_curve_) == 12
    assert np.mean(ae.loss_curve_[-3:]) < np.mean(ae.loss_curve_[:3])
    assert ae.transform(X).shape == (600, 4)
    with pytest.raises(ValueError, match="X has 10 features"):
        ae.partial_fit(X[:, :10])


def test_partial_fit_keeps_optimizer_state(X):
    ae = AutoencoderTransformer(2, random_state=0).partial_fit(X)
    optimizer = ae._net.optimizer_
    steps = optimizer.state[next(iter(optimizer.state))]["step"].item()
    ae.partial_fit(X)
    assert ae._net.optimizer_ is optimizer
    assert optimizer.state[next(iter(optimizer.state))]["step"].item() > steps


@pytest.mark.parametrize(
    "dump, load",
    [
        (pickle.dumps, pickle.loads),
        (lambda est: joblib.dump(est, "model.joblib")[0], joblib.load),
    ],
)
def test_pickle_and_joblib_round_trip(fitted, X, dump, load, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded = load(dump(fitted))
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), fitted.score_samples(X))


def test_safe_save_load_round_trip(fitted, X, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    for loaded in (AutoencoderTransformer.load(path), sklearn_ae.load(path)):
        assert type(loaded) is AutoencoderTransformer
        assert loaded.get_params() == fitted.get_params()
        assert loaded.n_iter_ == fitted.n_iter_
        assert loaded.loss_curve_ == fitted.loss_curve_
        np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
        np.testing.assert_array_equal(
            loaded.inverse_transform(fitted.transform(X)),
            fitted.inverse_transform(fitted.transform(X)),
        )
    loaded.partial_fit(X)
    assert loaded.n_iter_ == fitted.n_iter_ + 1


def test_save_keeps_feature_names(X, tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(df)
    ae.save(tmp_path / "m.skae")
    loaded = sklearn_ae.load(tmp_path / "m.skae")
    assert list(loaded.feature_names_in_) == list(df.columns)


class _Boom:
    def __reduce__(self):
        return (print, ("PWNED: this pickle ran code",))


def test_load_refuses_pickles_without_running_them(tmp_path, capsys):
    path = tmp_path / "evil.skae"
    path.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(ValueError, match="is not a model file written by sklearn_ae"):
        sklearn_ae.load(path)
    torch.save({"x": torch.zeros(2)}, tmp_path / "weights.pt")
    with pytest.raises(ValueError, match="no sklearn_ae metadata"):
        sklearn_ae.load(tmp_path / "weights.pt")
    assert "PWNED" not in capsys.readouterr().out


def test_load_truncated_and_other_version(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    (tmp_path / "cut.skae").write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match="is not a model file"):
        sklearn_ae.load(tmp_path / "cut.skae")
    payload = torch.load(path, weights_only=True)
    payload["meta"] = payload["meta"].replace(
        '"format_version": 1', '"format_version": 99'
    )
    torch.save(payload, tmp_path / "future.skae")
    with pytest.raises(ValueError, match="file format version 99"):
        sklearn_ae.load(tmp_path / "future.skae")


def _edited(path, tmp_path, edit):
    """A copy of the model file at ``path`` with its payload edited."""
    payload = torch.load(path, weights_only=True)
    meta = json.loads(payload["meta"])
    edit(payload, meta)
    payload["meta"] = json.dumps(meta)
    out = tmp_path / "edited.skae"
    torch.save(payload, out)
    return out


def _drop_weights(payload, meta):
    payload["state_dict"] = {}


def _nan_weight(payload, meta):
    name = next(iter(payload["state_dict"]))
    payload["state_dict"][name] = payload["state_dict"][name] * float("nan")


def _wrong_shape(payload, meta):
    name = next(k for k, v in payload["state_dict"].items() if v.ndim == 2)
    payload["state_dict"][name] = torch.zeros(3, 3)


@pytest.mark.parametrize(
    "edit",
    [
        lambda p, m: m.pop("class"),
        lambda p, m: m.update({"class": "Sequential"}),
        lambda p, m: m["params"].update({"extra": 1}),
        lambda p, m: m["params"].pop("n_components"),
        lambda p, m: m["fitted"].update({"transform": 1}),
        lambda p, m: m["fitted"].update({"_target_width": 5}),
        _drop_weights,
        _nan_weight,
        _wrong_shape,
    ],
    ids=[
        "missing class",
        "unknown class",
        "extra parameter",
        "missing parameter",
        "attribute named like a method",
        "shapes that do not fit the weights",
        "missing weights",
        "NaN weights",
        "wrong shape",
    ],
)
def test_load_refuses_edited_files(fitted, tmp_path, edit):
    path = tmp_path / "model.skae"
    fitted.save(path)
    with pytest.raises(ValueError, match="is not a model file written by sklearn_ae"):
        sklearn_ae.load(_edited(path, tmp_path, edit))


def test_load_refuses_an_empty_file(tmp_path):
    (tmp_path / "empty.skae").write_bytes(b"")
    with pytest.raises(ValueError, match="is not a model file written by sklearn_ae"):
        sklearn_ae.load(tmp_path / "empty.skae")


def test_fit_and_transform_read_a_memmap(X, tmp_path):
    path = tmp_path / "rows.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    kw = dict(n_components=2, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_mm = AutoencoderTransformer(**kw).fit(ro)
        from_array = AutoencoderTransformer(**kw).fit(X.astype(np.float32))
    np.testing.assert_array_equal(
        from_mm.transform(ro), from_array.transform(X.astype(np.float32))
    )
    assert from_mm.transform(ro).dtype == np.float32


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_model_pickles_and_saves_for_cpu(X, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(3, max_iter=3, device="cuda", random_state=0).fit(X)
    on_gpu = ae.transform(X)
    ae.save(tmp_path / "gpu.skae")
    loaded = sklearn_ae.load(tmp_path / "gpu.skae")
    assert next(loaded.encoder_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(loaded.transform(X), on_gpu, rtol=1e-4, atol=1e-5)
    unpickled = pickle.loads(pickle.dumps(ae))
    np.testing.assert_allclose(unpickled.transform(X), on_gpu, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the CPU-only load path")
def test_model_marked_cuda_unpickles_on_cpu(fitted, X):
    # A model trained with device="cuda" pickles with its net's device set to
    # "cuda"; on a machine without CUDA it must load on the CPU and still work.
    clone = pickle.loads(pickle.dumps(fitted))
    clone._net.device = "cuda"
    clone.device_ = "cuda"
    with pytest.warns(UserWarning, match="no CUDA devices are available"):
        loaded = pickle.loads(pickle.dumps(clone))
    assert str(loaded._net.device) == "cpu" and loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def _train_on_after_load(estimator, X, tmp_path, epochs=3):
    """(trained on without saving, trained on after save + load), each
    ``epochs`` more ``partial_fit`` epochs. The file holds no optimizer
    state, so the first model's optimizer is restarted too: the two must
    then train identically."""
    path = tmp_path / "model.skae"
    estimator.save(path)
    loaded = sklearn_ae.load(path)
    estimator._net.initialize_optimizer()
    for _ in range(epochs):
        estimator.partial_fit(X)
        loaded.partial_fit(X)
    return estimator, loaded


@pytest.mark.parametrize("noise", ["gaussian", "masking", "salt_pepper"])
def test_loaded_denoiser_trains_on_as_if_never_saved(noise, tmp_path):
    # Data far from [0, 1]: salt-and-pepper noise must use the training
    # columns' extremes after load too, not placeholder ones.
    X = np.random.RandomState(0).uniform(5, 10, size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dae = sklearn_ae.DenoisingAutoencoder(
            3, noise=noise, max_iter=5, random_state=0
        ).fit(X)
    kept, loaded = _train_on_after_load(dae, X, tmp_path)
    if noise == "salt_pepper":
        np.testing.assert_array_equal(loaded._noise_extremes, dae._noise_extremes)
        np.testing.assert_allclose(loaded._noise_extremes[0], X.min(axis=0))
    np.testing.assert_allclose(loaded.predict(X), kept.predict(X), rtol=1e-5)
    assert loaded.loss_curve_ == pytest.approx(kept.loss_curve_, rel=1e-5)


def test_loaded_vae_trains_on_as_if_never_saved(tmp_path):
    X = np.random.RandomState(0).normal(50, 10, size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vae = sklearn_ae.VariationalAutoencoder(2, max_iter=5, random_state=0).fit(X)
    kept, loaded = _train_on_after_load(vae, X, tmp_path)
    assert loaded._variance_floor == vae._variance_floor
    np.testing.assert_allclose(loaded.transform(X), kept.transform(X), rtol=1e-5)
    assert loaded.noise_variance_ == pytest.approx(kept.noise_variance_, rel=1e-5)


def test_each_module_imports_alone():
    # No import circle: every module of the package imports first in a fresh
    # interpreter.
    import pkgutil
    import subprocess
    import sys

    # One interpreter: before each module, the package's modules are
    # forgotten, so that each is imported first (torch and the others stay
    # loaded: a fresh interpreter per module took 3 minutes on a busy
    # machine).
    names = [m.name for m in pkgutil.walk_packages(sklearn_ae.__path__, "sklearn_ae.")]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.startswith('sklearn_ae')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        sys.exit(f'{name}: {type(exc).__name__}: {exc}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-1000:]


def test_partial_fit_after_an_early_stopping_fit(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(
            2, early_stopping=True, max_iter=5, random_state=0
        ).fit(X)
    n_iter = ae.n_iter_
    ae.partial_fit(X)
    assert ae.n_iter_ == n_iter + 1


@pytest.mark.parametrize(
    "content",
    [pickle.dumps({"a": 1}, protocol=4), np.random.RandomState(0).bytes(1000)],
    ids=["pickle", "random bytes"],
)
def test_load_of_a_foreign_file_says_only_that_it_is_not_a_model(tmp_path, content):
    # Neither torch's warning about the pickle protocol nor its advice to
    # retry with weights_only=False (which would unpickle) reaches the user.
    path = tmp_path / "foreign.skae"
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as error:
            sklearn_ae.load(path)
    message = str(error.value)
    assert "is not a model file written by sklearn_ae's save" in message
    assert "weights_only" not in message and "unpickl" not in message.lower()


def test_save_into_a_missing_folder_is_a_file_not_found_error(fitted, tmp_path):
    path = tmp_path / "no" / "such" / "m.skae"
    with pytest.raises(FileNotFoundError, match=r"folder .*such does not exist"):
        fitted.save(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sklearn_ae.save(fitted, str(path))
    assert not path.parent.exists()


def _cut_to_one_entry(name):
    """An edit that keeps only the first entry of the fitted array ``name``."""

    def edit(payload, meta):
        if name in payload["arrays"]:
            payload["arrays"][name] = payload["arrays"][name].flatten()[:1].clone()
        else:
            meta["fitted"][name]["__ndarray__"] = meta["fitted"][name]["__ndarray__"][
                :1
            ]

    return edit


def _fitted_for_arrays(name):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "AutoencoderOutlierDetector":
            return sklearn_ae.AutoencoderOutlierDetector(
                max_iter=2, random_state=0
            ).fit(X)
        if name == "AutoencoderImputer":
            X[rng.uniform(size=X.shape) < 0.2] = np.nan
            X[:, 2] = np.nan
            return sklearn_ae.AutoencoderImputer(max_iter=2, random_state=0).fit(X)
        return sklearn_ae.DenoisingAutoencoder(
            2, noise="salt_pepper", max_iter=2, random_state=0
        ).fit(X)


@pytest.mark.parametrize(
    "estimator, array",
    [
        ("AutoencoderOutlierDetector", "_residual_scale"),
        ("AutoencoderOutlierDetector", "_code_center"),
        ("AutoencoderOutlierDetector", "_code_scale"),
        ("AutoencoderOutlierDetector", "_part_scale"),
        ("AutoencoderOutlierDetector", "_code_reference"),
        ("AutoencoderImputer", "_empty_features"),
        ("AutoencoderImputer", "_fill_spread"),
        ("AutoencoderImputer", "_column_range"),
        ("AutoencoderImputer", "_fill_weight"),
        ("AutoencoderImputer", "_linear_coef"),
        ("DenoisingAutoencoder", "_noise_extremes"),
    ],
)
def test_load_refuses_a_fitted_array_cut_short(estimator, array, tmp_path):
    # A cut scale loaded and gave silently different scores; a cut reference
    # or mask failed later with a raw IndexError.
    path = tmp_path / "model.skae"
    model = _fitted_for_arrays(estimator)
    model.save(path)
    sklearn_ae.load(path)  # the file as written loads
    with pytest.raises(
        ValueError, match=rf"not a model file .*fitted array {array} has shape \(1,"
    ):
        sklearn_ae.load(_edited(path, tmp_path, _cut_to_one_entry(array)))


def test_load_refuses_fitted_arrays_of_the_wrong_kind(tmp_path):
    path = tmp_path / "model.skae"
    _fitted_for_arrays("AutoencoderImputer").save(path)

    def as_floats(payload, meta):
        meta["fitted"]["_empty_features"]["dtype"] = "<f8"

    def index_out_of_range(payload, meta):
        meta["fitted"]["_indicator_features"]["__ndarray__"][0] = 6

    with pytest.raises(ValueError, match=r"_empty_features has shape \(6,\) and dtype"):
        sklearn_ae.load(_edited(path, tmp_path, as_floats))
    with pytest.raises(ValueError, match=r"_indicator_features holds indices outside"):
        sklearn_ae.load(_edited(path, tmp_path, index_out_of_range))
