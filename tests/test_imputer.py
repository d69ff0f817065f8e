"""AutoencoderImputer: IterativeImputer's contract, and imputation quality."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_ae import AutoencoderImputer, load

FAST = {"max_iter": 5, "random_state": 0}

# Short fits on purpose: max_iter=5 stops before convergence.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _masked(X, rate, seed=0):
    hidden = np.random.RandomState(seed).uniform(size=X.shape) < rate
    return np.where(hidden, np.nan, X), hidden


@pytest.fixture(scope="module")
def table(digits):
    X = digits[0][:400]
    X_masked, hidden = _masked(X, 0.2)
    return X, X_masked, hidden


def test_imputer_observed_entries_untouched(table):
    X, X_masked, hidden = table
    X_masked = X_masked + 1e-9  # values no float32 round trip keeps exactly
    filled = AutoencoderImputer(**FAST).fit_transform(X_masked)
    assert not np.isnan(filled).any()
    assert np.array_equal(filled[~hidden], X_masked[~hidden])
    assert filled.dtype == np.float64
    filled32 = AutoencoderImputer(**FAST).fit_transform(X_masked.astype(np.float32))
    assert filled32.dtype == np.float32


def test_imputer_beats_mean_imputer():
    X = MinMaxScaler().fit_transform(load_breast_cancer().data)
    X_masked, hidden = _masked(X, 0.2)
    imputer = AutoencoderImputer(max_iter=30, random_state=0)
    ours = imputer.fit_transform(X_masked)
    mean = SimpleImputer().fit_transform(X_masked)

    def rmse(filled):
        return np.sqrt(np.mean((filled[hidden] - X[hidden]) ** 2))

    # Measured: about 0.06 against 0.146 for the mean.
    assert rmse(ours) < 0.6 * rmse(mean)


def test_imputer_new_rows_unseen_patterns(table):
    X, X_masked, _ = table
    imputer = AutoencoderImputer(**FAST).fit(X_masked)
    new = X[:20].copy()
    new[:, :32] = np.nan  # a pattern (the whole upper half) never seen at fit
    new[0] = np.nan
    new[0, 5] = 0.5
    filled = imputer.transform(new)
    assert filled.shape == new.shape
    assert not np.isnan(filled).any()
    assert np.array_equal(filled[:, 32:][1:], X[1:20, 32:])


def test_imputer_sample_posterior_draws(table):
    _, X_masked, hidden = table

    def draw(seed):
        imputer = AutoencoderImputer(
            sample_posterior=True, max_iter=5, random_state=seed
        )
        return imputer.fit(X_masked).transform(X_masked)

    first, again, other = draw(0), draw(0), draw(1)
    assert np.array_equal(first, again)
    assert not np.allclose(first[hidden], other[hidden])
    assert np.array_equal(first[~hidden], other[~hidden])
    centre = AutoencoderImputer(**FAST).fit(X_masked).transform(X_masked)
    assert not np.allclose(first[hidden], centre[hidden])


def test_imputer_in_pipeline_with_classifier(digits):
    X, y = digits[0][:300], digits[1][:300]
    X_masked, _ = _masked(X, 0.3)
    pipe = make_pipeline(AutoencoderImputer(**FAST), LogisticRegression(max_iter=200))
    pipe.fit(X_masked, y)
    assert pipe.score(X_masked, y) > 0.8


def test_imputer_indicator_and_empty_features(table):
    _, X_masked, _ = table
    X_masked = X_masked[:, :6].copy()
    X_masked[:, 0] = np.nan  # empty at fit
    imputer = AutoencoderImputer(add_indicator=True, **FAST).fit(X_masked)
    out = imputer.transform(X_masked)
    n_indicator = np.isnan(X_masked).any(axis=0).sum()
    assert out.shape == (len(X_masked), 5 + n_indicator)
    names = imputer.get_feature_names_out()
    assert list(names[:5]) == ["x1", "x2", "x3", "x4", "x5"]
    assert names[5] == "missingindicator_x0"
    assert np.array_equal(out[:, 5:], np.isnan(X_masked)[:, np.isnan(X_masked).any(0)])
    kept = AutoencoderImputer(keep_empty_features=True, **FAST).fit(X_masked)
    out = kept.transform(X_masked)
    assert out.shape == X_masked.shape
    assert np.array_equal(out[:, 0], np.zeros(len(X_masked)))


def test_imputer_missing_values_placeholder(table):
    _, X_masked, hidden = table
    X_minus = np.where(hidden, -1.0, X_masked)
    a = AutoencoderImputer(missing_values=-1, **FAST).fit_transform(X_minus)
    b = AutoencoderImputer(**FAST).fit_transform(X_masked)
    assert np.allclose(a, b)
    with pytest.raises(ValueError, match="NaN"):
        AutoencoderImputer(missing_values=-1, **FAST).fit(X_masked)


def test_imputer_set_output_pandas(table):
    pd = pytest.importorskip("pandas")
    _, X_masked, _ = table
    df = pd.DataFrame(X_masked[:, :4], columns=["a", "b", "c", "d"])
    imputer = AutoencoderImputer(add_indicator=True, **FAST).set_output(
        transform="pandas"
    )
    out = imputer.fit_transform(df)
    assert list(out.columns[:4]) == ["a", "b", "c", "d"]
    assert out.columns[4].startswith("missingindicator_")


def test_imputer_save_load_round_trip(table, tmp_path):
    _, X_masked, _ = table
    imputer = AutoencoderImputer(sample_posterior=True, add_indicator=True, **FAST)
    imputer.fit(X_masked)
    path = tmp_path / "imputer.skae"
    imputer.save(path)
    loaded = load(path)
    assert isinstance(loaded, AutoencoderImputer)
    assert np.array_equal(loaded.transform(X_masked), imputer.transform(X_masked))


def test_imputer_warns_when_it_drops_empty_features(table):
    _, X_masked, _ = table
    X_masked = X_masked[:, :6].copy()
    X_masked[:, [2, 4]] = np.nan
    # IterativeImputer's (SimpleImputer's) words.
    with pytest.warns(
        UserWarning, match=r"Skipping features without any observed values: \[2 4\]"
    ):
        imputer = AutoencoderImputer(**FAST).fit(X_masked)
    assert imputer.transform(X_masked).shape == (len(X_masked), 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        AutoencoderImputer(keep_empty_features=True, **FAST).fit(X_masked)


def test_imputer_sample_posterior_draw_does_not_depend_on_the_batch(table):
    _, X_masked, hidden = table
    imputer = AutoencoderImputer(sample_posterior=True, **FAST).fit(X_masked)
    whole = imputer.transform(X_masked)
    # Up to rounding: the network's own output for one row and for a batch
    # may differ in the last bit (a matrix-vector product); draws differed
    # by up to 3.
    same = dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(whole[30:], imputer.transform(X_masked[30:]), **same)
    np.testing.assert_allclose(whole[[7]], imputer.transform(X_masked[[7]]), **same)
    order = np.random.RandomState(0).permutation(len(X_masked))
    np.testing.assert_allclose(whole[order], imputer.transform(X_masked[order]), **same)
    # Still draws: away from the centre, and not the same noise on each row.
    centre = AutoencoderImputer(**FAST).fit(X_masked).transform(X_masked)
    noise = (whole - centre)[:, 20]
    assert np.std(noise[hidden[:, 20]]) > 0.01
    assert len(np.unique(noise[hidden[:, 20]])) == hidden[:, 20].sum()


@pytest.mark.parametrize(
    "n_features, hidden, expected",
    [(10, (128, 128), 5), (300, (128, 128), 128), (300, (16, 48), 48), (1, 8, 1)],
)
def test_imputer_auto_code_width(n_features, hidden, expected):
    # Half the features, at most the widest hidden layer: a code wider than
    # that filled MNIST worse (bench_imputation.py --sets images).
    X, _ = _masked(np.random.RandomState(0).uniform(size=(60, n_features)), 0.2)
    X[0] = 0.5  # every feature observed somewhere
    imputer = AutoencoderImputer(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
    imputer.fit(X)
    assert imputer.n_components_ == expected
    assert imputer.encoder_(torch.zeros(1, n_features)).shape == (1, expected)


def test_imputer_sigmoid_output_for_unit_range(table):
    # Observed entries all in [0, 1] (NaN missing): a sigmoid output, so
    # every fill stays in range; other data: an identity output.
    X, X_masked, hidden = table
    unit = X_masked / 16.0
    imputer = AutoencoderImputer(max_iter=1, random_state=0).fit(unit)
    assert imputer.output_activation_ == "sigmoid"
    filled = imputer.transform(unit)
    assert filled[hidden].min() >= 0 and filled[hidden].max() <= 1
    wide = AutoencoderImputer(max_iter=1, random_state=0).fit(unit * 2 - 0.5)
    assert wide.output_activation_ == "identity"


@pytest.mark.parametrize(
    "shape, epochs", [((5000, 784), 26), ((3000, 100), 200), ((10000, 2000), 10)]
)
def test_imputer_auto_epochs_follow_the_table_size(shape, epochs):
    # max_iter="auto": about 10^8 / (n_samples * n_features) epochs, at most
    # 200 and at least 10, so a wide table trains for a bounded time. (A fit
    # that reaches the bound costs 10^8 row-feature passes: the rule is read
    # from the recipe the fit trains.)
    X = np.zeros(shape, dtype=np.float32)
    imputer = AutoencoderImputer()
    assert imputer._fitted_facts(X)["_auto_epochs"] == epochs
    assert AutoencoderImputer(max_iter=7)._fitted_facts(X)["_auto_epochs"] is None


def test_imputer_auto_epochs_small_table_runs_200():
    X, _ = _masked(np.random.RandomState(0).uniform(size=(40, 5)), 0.2)
    imputer = AutoencoderImputer(n_iter_no_change=1000, tol=0.0, random_state=0)
    assert imputer.fit(X).n_iter_ == 200


def test_imputer_held_out_guard_falls_back_to_the_linear_fill():
    # Features that are linear functions of one another, and a network
    # stopped after two epochs: its fill is far worse than a regression on
    # the other features. The fit compares both on observed entries held
    # out of training, feature by feature, and the weights fall to the
    # linear fill (before the guard: the network's fill alone, 1.07).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 3)) @ rng.normal(size=(3, 8))
    X += 0.05 * rng.normal(size=X.shape)
    X_masked, hidden = _masked(X, 0.2)
    imputer = AutoencoderImputer(max_iter=2, random_state=0).fit(X_masked)
    ours = imputer.transform(X_masked)
    network = imputer._reconstruct(X_masked)

    def rmse(filled):
        return np.sqrt(np.mean((filled[hidden] - X[hidden]) ** 2))

    # Measured: 0.57 against 1.07 for the network (the mean: 1.82).
    assert rmse(ours) < 0.6 * rmse(network)
    assert imputer._fill_weight.max() < 0.1


def test_imputer_transform_is_the_documented_blend(table):
    # What transform computes, for an export to reproduce: per feature, a
    # blend of the network's fill and a linear map of the row completed by
    # the network, clipped to the feature's range at fit.
    _, X_masked, hidden = table
    imputer = AutoencoderImputer(**FAST).fit(X_masked)
    network = imputer._reconstruct(X_masked)
    completed = np.where(hidden, network, X_masked)
    linear = completed @ imputer._linear_coef + imputer._linear_intercept
    linear = np.clip(linear, *imputer._column_range)
    w = imputer._fill_weight
    expected = np.where(hidden, w * network + (1 - w) * linear, X_masked)
    np.testing.assert_allclose(imputer.transform(X_masked), expected, rtol=1e-12)
    assert np.all(np.diag(imputer._linear_coef) == 0)
    assert np.all((w >= 0) & (w <= 1))


def test_imputer_wide_rows_blend_with_the_column_mean(table, monkeypatch, tmp_path):
    # Beyond _LINEAR_MAX_FEATURES features (1,024) the n_features^2 linear
    # coefficients would not fit (75 GiB at 100,000 features): the other
    # fill is the column mean, and the model saves and loads as usual.
    from sklearn_ae import _imputer

    monkeypatch.setattr(_imputer, "_LINEAR_MAX_FEATURES", 8)
    _, X_masked, hidden = table
    imputer = AutoencoderImputer(**FAST).fit(X_masked)
    assert imputer._linear_coef.shape == (0, 0)
    network = imputer._reconstruct(X_masked)
    w = imputer._fill_weight
    mean = np.clip(imputer._linear_intercept, *imputer._column_range)
    expected = np.where(hidden, w * network + (1 - w) * mean, X_masked)
    np.testing.assert_allclose(imputer.transform(X_masked), expected, rtol=1e-12)
    np.testing.assert_allclose(imputer._linear_intercept, np.nanmean(X_masked, 0))
    imputer.save(tmp_path / "wide.skae")
    again = load(tmp_path / "wide.skae")
    np.testing.assert_array_equal(
        again.transform(X_masked), imputer.transform(X_masked)
    )
