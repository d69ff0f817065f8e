"""Streaming (partial_fit), persistence and memmaps."""

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
