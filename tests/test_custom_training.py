"""A user's callbacks, loss and network, and the engine's boundary."""

import copy
import glob
import inspect
import pickle
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback, Checkpoint, EpochScoring, ProgressBar

from sklearn_ae import (
    AutoencoderClassifier,
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderRegressor,
    AutoencoderTransformer,
    Conv,
    DenoisingAutoencoder,
    Dense,
    Recurrent,
    VariationalAutoencoder,
    _base,
    load,
)


@pytest.fixture(scope="module")
def X():
    rng = np.random.RandomState(0)
    latent = rng.normal(size=(240, 3))
    return np.tanh(latent @ rng.normal(size=(3, 8))).astype(np.float32)


class _StopAfter(Callback):
    """Ends training after ``epochs`` epochs, skorch's way."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epochs:
            raise KeyboardInterrupt


# ---------------------------------------------------------------- callbacks
def test_user_callback_that_stops_training_ends_fit_quietly(X):
    ae = AutoencoderTransformer(
        2, max_iter=50, tol=0, callbacks=[_StopAfter(3)], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no interrupt
        ae.fit(X)
    assert ae.n_iter_ == 3
    assert len(ae.loss_curve_) == len(ae.history_) == 3


def test_checkpoint_writes_the_fitted_weights(X, tmp_path):
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor="train_loss_best")
    ae = AutoencoderTransformer(
        2,
        init="random",
        max_iter=8,
        tol=0,
        early_stopping=False,
        callbacks=[checkpoint],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    state = torch.load(tmp_path / "params.pt", weights_only=True)
    encoder = copy.deepcopy(ae.encoder_)
    for parameter in encoder.parameters():
        torch.nn.init.zeros_(parameter)
    encoder.load_state_dict(
        {k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")}
    )
    with torch.no_grad():
        codes = encoder.eval()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(codes, ae.transform(X), rtol=1e-4, atol=1e-5)


def test_tensorboard_writes_an_event_file_with_the_losses(X, tmp_path):
    pytest.importorskip("tensorboard")
    from skorch.callbacks import TensorBoard
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    ae = AutoencoderTransformer(2, max_iter=4, callbacks=[TensorBoard(writer)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    writer.close()
    (events,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    scalars = EventAccumulator(events).Reload().Scalars("Loss/train_loss")
    assert [s.value for s in scalars] == pytest.approx(ae.loss_curve_)


def _code_spread(net, X, y):
    return float(net.forward(X)[1].std())


def test_epoch_scoring_adds_a_column(X):
    scoring = EpochScoring(
        _code_spread, name="code_spread", on_train=True, use_caching=False
    )
    ae = AutoencoderTransformer(2, max_iter=4, callbacks=[scoring], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    spreads = ae.history_[:, "code_spread"]
    assert len(spreads) == ae.n_iter_ == 4
    assert np.all(np.isfinite(spreads)) and len(set(spreads)) > 1


def test_skorch_progress_bar_shows_the_batch_losses(X):
    bar = ProgressBar()
    ae = AutoencoderTransformer(
        2,
        max_iter=2,
        batch_size=30,
        early_stopping=False,
        callbacks=[("bar", bar)],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    # The last epoch's bar counted its 8 batches and showed the batch loss.
    assert bar.pbar_.n == bar.pbar_.total == 8
    assert bar.pbar_.postfix.startswith("train_loss=")


def test_batch_history_rows_only_with_a_user_callback(X):
    kwargs = dict(
        n_components=2, max_iter=2, batch_size=60, early_stopping=False, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = AutoencoderTransformer(**kwargs).fit(X)
        logged = AutoencoderTransformer(**kwargs, callbacks=[_StopAfter(99)]).fit(X)
    assert plain.history_[-1, "batches"] == []
    batches = logged.history_[-1, "batches"]
    assert [row["train_batch_size"] for row in batches] == [60] * 4
    weighted = np.average([row["train_loss"] for row in batches], weights=[60] * 4)
    assert weighted == pytest.approx(logged.loss_curve_[-1])
    # Recording the rows changes nothing else.
    assert plain.loss_curve_ == logged.loss_curve_


@pytest.mark.parametrize(
    "callbacks, error, match",
    [
        ([object()], TypeError, "skorch callbacks"),
        ([ProgressBar], TypeError, "pass an instance"),
        ([("early_stopping", ProgressBar())], ValueError, "built-in"),
        ([ProgressBar(), ProgressBar()], ValueError, "taken twice"),
    ],
)
def test_bad_callbacks_are_refused(X, callbacks, error, match):
    with pytest.raises(error, match=match):
        AutoencoderTransformer(max_iter=1, callbacks=callbacks).fit(X)


def test_classifier_history_runs_over_its_phases(X):
    y = np.where(np.arange(len(X)) < 60, (X[:, 0] > 0).astype(int), -1)
    clf = AutoencoderClassifier(4, max_iter=6, random_state=0).fit(X, y)
    assert clf.history_[:, "epoch"] == list(range(1, 7))
    assert clf.history_[:, "train_loss"] == pytest.approx(clf.loss_curve_)


# --------------------------------------------------------------------- loss
def _l1(output, target):
    return (output - target).abs().mean()


def test_callable_loss_trains_as_the_named_one(X):
    kwargs = dict(n_components=2, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        named = AutoencoderTransformer(loss="l1", **kwargs).fit(X)
        mine = AutoencoderTransformer(loss=_l1, **kwargs).fit(X)
    assert mine.loss_curve_ == named.loss_curve_
    np.testing.assert_array_equal(mine.transform(X), named.transform(X))


def test_callable_loss_never_sees_missing_targets(X):
    X = X.copy()
    X[::3, 1] = np.nan
    seen = []

    def loss(output, target):
        missing = torch.isnan(target)
        seen.append((bool(missing.any()), target.shape == output.shape))
        return ((output - target) ** 2).mean()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        AutoencoderTransformer(2, max_iter=2, loss=loss, random_state=0).fit(X)
    assert seen and all(not nan and same for nan, same in seen)


def test_callable_loss_must_return_a_scalar(X):
    with pytest.raises(ValueError, match="must return a scalar tensor"):
        AutoencoderTransformer(
            max_iter=1, loss=lambda output, target: (output - target) ** 2
        ).fit(X)


# ----------------------------------------------------------------- boundary
def test_base_names_nothing_of_skorch():
    # No import, no callback name, no attribute of a skorch net.
    source = inspect.getsource(_base)
    for name in ("from skorch", "import skorch", "callbacks__", ".module_", "net."):
        assert name not in source


@pytest.mark.parametrize(
    "estimator",
    [
        DenoisingAutoencoder(2, noise="salt_pepper", max_iter=2),
        VariationalAutoencoder(2, max_iter=2),
        AutoencoderOutlierDetector(max_iter=2),
        AutoencoderImputer(max_iter=2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_facts_are_learned_once_and_the_recipe_has_no_side_effects(
    X, estimator, monkeypatch
):
    calls = []
    learn = type(estimator)._fitted_facts

    def counted(self, X):
        calls.append(X.shape)
        return learn(self, X)

    monkeypatch.setattr(type(estimator), "_fitted_facts", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X)
    assert len(calls) == 1
    before = {k: copy.deepcopy(v) for k, v in vars(estimator).items() if k != "_net"}
    estimator._recipe()
    after = {k: v for k, v in vars(estimator).items() if k != "_net"}
    assert before.keys() == after.keys()
    for name, value in before.items():
        np.testing.assert_equal(after[name], value)


# ------------------------------------------------------------------ network
class SmallNet(torch.nn.Module):
    """A user's network: forward returns (output, code)."""

    def __init__(self, n_features, n_components, code_extra=0, out_extra=0):
        super().__init__()
        self.encoder = torch.nn.Sequential(
            torch.nn.Linear(n_features, 16),
            torch.nn.Tanh(),
            torch.nn.Linear(16, n_components + code_extra),
        )
        self.decoder = torch.nn.Sequential(
            torch.nn.Linear(n_components + code_extra, 16),
            torch.nn.Tanh(),
            torch.nn.Linear(16, n_features + out_extra),
        )

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


# The networks small_net built, in order.
_BUILT = []


def small_net(n_features, n_components):
    _BUILT.append(SmallNet(n_features, n_components))
    return _BUILT[-1]


def _no_decoder(n_features, n_components):
    net = SmallNet(n_features, n_components)
    del net.decoder
    return net


def _wide_code(n_features, n_components):
    return SmallNet(n_features, n_components, code_extra=1)


def _long_output(n_features, n_components):
    return SmallNet(n_features, n_components, out_extra=2)


class _OutputOnly(SmallNet):
    def forward(self, x):
        return self.decoder(self.encoder(x))


def _output_only(n_features, n_components):
    return _OutputOnly(n_features, n_components)


def _fit_quietly(estimator, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AutoencoderTransformer(2, network=small_net),
        lambda: DenoisingAutoencoder(2, network=small_net),
        lambda: AutoencoderOutlierDetector(network=small_net),
        lambda: AutoencoderRegressor(2, network=small_net),
        lambda: AutoencoderClassifier(2, network=small_net),
    ],
    ids=["transformer", "denoiser", "detector", "regressor", "classifier"],
)
def test_estimators_train_a_users_network(X, make):
    estimator = make()
    y = {
        AutoencoderRegressor: X,
        AutoencoderClassifier: np.where(np.arange(len(X)) % 4, -1, X[:, 0] > 0),
    }.get(type(estimator))
    estimator.set_params(max_iter=20, learning_rate_init=1e-2, random_state=0)
    _BUILT.clear()
    _fit_quietly(estimator, X, *([] if y is None else [y]))
    # The decoders trained are those of the networks the factory built.
    decoders = getattr(estimator.decoder_, "members", [estimator.decoder_])
    built = {id(net.decoder) for net in _BUILT}
    assert decoders and all(id(decoder) in built for decoder in decoders)
    curve = estimator.loss_curve_
    if isinstance(estimator, AutoencoderClassifier):
        # Pre-training minimises the reconstruction alone, fine-tuning adds
        # the labels' cross-entropy: the loss falls within the fine-tuning.
        curve = curve[int(round(estimator.pretrain_fraction * 20)) :]
        assert estimator.score(X, X[:, 0] > 0) > 0.8
    assert curve[-1] < curve[0]
    if hasattr(estimator, "transform"):
        assert estimator.transform(X).shape == (len(X), 2)


@pytest.mark.parametrize(
    "factory, error, match",
    [
        (lambda n, k: "a module", TypeError, "returned str, not a torch.nn.Module"),
        (_no_decoder, ValueError, "without decoder: the module must have an encoder"),
        (_wide_code, ValueError, r"codes of shape \(2, 3\), but n_components=2"),
        (_long_output, ValueError, r"shape \(2, 10\), but the target rows have 8"),
        (_output_only, ValueError, r"must return \(output, code\)"),
    ],
)
def test_bad_networks_are_refused_at_fit(X, factory, error, match):
    with pytest.raises(error, match=match):
        AutoencoderTransformer(2, network=factory, max_iter=1).fit(X)


def test_kl_sparsity_is_refused_with_a_users_network(X):
    with pytest.raises(ValueError, match="sparsity='kl' passes the code"):
        AutoencoderTransformer(2, network=small_net, sparsity="kl").fit(X)


def test_variational_autoencoder_says_it_needs_its_own_encoder(X):
    with pytest.raises(ValueError, match="a mean and a log-variance"):
        VariationalAutoencoder(2, network=small_net, max_iter=1).fit(X)


def test_users_network_sees_missing_values_as_column_means(X):
    X_missing = X.copy()
    X_missing[::4, 0] = np.nan
    ae = _fit_quietly(
        AutoencoderTransformer(2, network=small_net, max_iter=3, random_state=0),
        X_missing,
    )
    filled = X_missing.copy()
    filled[::4, 0] = np.nanmean(X_missing[:, 0])
    np.testing.assert_allclose(
        ae.transform(X_missing), ae.transform(filled), rtol=1e-5, atol=1e-6
    )


def test_imputer_trains_a_users_network(X):
    X_missing = X.copy()
    hidden = np.random.RandomState(0).uniform(size=X.shape) < 0.1
    X_missing[hidden] = np.nan
    imputer = _fit_quietly(
        AutoencoderImputer(
            network=small_net, learning_rate_init=1e-2, max_iter=30, random_state=0
        ),
        X_missing,
    )
    filled = imputer.transform(X_missing)
    np.testing.assert_array_equal(filled[~hidden], X[~hidden])
    # Better than the column means on the hidden entries.
    means = np.broadcast_to(np.nanmean(X_missing, axis=0), X.shape)
    error = np.mean((filled[hidden] - X[hidden]) ** 2)
    assert error < 0.8 * np.mean((means[hidden] - X[hidden]) ** 2)


def test_users_network_pickles(X):
    ae = _fit_quietly(AutoencoderTransformer(2, network=small_net, max_iter=2), X)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))


def test_load_uses_a_network_factory_only_when_trusted(X, tmp_path, monkeypatch):
    source = tmp_path / "user_nets.py"
    source.write_text(inspect.getsource(SmallNet).join(["import torch\n\n\n", ""]))
    source.write_text(
        source.read_text()
        + "\n\ndef make(n_features, n_components):\n"
        + "    return SmallNet(n_features, n_components)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import user_nets

    ae = _fit_quietly(AutoencoderTransformer(2, network=user_nets.make, max_iter=2), X)
    path = tmp_path / "model.skae"
    ae.save(path)
    monkeypatch.delitem(sys.modules, "user_nets")
    with pytest.raises(ValueError, match=r"trusted=\[make\]"):
        load(path)
    assert "user_nets" not in sys.modules  # nothing was imported
    loaded = load(path, trusted=[user_nets.make])
    assert loaded.network is user_nets.make
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    with pytest.raises(ValueError, match="trusted"):
        AutoencoderTransformer.load(path, trusted=[small_net])


def test_a_lambda_network_cannot_be_saved(X, tmp_path):
    ae = _fit_quietly(
        AutoencoderTransformer(2, network=lambda n, k: SmallNet(n, k), max_iter=1), X
    )
    with pytest.raises(TypeError, match="a lambda"):
        ae.save(tmp_path / "model.skae")


# -------------------------------------------------------------------- kinds
@pytest.fixture(scope="module")
def pixels():
    X, _ = load_digits(return_X_y=True)
    return (X[:200] / 16).astype(np.float32)


def test_grid_search_tunes_a_kinds_setting(pixels):
    search = GridSearchCV(
        AutoencoderTransformer(
            4, network=Conv(channels=(4,)), input_shape=(1, 8, 8), max_iter=2
        ),
        {"network__channels": [(2,), (4, 8)]},
        cv=2,
    )
    _fit_quietly(search, pixels)
    assert [p["network__channels"] for p in search.cv_results_["params"]] == [
        (2,),
        (4, 8),
    ]
    assert (
        search.best_estimator_.network.channels
        == search.best_params_["network__channels"]
    )
    assert len(search.best_estimator_.encoder_.blocks) == 3 * len(
        search.best_params_["network__channels"]
    )


@pytest.mark.parametrize(
    "name, kind, params",
    [
        ("dense", Dense(), {}),
        ("conv", Conv(), {"input_shape": (1, 8, 8)}),
        ("recurrent", Recurrent(), {"input_shape": (8, 8)}),
    ],
)
def test_a_kinds_name_is_the_kind_at_its_defaults(pixels, name, kind, params):
    kw = dict(n_components=3, max_iter=2, random_state=0, **params)
    by_name = _fit_quietly(AutoencoderTransformer(network=name, **kw), pixels)
    by_value = _fit_quietly(AutoencoderTransformer(network=kind, **kw), pixels)
    np.testing.assert_array_equal(by_name.transform(pixels), by_value.transform(pixels))


def test_kinds_settings_change_the_network_and_are_saved(pixels, tmp_path):
    kw = dict(n_components=3, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    nearest = _fit_quietly(
        AutoencoderTransformer(network=Conv(channels=(4,), upsampling="nearest"), **kw),
        pixels,
    )
    assert any(isinstance(m, torch.nn.Upsample) for m in nearest.decoder_.modules())
    gru = _fit_quietly(
        AutoencoderTransformer(
            3, network=Recurrent(cell="gru"), input_shape=(8, 8), max_iter=1
        ),
        pixels,
    )
    assert isinstance(gru.encoder_.rnns[0], torch.nn.GRU)
    nearest.save(tmp_path / "conv.skae")
    loaded = load(tmp_path / "conv.skae")
    assert loaded.get_params()["network"].get_params() == {
        "channels": (4,),
        "upsampling": "nearest",
    }
    np.testing.assert_array_equal(loaded.transform(pixels), nearest.transform(pixels))


@pytest.mark.parametrize(
    "network, error, match",
    [
        (Conv(channels=(0,)), ValueError, "channels must be a tuple of positive"),
        (Conv(upsampling="cubic"), ValueError, "upsampling='cubic'"),
        (Recurrent(cell="rnn"), ValueError, "cell='rnn'"),
        ("cnn", ValueError, "'cnn' is not a network kind"),
        (Conv, TypeError, r"pass an instance, e.g. network=Conv\(\)"),
        (3, Exception, "network"),
    ],
)
def test_bad_network_values_are_refused(pixels, network, error, match):
    with pytest.raises(error, match=match):
        AutoencoderTransformer(network=network, input_shape=(1, 8, 8)).fit(pixels)


def test_users_weights_are_stored_once_under_module(X):
    ae = _fit_quietly(AutoencoderTransformer(2, network=small_net, max_iter=1), X)
    state = ae._module.state_dict()  # what save and Checkpoint write
    net = SmallNet(X.shape[1], 2)
    assert set(state) == {"fill.mean"} | {f"module.{k}" for k in net.state_dict()}
    net.load_state_dict(
        {k[len("module.") :]: v for k, v in state.items() if k != "fill.mean"}
    )
    with torch.no_grad():
        codes = net.eval().encoder(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(codes, ae.transform(X), rtol=1e-4, atol=1e-5)
