"""Behaviour of AutoencoderTransformer."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AutoencoderTransformer, Conv


@pytest.fixture(scope="module")
def sample(digits):
    return (digits[0][:400], digits[1][:400])


def _curve(n=300, seed=0):
    """Points near a 1-D curve embedded in 6-D: non-linear, so PCA(1) fails."""
    rng = np.random.RandomState(seed)
    t = rng.uniform(-2, 2, size=(n, 1))
    X = np.hstack([t, t**2, np.sin(2 * t), np.cos(t), t**3 / 4, np.tanh(t)])
    return X + 0.01 * rng.normal(size=X.shape)


def test_loss_decreases(sample):
    X, _ = sample
    ae = AutoencoderTransformer(
        4, init="random", early_stopping=False, max_iter=30, random_state=0
    ).fit(X)
    assert len(ae.loss_curve_) == ae.n_iter_
    assert ae.loss_curve_[-1] < 0.5 * ae.loss_curve_[0]
    assert ae.best_loss_ == pytest.approx(min(ae.loss_curve_))


def test_beats_pca_on_a_curved_manifold():
    X = StandardScaler().fit_transform(_curve(600))
    X_train, X_test = X[:400], X[400:]
    pca = PCA(1).fit(X_train)
    pca_err = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    ae = AutoencoderTransformer(1, random_state=0).fit(X_train)
    assert -ae.score(X_test) < 0.5 * pca_err


def test_pca_init_starts_from_pca(sample):
    X, _ = sample
    # An identity output: a sigmoid (the default for data in [0, 1]) starts
    # from PCA linearised at the mean, close to it but not exactly on it.
    ae = AutoencoderTransformer(
        5,
        output_activation="identity",
        max_iter=1,
        learning_rate_init=1e-12,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    pca = PCA(5).fit(X)
    pca_err = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    assert -ae.score(X) == pytest.approx(pca_err, rel=1e-3)


def test_shapes_and_dtypes(sample):
    X, _ = sample
    ae = AutoencoderTransformer(3, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Z = ae.fit_transform(X.astype(np.float32))
    assert Z.shape == (400, 3) and Z.dtype == np.float32
    assert ae.transform(X).dtype == np.float64
    R = ae.inverse_transform(Z)
    assert R.shape == X.shape and R.dtype == np.float32
    assert ae.score_samples(X).shape == (400,)
    np.testing.assert_allclose(
        ae.score_samples(X),
        -np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2, axis=1),
        rtol=1e-4,
        atol=1e-7,
    )
    assert ae.score(X) == pytest.approx(ae.score_samples(X).mean())
    assert list(ae.get_feature_names_out()) == [
        f"autoencodertransformer{i}" for i in range(3)
    ]
    assert isinstance(ae.encoder_, torch.nn.Module)
    assert isinstance(ae.decoder_, torch.nn.Module)


def test_same_seed_same_output_different_seed_different(sample):
    X, _ = sample
    kw = dict(n_components=2, max_iter=5, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = AutoencoderTransformer(**kw, random_state=1).fit_transform(X)
        b = AutoencoderTransformer(**kw, random_state=1).fit_transform(X)
        c = AutoencoderTransformer(**kw, random_state=2).fit_transform(X)
        est = AutoencoderTransformer(**kw, random_state=1, dropout=0.1)
        d = clone(est).fit(X).transform(X)
        e = clone(est).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(d, e)


def test_global_rng_untouched(sample):
    X, _ = sample
    np.random.seed(123)
    torch.manual_seed(123)
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AutoencoderTransformer(2, max_iter=2, dropout=0.2, random_state=0).fit(X)
        AutoencoderTransformer(2, max_iter=2, early_stopping=True).fit(X)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_pickle_round_trip(sample):
    X, _ = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(3, max_iter=3, random_state=0).fit(X)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), ae.score_samples(X))


def test_early_stopping_records_validation_and_restores_best(sample):
    X, _ = sample
    ae = AutoencoderTransformer(
        4, early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0
    ).fit(X)
    assert ae.n_iter_ < 200
    assert len(ae.validation_scores_) == ae.n_iter_
    assert ae.best_loss_ == pytest.approx(-max(ae.validation_scores_))
    no_es = AutoencoderTransformer(
        2, early_stopping=False, max_iter=3, tol=0, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        no_es.fit(X)
    assert no_es.validation_scores_ is None


def test_convergence_warning_advice_fits_the_settings(sample):
    X, _ = sample
    with pytest.warns(ConvergenceWarning, match="set early_stopping=True"):
        AutoencoderTransformer(
            2, early_stopping=False, max_iter=2, tol=0, random_state=0
        ).fit(X)
    with pytest.warns(ConvergenceWarning, match="Increase max_iter or tol") as record:
        AutoencoderTransformer(
            2, max_iter=2, tol=0, early_stopping=True, random_state=0
        ).fit(X)
    assert "set early_stopping" not in str(record[0].message)


def test_tol_stops_training(sample):
    X, _ = sample
    ae = AutoencoderTransformer(2, tol=1.0, n_iter_no_change=2, random_state=0).fit(X)
    assert ae.n_iter_ == 3


def test_sparse_and_pandas_input(sample):
    pd = pytest.importorskip("pandas")
    X, _ = sample
    kw = dict(n_components=2, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = AutoencoderTransformer(**kw).fit(X)
        sparse = AutoencoderTransformer(**kw).fit(sp.csr_matrix(X))
        df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
        frame = AutoencoderTransformer(**kw).fit(df)
    np.testing.assert_allclose(
        sparse.transform(sp.csr_matrix(X)), dense.transform(X), rtol=1e-5, atol=1e-6
    )
    assert list(frame.feature_names_in_) == list(df.columns)


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_set_output_names_columns(sample, library):
    lib = pytest.importorskip(library)
    X, _ = sample
    ae = AutoencoderTransformer(3, max_iter=2, random_state=0).set_output(
        transform=library
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = ae.fit_transform(X)
    assert isinstance(out, lib.DataFrame)
    assert list(out.columns) == [f"autoencodertransformer{i}" for i in range(3)]


def test_grid_search_in_pipeline():
    X, y = make_classification(
        n_samples=200, n_features=10, n_informative=5, random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("reduce", AutoencoderTransformer(max_iter=5, random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    search = GridSearchCV(
        pipe,
        [
            {"reduce__n_components": [2, 4]},
            {"reduce": [PCA(2)]},
        ],
        cv=2,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.score(X, y) > 0.6


def test_grid_search_without_scoring_uses_reconstruction(sample):
    X, _ = sample
    search = GridSearchCV(
        AutoencoderTransformer(max_iter=20, random_state=0),
        {"n_components": [1, 8]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X)
    assert search.best_params_ == {"n_components": 8}


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.empty((0, 3)), "0 sample"),
    ],
)
def test_bad_input_errors(X, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderTransformer(1, max_iter=2).fit(X)


def test_wrong_feature_count_at_transform(sample):
    X, _ = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(X)
    with pytest.raises(
        ValueError,
        match="X has 10 features, but AutoencoderTransformer is expecting 64",
    ):
        ae.transform(X[:, :10])
    with pytest.raises(ValueError, match="n_components=2 columns, but got 3"):
        ae.inverse_transform(np.zeros((4, 3)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"activation": "swish"}, "'activation' parameter"),
        ({"loss": "hinge"}, "'loss' parameter"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ],
)
def test_bad_parameters(sample, params, match):
    X, _ = sample
    with pytest.raises(ValueError, match=match):
        AutoencoderTransformer(**params).fit(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="machine has CUDA")
def test_cuda_without_cuda_errors(sample):
    X, _ = sample
    ae = AutoencoderTransformer(device="cuda")
    with pytest.raises(ValueError, match="CUDA is not available"):
        ae.fit(X)
    assert not hasattr(ae, "n_iter_")


def test_unknown_device_errors(sample):
    X, _ = sample
    with pytest.raises(ValueError, match="device='gpu0' is not a torch device"):
        AutoencoderTransformer(device="gpu0").fit(X)


def test_bce_needs_unit_range(sample):
    X, _ = sample
    with pytest.raises(ValueError, match=r"loss='bce' needs X in \[0, 1\]"):
        AutoencoderTransformer(loss="bce").fit(X * 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(2, loss="bce", max_iter=3, random_state=0).fit(X)
    R = ae.inverse_transform(ae.transform(X))
    assert R.min() >= 0 and R.max() <= 1


@pytest.mark.parametrize("loss", ["mse", "l1", "huber", "bce"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", "leaky_relu"])
def test_losses_and_activations_train(sample, loss, activation):
    X, _ = sample
    ae = AutoencoderTransformer(
        3,
        loss=loss,
        activation=activation,
        max_iter=8,
        tol=0,
        init="random",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


def test_diverging_fit_gives_clear_error():
    rng = np.random.RandomState(0)
    X = rng.normal(scale=1e4, size=(200, 5)) ** 3
    ae = AutoencoderTransformer(
        2, learning_rate_init=10, init="random", solver="sgd", random_state=0
    )
    with pytest.raises(ValueError, match="training diverged. Lower learning_rate_init"):
        ae.fit(X)
    assert not hasattr(ae, "n_iter_")


def test_verbose_shows_progress(sample, capsys):
    X, _ = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AutoencoderTransformer(2, max_iter=3, verbose=1, random_state=0).fit(X)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err


def test_never_worse_than_pca_on_held_out_rows_of_small_data():
    # wine, 124 training rows: the network alone overfits (1.13x PCA's test
    # error at k=2); early_stopping="auto" holds out rows on which the PCA
    # start competes, so the result cannot be worse than PCA there.
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, _ = load_wine(return_X_y=True)
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    pca = PCA(2).fit(X_train)
    pca_err = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    ae = AutoencoderTransformer(2, random_state=0).fit(X_train)
    assert ae.validation_scores_ is not None  # "auto" turned early stopping on
    ae_err = -ae.score(X_test)
    assert ae_err <= pca_err * 1.001


def test_never_worse_than_pca_on_held_out_rows_of_noise_dominated_data():
    # 1,400 training rows of a rank-2 signal under twice as much isotropic
    # noise: no curve to find, so training only fits the training rows'
    # noise. Above 1,000 rows early_stopping="auto" still holds rows out, on
    # which the PCA start competes with the trained network (before, it held
    # none out there and ended ~1.1x PCA's test error).
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    X = rng.randn(2000, 2) @ rng.randn(2, 12) + 2.0 * rng.randn(2000, 12)
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    pca = PCA(4).fit(X_train)
    pca_err = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(4, max_iter=40, random_state=0).fit(X_train)
    assert ae.validation_scores_ is not None  # rows held out above 1,000 rows
    assert -ae.score(X_test) <= pca_err * 1.001


# ----------------------------------------------------------- missing values
def test_nan_rows_fit_transform_and_score(sample):
    X, _ = sample
    rng = np.random.RandomState(0)
    hidden = rng.uniform(size=X.shape) < 0.2
    X_nan = np.where(hidden, np.nan, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(
            8,
            early_stopping=False,
            output_activation="identity",
            max_iter=30,
            random_state=0,
        ).fit(X_nan)
    assert ae.__sklearn_tags__().input_tags.allow_nan
    Z = ae.transform(X_nan)
    assert np.isfinite(Z).all()
    R = ae.inverse_transform(Z)
    # A row's score is its error over its observed entries only.
    expected = -np.nanmean((R - X_nan) ** 2, axis=1)
    assert np.allclose(ae.score_samples(X_nan), expected, rtol=1e-4)
    # The missing entries were never seen, yet their reconstruction beats
    # the column means: the codes carry the rows' structure.
    mean_fill = np.nanmean(X_nan, axis=0)
    error = np.mean((R[hidden] - X[hidden]) ** 2)
    baseline = np.mean((np.broadcast_to(mean_fill, X.shape)[hidden] - X[hidden]) ** 2)
    assert error < 0.5 * baseline
    # Codes from the observed entries are close to the codes of whole rows.
    assert np.mean((Z - ae.transform(X)) ** 2) < 0.1 * np.mean(Z**2)


def test_nan_only_for_the_dense_network(sample):
    X = sample[0][:50].reshape(50, 1, 8, 8).copy()
    X[0, 0, 0, 0] = np.nan
    ae = AutoencoderTransformer(4, network=Conv(channels=(4,)), max_iter=2)
    assert not ae.__sklearn_tags__().input_tags.allow_nan
    with pytest.raises(
        ValueError, match=r"network=Conv\(channels=\(4,\)\) cannot take"
    ):
        ae.fit(X)


@pytest.mark.parametrize("name", ["DenoisingAutoencoder", "VariationalAutoencoder"])
def test_nan_rows_in_denoiser_and_vae(name):
    import sklearn_ae

    X = np.random.RandomState(0).normal(size=(60, 4))
    X[::7, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = getattr(sklearn_ae, name)(max_iter=5, random_state=0).fit(X)
    assert np.isfinite(model.transform(X)).all()
    assert np.isfinite(model.score_samples(X)).all()
