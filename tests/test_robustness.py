"""Bad input and interrupted training: a clear error or finite results."""

import warnings
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AutoencoderTransformer, _training

DTYPES = ["int64", "int8", "bool", "float16", "float32", "float64", "object"]


@st.composite
def matrices(draw):
    n_rows = draw(st.integers(1, 50))
    n_features = draw(st.integers(1, 20))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_features)) * draw(st.sampled_from([1.0, 1e3, 1e30]))
    if draw(st.booleans()):
        X[:, rng.randint(n_features)] = draw(st.floats(-1e6, 1e6))  # constant column
    bad = draw(st.sampled_from([None, np.nan, np.inf, -np.inf]))
    if bad is not None:
        X[rng.randint(n_rows), rng.randint(n_features)] = bad
    dtype = draw(st.sampled_from(DTYPES))
    with np.errstate(all="ignore"):
        if dtype == "object":
            X = X.astype(object)
        elif dtype in ("int64", "int8", "bool"):
            X = (
                np.nan_to_num(X, nan=0, posinf=0, neginf=0)
                .clip(-100, 100)
                .astype(dtype)
            )
        else:
            X = X.astype(dtype)
    return X


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=matrices(), n_components=st.integers(1, 4))
def test_any_input_works_or_fails_clearly(X, n_components):
    ae = AutoencoderTransformer(
        n_components, hidden_layer_sizes=(8,), max_iter=3, random_state=0
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Z = ae.fit_transform(X)
            scores = ae.score_samples(X)
            R = ae.inverse_transform(Z)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert len(message) > 20
        assert any(
            word in message
            for word in ("NaN", "infinity", "float32", "diverged", "sample", "Scale")
        ), message
        return
    assert Z.shape == (X.shape[0], n_components)
    assert np.isfinite(Z).all() and np.isfinite(scores).all() and np.isfinite(R).all()


def test_huge_values_are_refused_with_advice():
    X = np.random.RandomState(0).normal(size=(20, 3)) * 1e30
    with pytest.raises(ValueError, match="Scale the data first"):
        AutoencoderTransformer(1).fit(X)


def test_transform_far_outside_training_range_is_not_silent():
    rng = np.random.RandomState(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = AutoencoderTransformer(1, max_iter=2, random_state=0).fit(
            rng.normal(size=(50, 3))
        )
    with pytest.raises(ValueError, match="Scale the data"):
        ae.transform(np.full((2, 3), 1e20))


class _CtrlC:
    """A Ctrl-C: raises KeyboardInterrupt from inside the network's forward
    pass (not from a callback, which would end training as early stopping
    does), at the first training batch after ``epoch`` complete epochs, or
    at the second training batch with ``epoch=0``."""

    def __init__(self, net, epoch):
        # A weak reference: the module (which holds this hook) is copied and
        # pickled without the net.
        self.net, self.epoch, self.calls = weakref.ref(net), epoch, 0

    def __call__(self, module, args):
        if not module.training:
            return
        self.calls += 1
        if self.epoch == 0 and self.calls == 2:
            raise KeyboardInterrupt
        if self.epoch and len(self.net().history) == self.epoch + 1:
            raise KeyboardInterrupt


@pytest.fixture
def interrupt_at(monkeypatch):
    """Make every fit in the test be interrupted at the given epoch."""
    build_net = _training.build_net

    def patch(epoch):
        def build_with_interrupt(*args, **kwargs):
            net = build_net(*args, **kwargs)
            net.module.register_forward_pre_hook(_CtrlC(net, epoch))
            return net

        monkeypatch.setattr(_training, "build_net", build_with_interrupt)

    return patch


def test_keyboard_interrupt_reaches_caller_and_keeps_best_epochs(interrupt_at):
    interrupt_at(4)
    X = np.random.RandomState(0).normal(size=(200, 6))
    # A random start, which the 4 epochs beat: their best weights are kept.
    ae = AutoencoderTransformer(
        2, init="random", early_stopping=False, max_iter=50, random_state=0
    )
    with pytest.raises(KeyboardInterrupt, match="interrupted after 4 epochs"):
        ae.fit(X)
    assert ae.n_iter_ == 4
    best = int(np.argmin(ae.loss_curve_))
    assert ae.best_loss_ == pytest.approx(ae.loss_curve_[best])
    assert np.isfinite(ae.transform(X)).all()


def test_keyboard_interrupt_stops_a_grid_search(interrupt_at):
    interrupt_at(2)
    X = np.random.RandomState(0).normal(size=(120, 6))
    search = GridSearchCV(
        AutoencoderTransformer(max_iter=20, random_state=0),
        {"n_components": [1, 2, 3]},
        cv=2,
    )
    with pytest.raises(KeyboardInterrupt):
        search.fit(X)
    assert not hasattr(search, "best_estimator_")


def test_keyboard_interrupt_before_first_epoch_leaves_estimator_as_it_was(
    interrupt_at,
):
    X = np.random.RandomState(0).normal(size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(2, max_iter=5, random_state=0).fit(X)
    before = ae.transform(X)
    state = dict(vars(ae))
    interrupt_at(0)
    with pytest.raises(KeyboardInterrupt, match="before its first epoch"):
        ae.set_params(n_components=3).fit(X)
    assert {k: v for k, v in vars(ae).items() if k != "n_components"} == {
        k: v for k, v in state.items() if k != "n_components"
    }
    np.testing.assert_array_equal(ae.set_params(n_components=2).transform(X), before)
    fresh = AutoencoderTransformer(2, max_iter=5, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X)
    with pytest.raises(NotFittedError):
        fresh.transform(X)


def test_messages_say_what_is_wrong():
    X = np.random.RandomState(0).normal(size=(50, 4))
    from sklearn_ae import AutoencoderOutlierDetector

    with pytest.raises(ValueError, match="needs at least 2"):
        AutoencoderOutlierDetector(max_samples=1).fit(X)
    with pytest.raises(ValueError, match=r"n_components=1000000000 is far wider"):
        AutoencoderTransformer(10**9).fit(X)


@pytest.mark.parametrize("rows", [np.ones((5, 3)), np.ones((1, 3))])
def test_constant_or_one_row_data_warn_nothing_from_numpy(rows):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(1, max_iter=2, random_state=0).fit(rows)
    assert np.isfinite(ae.transform(rows)).all()


def test_finite_divergence_keeps_the_start_and_names_the_learning_rate():
    # The loss rises to ~1e9 and stays finite: training must not end worse
    # than the PCA start it began from.
    X = np.random.RandomState(0).normal(size=(60, 6))
    params = dict(n_components=2, hidden_layer_sizes=(8,), random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"lower learning_rate_init \(now 10\)"):
        ae = AutoencoderTransformer(
            max_iter=30, learning_rate="constant", learning_rate_init=10, **params
        ).fit(X)
    pca_error = ((X - X.mean(0)) ** 2).mean() * 4 / 6  # upper bound: 2 of 6 axes
    error = ((X - ae.inverse_transform(ae.transform(X))) ** 2).mean()
    assert error < pca_error
