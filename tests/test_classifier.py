"""AutoencoderClassifier: semi-supervised classification with y == -1 unlabelled."""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_ae
from sklearn_ae import AutoencoderClassifier, Conv
from sklearn_ae._losses import ReconstructionAndCrossEntropy


def _few_labels(y, per_class, seed):
    """y with ``per_class`` labelled rows of each class, -1 elsewhere."""
    rng = np.random.RandomState(seed)
    partial = np.full_like(y, -1)
    for c in np.unique(y):
        rows = rng.choice(np.flatnonzero(y == c), per_class, replace=False)
        partial[rows] = c
    return partial


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unlabelled_rows_help(split, seed):
    X_train, X_test, y_train, y_test = split
    y_partial = _few_labels(y_train, 5, seed)  # 50 labels
    labelled = y_partial != -1
    params = dict(max_iter=30, random_state=seed)
    alone = AutoencoderClassifier(**params).fit(X_train[labelled], y_partial[labelled])
    semi = AutoencoderClassifier(**params).fit(X_train, y_partial)
    assert semi.score(X_test, y_test) > alone.score(X_test, y_test) + 0.03


def test_predict_proba_rows_sum_to_one(digits):
    X, y = digits[0][:300], digits[1][:300]
    clf = AutoencoderClassifier(8, max_iter=3, random_state=0).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.transform(X).shape == (300, 8)


def test_string_labels(digits):
    X, y = digits[0][:300], digits[1][:300]
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    clf = AutoencoderClassifier(max_iter=10, random_state=0).fit(X, names[y])
    assert set(clf.classes_) == set(names)
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, names[y]) > 0.5


def test_unlabelled_rows_are_not_a_class(digits):
    X, y = digits[0][:300], digits[1][:300]
    y_partial = y.copy()
    y_partial[100:] = -1
    clf = AutoencoderClassifier(max_iter=3, random_state=0).fit(X, y_partial)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert -1 not in clf.predict(X)
    # The integer -1 in an object array marks unlabelled rows too.
    mixed = np.array([str(v) if v >= 0 else -1 for v in y_partial], dtype=object)
    clf = AutoencoderClassifier(max_iter=3, random_state=0).fit(X, mixed)
    assert len(clf.classes_) == 10 and "-1" not in clf.classes_


def test_all_unlabelled_is_a_clear_error(digits):
    X = digits[0][:100]
    with pytest.raises(ValueError, match="All 100 rows are unlabelled"):
        AutoencoderClassifier(max_iter=2).fit(X, np.full(100, -1))
    with pytest.raises(ValueError, match="requires y to be passed"):
        AutoencoderClassifier(max_iter=2).fit(X, None)


def test_early_stopping_holds_out_labelled_rows_only(digits):
    X, y = digits[0][:300], digits[1][:300]
    y_partial = y.copy()
    y_partial[20:] = -1  # 20 labelled rows: 10% of them is 2 rows
    clf = AutoencoderClassifier(
        max_iter=6, early_stopping=True, n_iter_no_change=50, random_state=0
    ).fit(X, y_partial)
    assert len(clf.validation_scores_) == clf.n_iter_ == 6
    y_partial[1:] = -1
    with pytest.raises(ValueError, match="no labelled training rows"):
        AutoencoderClassifier(max_iter=2, early_stopping=True).fit(X, y_partial)


@pytest.mark.parametrize(
    "params",
    [
        {"network": Conv(channels=(4, 8)), "input_shape": (1, 8, 8)},
        {"network": "recurrent", "input_shape": (8, 8), "hidden_layer_sizes": (16,)},
    ],
)
def test_conv_and_recurrent_networks(digits, params):
    X, y = digits[0][:200], digits[1][:200]
    y_partial = y.copy()
    y_partial[50:] = -1
    clf = AutoencoderClassifier(4, max_iter=3, random_state=0, **params)
    clf.fit(X, y_partial)
    assert clf.predict(X).shape == (200,)
    assert clf.transform(X).shape == (200, 4)


def test_saves_loads_and_predicts_the_same(digits, tmp_path):
    X, y = digits[0][:300], digits[1][:300]
    names = np.array(list("abcdefghij"))[y]
    clf = AutoencoderClassifier(max_iter=3, random_state=0).fit(X, names)
    clf.save(tmp_path / "clf.skae")
    loaded = sklearn_ae.load(tmp_path / "clf.skae")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)


def test_same_seed_same_predictions(digits):
    X, y = digits[0][:200], digits[1][:200]
    y_partial = y.copy()
    y_partial[50:] = -1
    a = AutoencoderClassifier(max_iter=4, random_state=0).fit(X, y_partial)
    b = AutoencoderClassifier(max_iter=4, random_state=0).fit(X, y_partial)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_pandas_pipeline_in_grid_search(digits):
    X, y = digits[0][:300], digits[1][:300]
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    pipe = make_pipeline(
        StandardScaler(), AutoencoderClassifier(max_iter=3, random_state=0)
    )
    search = GridSearchCV(pipe, {"autoencoderclassifier__n_components": [4, 16]}, cv=2)
    search.fit(frame, y)
    assert search.predict(frame.iloc[:5]).shape == (5,)
    assert 0 <= search.best_score_ <= 1


def test_set_output_on_a_pipeline_ending_in_the_classifier(digits):
    # The classifier transforms too (its codes), so Pipeline.set_output must
    # reach it: scikit-learn refuses a step with transform but no set_output.
    X, y = digits[0][:300], digits[1][:300]
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    y_partial = np.where(np.arange(300) < 100, y, -1)
    pipe = make_pipeline(
        StandardScaler(), AutoencoderClassifier(4, max_iter=3, random_state=0)
    ).set_output(transform="pandas")
    codes = pipe.fit(frame, y_partial).transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [f"autoencoderclassifier{i}" for i in range(4)]
    assert pipe.predict(frame).shape == (300,)


def test_labels_spread_again_over_the_fine_tuned_codes(digits, monkeypatch):
    X, y = digits[0][:300], digits[1][:300]
    y_partial = y.copy()
    y_partial[50:] = -1
    seen, pseudo = [], []
    spread = AutoencoderClassifier._spread

    def recording(self, X, weights, labelled):
        seen.append(self._encode(X))
        pseudo.append(spread(self, X, weights, labelled))
        return pseudo[-1]

    monkeypatch.setattr(AutoencoderClassifier, "_spread", recording)
    clf = AutoencoderClassifier(max_iter=10, spreading_rounds=3, random_state=0)
    clf.fit(X, y_partial)
    # Pre-training (3 epochs), then 3 rounds of 3, 2 and 2 epochs, each after
    # a spreading over the codes of the network so far.
    assert len(seen) == 3
    assert not np.allclose(seen[0], seen[1])
    assert not np.allclose(seen[1], seen[2])
    assert len(clf.loss_curve_) == clf.n_iter_ <= 10
    for weights in pseudo:
        # Labelled rows keep their one-hot class; each unlabelled row gets one
        # class, weighted by its probability, and most of them the right one.
        np.testing.assert_array_equal(weights[:50], np.eye(10)[y[:50]])
        assert ((weights[50:] > 0).sum(axis=1) <= 1).all()
        assert weights.max() <= 1 + 1e-12
        assert np.mean(weights[50:].argmax(axis=1) == y[50:]) > 0.75
    # Without pseudo-labels nothing is spread, and every label is used as is.
    seen.clear()
    AutoencoderClassifier(max_iter=4, pseudo_labels=False).fit(X, y_partial)
    AutoencoderClassifier(max_iter=4, random_state=0).fit(X, y)
    assert seen == []


def test_ctrl_c_in_a_phase_reaches_the_caller(digits, monkeypatch):
    # A Ctrl-C during pre-training ends the fit: no later phase runs, and the
    # KeyboardInterrupt reaches the caller, as for the other estimators. It
    # comes from the forward pass of the third epoch's first batch (a
    # callback raising KeyboardInterrupt would end training as early
    # stopping does).
    import weakref

    from sklearn_ae import _training

    def ctrl_c_in_third_epoch(net):
        net = weakref.ref(net)  # the module holds the hook: no cycle

        def hook(module, args):
            if module.training and len(net().history) == 3:
                raise KeyboardInterrupt

        return hook

    build_net, phases = _training.build_net, []

    def build_with_interrupt(*args, **kwargs):
        net = build_net(*args, **kwargs)
        if not phases:
            net.module.register_forward_pre_hook(ctrl_c_in_third_epoch(net))
        phases.append(net)
        return net

    monkeypatch.setattr(_training, "build_net", build_with_interrupt)
    X, y = digits[0][:200], digits[1][:200].copy()
    y[50:] = -1
    clf = AutoencoderClassifier(8, max_iter=20, random_state=0)
    with pytest.raises(KeyboardInterrupt, match="interrupted after 2 epochs"):
        clf.fit(X, y)
    assert len(phases) == 1
    assert clf.n_iter_ == 2


@pytest.mark.parametrize("as_array", [list, np.array])
def test_minus_one_among_string_labels_is_refused_with_how_to_pass_it(digits, as_array):
    # numpy turns [..., "emu", -1] into strings, -1 into "-1": a class, not an
    # unlabelled row. Refused as scikit-learn's SelfTrainingClassifier does.
    X = digits[0][:60]
    y = as_array(["cat", "dog", "emu", -1] * 15)
    with pytest.raises(ValueError, match=r"the string '-1'.*dtype=object"):
        AutoencoderClassifier(max_iter=2).fit(X, y)
    # The ways that message gives work: -1 marks the unlabelled rows.
    for labels in (
        np.array(["cat", "dog", "emu", -1] * 15, dtype=object),
        pd.Series(["cat", "dog", "emu", -1] * 15),
    ):
        clf = AutoencoderClassifier(max_iter=2, random_state=0).fit(X, labels)
        assert list(clf.classes_) == ["cat", "dog", "emu"]


def test_one_labelled_class_warns(digits):
    # Labels in {-1, +1}: every -1 row is unlabelled, one class is left.
    X = digits[0][:60]
    y = np.where(digits[1][:60] % 2 == 0, 1, -1)
    with pytest.warns(UserWarning, match=r"Only one class \(1\) is labelled"):
        clf = AutoencoderClassifier(max_iter=2, random_state=0).fit(X, y)
    assert list(clf.classes_) == [1]


@pytest.mark.parametrize("dtype", [float, object])
def test_nan_labels_are_a_clean_error(digits, dtype):
    X = digits[0][:60]
    y = digits[1][:60].astype(float)
    y[[3, 7]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"y holds NaN in 2 rows.*y == -1"):
            AutoencoderClassifier(max_iter=2).fit(X, y.astype(dtype))


def test_sample_weight_is_refused_with_what_to_do_instead(digits):
    X, y = digits[0][:60], digits[1][:60]
    with pytest.raises(TypeError, match=r"does not support sample_weight.*repeat"):
        AutoencoderClassifier(max_iter=2).fit(X, y, sample_weight=np.ones(60))
    with pytest.raises(TypeError, match="does not support sample_weight"):
        AutoencoderClassifier(max_iter=2).fit_transform(X, y, sample_weight=np.ones(60))


def _clusters_cut_by_a_plane(n, seed):
    """Six well-separated clusters; the class is the side of a plane in
    feature 0, and most rows of a cluster lie on one side. A spreading over
    a neighbour graph labels each cluster with its majority class, while a
    linear fit of a few labelled rows finds the plane."""
    rng = np.random.RandomState(seed)
    centers = rng.normal(scale=4.0, size=(6, 15))
    cluster = rng.randint(6, size=n)
    X = centers[cluster] + rng.normal(size=(n, 15))
    side = (rng.uniform(size=n) < np.array([0.15, 0.85] * 3)[cluster]).astype(int)
    X[:, 0] = (2 * side - 1) * (0.5 + np.abs(rng.normal(size=n)))
    return X, side


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_pseudo_labels_where_the_spreading_loses(seed, monkeypatch):
    X, y = _clusters_cut_by_a_plane(1000, 0)
    X_train, X_test, y_train, y_test = X[:600], X[600:], y[:600], y[600:]
    y_partial = _few_labels(y_train, 30, seed)
    labelled = y_partial != -1
    spread, calls = AutoencoderClassifier._spread, []

    def recording(self, *args):
        calls.append(args)
        return spread(self, *args)

    monkeypatch.setattr(AutoencoderClassifier, "_spread", recording)
    clf = AutoencoderClassifier(max_iter=30, random_state=seed)
    clf.fit(X_train, y_partial)
    # Cross-validated on the labelled rows, the spreading loses to a
    # supervised fit of them, so no pseudo-label is used...
    assert calls == []
    # ...and the classifier is not below an MLP of the labelled rows alone.
    mlp = MLPClassifier(max_iter=500, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X_train[labelled], y_train[labelled])
    assert clf.score(X_test, y_test) >= mlp.score(X_test, y_test)


def _xor(n, seed):
    """The class is whether features 0 and 1 have the same sign, among four
    more features of noise on the same scale. No linear fit separates the
    classes, and a neighbour graph labels them poorly (though better than a
    linear fit), while a network of the labelled rows learns them."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6))
    return X, ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_not_below_an_mlp_of_the_labelled_rows_where_spreading_misleads(seed):
    # The spreading beats logistic regressions of the labelled rows, yet its
    # pseudo-labels (about 2 in 3 right) pulled the classifier 3 to 13
    # points below an MLP of the labelled rows alone; judged against a
    # network of them too, it is not used.
    X, y = _xor(1000, 0)
    X_train, X_test, y_train, y_test = X[:600], X[600:], y[:600], y[600:]
    y_partial = _few_labels(y_train, 50, seed)
    labelled = y_partial != -1
    clf = AutoencoderClassifier(max_iter=30, random_state=seed)
    clf.fit(X_train, y_partial)
    mlp = MLPClassifier(max_iter=500, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X_train[labelled], y_train[labelled])
    assert clf.score(X_test, y_test) >= mlp.score(X_test, y_test)


def test_confident_unlabelled_rows_learn_their_own_prediction():
    # The loss of the fine-tuning where the spreading is not trusted: a row
    # without a class weight learns its most probable class where that is
    # at least ``confidence`` probable, and adds nothing otherwise.
    clean = torch.zeros(4, 3)
    weights = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    # Row 0 labelled; row 1 confident (p = 0.98 for class 1), rows 2 and 3
    # unsure (p = 0.5 and 0.73).
    logits = torch.tensor([[0.0, 0.0], [0.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    pred = torch.cat([clean, logits], dim=1).requires_grad_()
    target = torch.cat([clean, weights], dim=1)
    plain = ReconstructionAndCrossEntropy("mse", 2)(pred, target)
    loss = ReconstructionAndCrossEntropy("mse", 2, confidence=0.95)(pred, target)
    own = -torch.log_softmax(logits[1], dim=0)[1] / 3  # over the 3 unlabelled rows
    assert torch.isclose(loss - plain, own)
    loss.backward()
    # The confident row is pushed further towards its class; the unsure ones
    # get no gradient.
    assert pred.grad[1, 4] < 0 < pred.grad[1, 3]
    assert torch.all(pred.grad[2:, 3:] == 0)


@pytest.mark.parametrize("better", [True, False])
def test_masked_pretraining_kept_only_where_its_codes_classify_better(
    better, monkeypatch
):
    # Where the spreading is not trusted, on rows of 100+ features, a second
    # pre-training reconstructs masked rows; the fine-tuning starts from its
    # weights only where a logistic regression of its codes gets more
    # labelled rows right (cross-validated) than one of the codes before.
    X, y = _clusters_cut_by_a_plane(600, 0)
    X = np.hstack([X, np.random.RandomState(0).normal(size=(600, 100))])
    y_partial = _few_labels(y, 30, 0)
    phases, hits = [], iter([10, 11 if better else 10])
    fit_network = AutoencoderClassifier._fit_network

    def recording(self, X, y, recipe):
        phases.append((recipe.corrupt, recipe.finish.start, recipe.epochs))
        out = fit_network(self, X, y, recipe=recipe)
        phases[-1] += (copy.deepcopy(self._module.state_dict()),)
        return out

    monkeypatch.setattr(AutoencoderClassifier, "_fit_network", recording)
    monkeypatch.setattr(AutoencoderClassifier, "_code_hits", lambda *a: next(hits))
    clf = AutoencoderClassifier(max_iter=10, random_state=0).fit(X, y_partial)
    (first, _, n_first, pretrained), (masking, start, n_masked, masked), last = phases
    assert first is None and masking.kind == "masking" and last[0] is None
    assert n_first == n_masked == 3 and clf.n_iter_ == 10 + 3
    assert _same_weights(start, pretrained)
    assert _same_weights(last[1], masked if better else pretrained)
    assert not _same_weights(masked, pretrained)


def test_no_masked_pretraining_on_narrow_rows(monkeypatch):
    X, y = _clusters_cut_by_a_plane(600, 0)  # 15 features
    corruptions = []
    fit_network = AutoencoderClassifier._fit_network

    def recording(self, X, y, recipe):
        corruptions.append(recipe.corrupt)
        return fit_network(self, X, y, recipe=recipe)

    monkeypatch.setattr(AutoencoderClassifier, "_fit_network", recording)
    clf = AutoencoderClassifier(max_iter=10, random_state=0)
    clf.fit(X, _few_labels(y, 30, 0))
    assert corruptions == [None, None] and clf.n_iter_ == 10


def _same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
