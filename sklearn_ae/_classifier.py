"""AutoencoderClassifier: pre-train on every row, fine-tune on the labelled ones."""

# License: BSD 3 clause

import copy
import warnings
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.neighbors import kneighbors_graph
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.semi_supervised import LabelSpreading
from sklearn.utils import column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from sklearn_ae._base import Recipe, _BaseAutoencoder
from sklearn_ae._docs import fill_doc
from sklearn_ae._losses import ReconstructionAndCrossEntropy
from sklearn_ae._networks import ClassifierAutoencoder
from sklearn_ae._noise import (
    NOISE_KINDS,
    Corruption,
    corruption_for,
    noise_arrays,
    noise_facts,
)
from sklearn_ae._sklearn_compat import Interval, StrOptions
from sklearn_ae._training import join_histories
from sklearn_ae._utils import (
    assign_params,
    caller_level,
    fit_method,
    refuse_fit_params,
)

# Neighbours of the k-nearest-neighbour graph the pseudo-labels spread over
# (LabelSpreading's kernel="knn").
_SPREAD_NEIGHBORS = 7
# Times the spread class distributions are averaged over each row's
# neighbours before they become pseudo-labels (measured: 2 beats 1 and 0).
_SMOOTHING_STEPS = 2
# The spreading is judged by cross-validation on at most this many labelled
# rows (a stratified sample), in at most this many folds.
_JUDGED_ROWS = 2000
_JUDGE_FOLDS = 5
# Where the spreading is not trusted, the unlabelled rows learn the network's
# own predictions of at least this probability.
_CONFIDENCE = 0.95
# Where the spreading is not trusted, a second pre-training as long as the
# first reconstructs rows with this share of their entries masked, on rows
# of at least _DENOISE_MIN_FEATURES features (on narrower rows, masked
# entries hide what the class rests on); its codes are kept only where a
# logistic regression of them, cross-validated on the labelled rows, gets
# more of them right.
_DENOISE_MASKING = 0.25
_DENOISE_MIN_FEATURES = 100


@fill_doc
class AutoencoderClassifier(
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _BaseAutoencoder,
):
    """Semi-supervised classifier: an autoencoder pre-trained on every row,
    fine-tuned with a classification head on the labelled ones.

    ``fit(X, y)`` follows scikit-learn's semi-supervised convention: rows
    with ``y == -1`` are unlabelled, as in
    :class:`~sklearn.semi_supervised.LabelSpreading` and
    :class:`~sklearn.semi_supervised.SelfTrainingClassifier`. Training runs
    in two phases:

    1. **Pre-training** (``pretrain_fraction`` of ``max_iter`` epochs): the
       autoencoder learns to reconstruct every row, labelled or not.
    2. **Fine-tuning** (the other epochs): a linear head on the code learns
       the classes by cross-entropy on the labelled rows, while the
       reconstruction of every row stays on as a regulariser. With
       ``pseudo_labels=True`` the labels are first spread over a
       nearest-neighbour graph of the pre-trained codes
       (:class:`~sklearn.semi_supervised.LabelSpreading`), and each row's
       spread distribution is smoothed by averaging it twice over its nearest
       neighbours; each unlabelled row also learns its most probable class,
       weighted by that probability. The fine-tuning runs in
       ``spreading_rounds`` rounds, and the labels are spread again over the
       fine-tuned codes before each new round. The spreading is first
       judged on the labelled rows: cross-validated (hide a fold of them,
       spread, score the hidden rows) against the best supervised fit of
       the same rows on the same folds (logistic regressions of the inputs
       and of the codes, an MLP of the inputs). Where it does not win, by
       more than one standard deviation of a sign test on the rows where
       the two differ, its pseudo-labels would pull the head below what the
       labelled rows alone give, and the fine-tuning runs in one phase on
       the labelled rows, while each unlabelled row learns the network's own
       prediction where that is at least 95% probable (so more of them as
       the head improves). On rows of at least 100 features with
       ``noise=None``, a second pre-training as long as the first comes
       before it, reconstructing rows with a quarter of their entries
       masked; its codes are kept only where a logistic regression of them,
       cross-validated on the labelled rows, classifies more of those rows
       right than one of the codes before it.

    :meth:`predict_proba` is the softmax of the head, :meth:`transform`
    gives the fine-tuned codes. When every row is labelled the classes may
    be any labels (strings included); string labels with unlabelled rows go
    in an object array or a pandas Series, the integer -1 marking those
    rows (a string array would turn the -1 into the string ``'-1'``, and is
    refused).

    Read more in :ref:`semi_supervised`.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code the head reads.
    pretrain_fraction : float, default=0.3
        Share of ``max_iter`` spent pre-training the autoencoder on every
        row before the head is trained; 0 trains both together from the
        start.
    pseudo_labels : bool, default=True
        Spread the labels over the pre-trained codes, smooth the spread
        distributions over each row's nearest neighbours, and fine-tune on
        the unlabelled rows' most probable classes too (weighted by their
        probability), provided the spreading, cross-validated on the
        labelled rows, beats supervised fits of them; where it does not,
        the unlabelled rows learn the network's own confident predictions
        instead. False: the unlabelled rows only teach the reconstruction.
    spreading_rounds : int, default=3
        With ``pseudo_labels=True``, fine-tuning is split into this many
        rounds of equal length, and before each the labels are spread again
        over the codes of the network so far: the pre-trained codes, then
        the fine-tuned ones, which separate the classes better.
    noise : {"gaussian", "masking", "salt_pepper"} or None, default=None
        Corruption of the training inputs (the reconstruction target stays
        clean), as in :class:`DenoisingAutoencoder`.
    noise_level : float, default=0.1
        Standard deviation ("gaussian") or share of entries in [0, 1]
        ("masking", "salt_pepper").
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the *labelled* rows and stop
        each phase when their loss (reconstruction and cross-entropy) has
        not improved by ``tol`` for ``n_iter_no_change`` epochs. Without it
        the training loss is monitored the same way. Either way the weights
        of the best epoch are restored.
    {shared parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen among the labelled rows.
    {shared attributes}

    See Also
    --------
    sklearn.semi_supervised.LabelSpreading : Spreads labels over a graph of
        the inputs.
    sklearn.semi_supervised.SelfTrainingClassifier : Adds confident
        predictions of a classifier to its labels.
    AutoencoderTransformer : The unsupervised codes alone.

    Notes
    -----
    ``loss_curve_``, ``n_iter_`` and ``validation_scores_`` run over every
    phase; the fine-tuning losses include the cross-entropy. The second
    pre-training, where it runs, adds its epochs to ``max_iter``'s, whether
    its codes are kept or not.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y_partial = y.copy()
    >>> y_partial[100:] = -1  # only the first 100 rows are labelled
    >>> clf = AutoencoderClassifier(max_iter=5, random_state=0)
    >>> clf.fit(X / 16, y_partial).predict(X[:4] / 16).shape
    (4,)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "pretrain_fraction": [Interval(Real, 0, 1, closed="left")],
        "pseudo_labels": ["boolean"],
        "spreading_rounds": [Interval(Integral, 1, None, closed="left")],
        "noise": [StrOptions(set(NOISE_KINDS)), None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
    }

    _fitted_attributes = (
        *_BaseAutoencoder._fitted_attributes,
        "classes_",
        "_noise_extremes",
    )

    def __init__(
        self,
        n_components=32,
        *,
        pretrain_fraction=0.3,
        pseudo_labels=True,
        spreading_rounds=3,
        noise=None,
        noise_level=0.1,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        output_activation="auto",
        dropout=0.0,
        alpha=0.0,
        loss="mse",
        init="pca",
        solver="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        batch_size="auto",
        max_iter=50,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        accelerate=False,
        callbacks=None,
        network="dense",
        input_shape=None,
    ):
        assign_params(self, locals())

    @fit_method
    def fit(self, X, y, **fit_params):
        """Pre-train on every row of ``X``, then fine-tune on the labelled ones.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, labelled and unlabelled (with ``network="conv"``
            also images shaped (n_samples, H, W) or (n_samples, H, W, C)).
        y : array-like of shape (n_samples,)
            Class of each row, ``-1`` for an unlabelled row.
        **fit_params : dict
            Not supported: ``sample_weight`` (other than None) raises a
            TypeError that says how to weight rows instead.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        refuse_fit_params(self, fit_params)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None. Mark unlabelled rows with y == -1; to learn codes "
                "without labels use AutoencoderTransformer."
            )
        X = self._validate_X(X, reset=True)
        y = column_or_1d(np.asarray(y), warn=True)
        check_consistent_length(X, y)
        _check_labels(y)
        labelled = ~_unlabelled(y)
        if not labelled.any():
            raise ValueError(
                f"All {len(y)} rows are unlabelled (y == -1): "
                f"{type(self).__name__} needs some labelled rows to learn "
                "the classes. To learn codes without labels use "
                "AutoencoderTransformer."
            )
        check_classification_targets(y[labelled])
        self.classes_, codes = np.unique(y[labelled], return_inverse=True)
        if len(self.classes_) < 2:
            warnings.warn(
                f"Only one class ({self.classes_.tolist()[0]!r}) is labelled, in "
                f"{labelled.sum()} of {len(y)} rows: the classifier predicts it "
                "for every row. y == -1 marks an unlabelled row, not a class "
                "(labels in {-1, 1} leave one class); label rows of at least "
                "two classes.",
                UserWarning,
                stacklevel=caller_level(),
            )
        weights = np.zeros((len(y), len(self.classes_)))
        weights[np.flatnonzero(labelled), codes] = 1.0
        validation_rows = np.flatnonzero(labelled) if self.early_stopping else None

        n_pretrain = int(round(self.pretrain_fraction * self.max_iter))
        n_pretrain = min(n_pretrain, self.max_iter - 1)
        n_rounds = self.spreading_rounds if self.pseudo_labels else 1
        rounds = np.array_split(np.arange(self.max_iter - n_pretrain), n_rounds)
        recipe = self._learn_facts(X)
        curves, scores, nets = [], [], []
        n_classes = len(self.classes_)

        def run(epochs, targets, loss=recipe.loss, corrupt=recipe.corrupt):
            """Train one phase from the weights of the last; whether Ctrl-C
            interrupted it."""
            start = self._module.state_dict() if nets else None
            phase_recipe = replace(
                recipe,
                loss=loss,
                corrupt=corrupt,
                epochs=epochs,
                validation_rows=validation_rows,
                finish=_ClassifierStart(n_classes, start),
            )
            interrupted = self._fit_network(
                X, _with_weights(X, targets), recipe=phase_recipe
            )
            curves.extend(self.loss_curve_)
            scores.extend(self.validation_scores_ or [])
            nets.append(self._net)
            return interrupted

        trusted = None
        phases = [n_pretrain, *map(len, rounds)]
        for phase, epochs in enumerate(phases):
            if epochs == 0:
                continue
            targets, loss = weights, recipe.loss
            if phase == 0:
                targets = np.zeros_like(weights)
            elif self.pseudo_labels and nets and not labelled.all():
                # Judged once, over the first codes: later ones have learnt
                # the labelled rows, which would flatter a spreading to them.
                if trusted is None:
                    trusted = self._spreading_wins(X, weights, labelled)
                    if not trusted:
                        # Fine-tune in one phase: restarting the optimizer
                        # each round cost up to 1.7 points on Fashion-MNIST.
                        epochs = sum(phases[phase:])
                        phases[phase + 1 :] = [0] * (len(phases) - phase - 1)
                        if self._denoising_may_help(recipe, n_pretrain):
                            if self._pretrain_on_masked_rows(
                                X, weights, labelled, n_pretrain, run
                            ):
                                break
                # Spread the labels over the codes of the network so far: the
                # pre-trained codes first, then each round's fine-tuned ones.
                if trusted:
                    targets = self._spread(X, weights, labelled)
            if trusted is False:
                loss = ReconstructionAndCrossEntropy(
                    self.loss, n_classes, confidence=_CONFIDENCE
                )
            if run(epochs, targets, loss):
                # Ctrl-C: no later phase runs, and ``fit_method`` passes the
                # interruption on to the caller.
                break
        join_histories(nets)
        self.loss_curve_ = curves
        if self.validation_scores_ is not None:
            self.validation_scores_ = scores
        self._n_features_out = self.n_components
        self.n_iter_ = len(self.loss_curve_)
        return self

    def fit_transform(self, X, y, **fit_params):
        """Fit on ``X`` and ``y``, then give the fine-tuned codes of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, labelled and unlabelled.
        y : array-like of shape (n_samples,)
            Class of each row, ``-1`` for an unlabelled row.
        **fit_params : dict
            Not supported, as in :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in X's float dtype.
        """
        return self.fit(X, y, **fit_params).transform(X)

    def predict_proba(self, X):
        """Probability of each class for each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Softmax of the head's logits, columns in the order of
            ``classes_``; each row sums to 1.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._map_batches(
            X,
            self._probabilities,
            len(self.classes_),
            np.float64,
            row_floats=len(self.classes_),
        )

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, columns in the order of ``classes_``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            One of ``classes_`` for each row.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def transform(self, X):
        """Encode X with the fine-tuned encoder.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in X's float dtype.
        """
        return self._codes(X)

    def _spread(self, X, weights, labelled):
        """Class weights with the unlabelled rows' spread classes added:
        one-hot rows scaled by their smoothed spread probability."""
        codes = self._encode(X)
        spread = _spread_labels(_neighbour_graph(codes), weights, labelled)
        best = spread.argmax(axis=1)
        out = weights.copy()
        rows = np.flatnonzero(~labelled)
        out[rows, best[rows]] = spread[rows, best[rows]]
        return out

    def _denoising_may_help(self, recipe, n_pretrain):
        """Whether to pre-train again on masked rows where the spreading is
        not trusted: not where ``noise`` already corrupts them, nor on
        narrow rows, nor without a pre-training to match."""
        wide = self.n_features_in_ >= _DENOISE_MIN_FEATURES
        return recipe.corrupt is None and wide and n_pretrain > 0

    def _pretrain_on_masked_rows(self, X, weights, labelled, epochs, run):
        """Pre-train again, reconstructing rows with _DENOISE_MASKING of
        their entries masked, and keep the new weights only where a logistic
        regression of the codes classifies more judged labelled rows right
        than before. ``run`` trains a phase; whether Ctrl-C interrupted it."""
        judged = _judged_folds(weights, labelled)
        before = self._code_hits(X, judged)
        clean = copy.deepcopy(self._module.state_dict())
        masking = Corruption("masking", _DENOISE_MASKING)
        if run(epochs, np.zeros_like(weights), corrupt=masking):
            return True
        if self._code_hits(X, judged) <= before:
            self._module.load_state_dict(clean)
        return False

    def _code_hits(self, X, judged):
        """How many of the judged labelled rows a logistic regression of
        the codes classifies right, cross-validated on the judgement's folds."""
        rows, classes, folds = judged
        model = _scaled(LogisticRegression(max_iter=1000))
        return _cross_validated_hits(model, self._encode(X)[rows], classes, folds).sum()

    def _fitted_facts(self, X):
        return noise_facts(self, X)

    def _spreading_wins(self, X, weights, labelled):
        """Whether the spreading over the codes classifies hidden labelled
        rows more accurately than the best supervised fit of the labelled
        rows (logistic regressions of the inputs and of the codes, an MLP of
        the inputs), all cross-validated on the same folds, by more than the
        noise of a paired sign test. Where it does not, its pseudo-labels
        would pull the head below what the labelled rows alone give."""
        judged = _judged_folds(weights, labelled)
        if judged is None:
            # One class, or a class with one labelled row, which cannot be
            # both hidden and learnt from: nothing to judge by, so the
            # spreading is kept.
            return True
        rows, classes, folds = judged
        codes = self._encode(X)
        graph = _neighbour_graph(codes)
        judged = np.zeros(len(labelled), dtype=bool)
        judged[rows] = True
        spread_hits = np.zeros(len(rows), dtype=bool)
        for _, hidden in folds:
            shown = judged.copy()
            shown[rows[hidden]] = False
            spread = _spread_labels(graph, weights, shown)[rows[hidden]]
            spread_hits[hidden] = spread.argmax(axis=1) == classes[hidden]
        supervised_hits = max(
            (
                _cross_validated_hits(model, inputs[rows], classes, folds)
                for model, inputs in _supervised_fits(X, codes)
            ),
            key=np.sum,
        )
        # Paired on the same rows: those only the spreading gets right
        # against those only the supervised fit does. The spreading must win
        # by more than one standard deviation of that difference (a sign
        # test): a win by a row or two is noise.
        wins = np.sum(spread_hits & ~supervised_hits)
        losses = np.sum(~spread_hits & supervised_hits)
        return bool(wins - losses > np.sqrt(wins + losses))

    def _recipe(self):
        n_classes = len(self.classes_)
        return Recipe(
            widths=(self.n_components,),
            loss=ReconstructionAndCrossEntropy(self.loss, n_classes),
            corrupt=corruption_for(self),
            finish=_ClassifierStart(n_classes),
            extra_targets=n_classes,
            warn_unconverged=False,
        )

    def _fitted_arrays(self):
        # The head's width, len(classes_), is checked by the weights.
        arrays = {**super()._fitted_arrays(), **noise_arrays(self)}
        return {**arrays, "classes_": ((None,), self.classes_.dtype.kind)}

    def _probabilities(self, module, x):
        """Softmax of the head's logits (tensors): ``predict_proba``'s body."""
        return torch.softmax(module.logits(x), dim=1)

    def _onnx_outputs(self, module, x, constants):
        # Probabilities; the converter adds the labels (their most probable
        # class), as skl2onnx does for MLPClassifier.
        return (self._probabilities(module, x),)

    def _onnx_output_shapes(self):
        return [("label", None), ("real", len(self.classes_))]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _ClassifierStart:
    """A recipe's ``finish``: a member with a classification head, started
    from the weights ``start`` of the phase before (None: as built)."""

    def __init__(self, n_classes, start=None):
        self.n_classes = n_classes
        self.start = start

    def __call__(self, member, k):
        module = ClassifierAutoencoder(member, k, self.n_classes)
        if self.start is not None:
            module.load_state_dict(self.start)
        return module


def _check_labels(y):
    """Refuse labels whose unlabelled rows cannot be told apart."""
    if y.dtype.kind == "f":
        missing = np.isnan(y)
    elif y.dtype.kind == "O":
        missing = np.array([isinstance(v, Real) and v != v for v in y], dtype=bool)
    else:
        missing = np.zeros(len(y), dtype=bool)
    if missing.any():
        raise ValueError(
            f"y holds NaN in {missing.sum()} rows (the first at row "
            f"{np.flatnonzero(missing)[0]}). Mark unlabelled rows with y == -1 "
            "(scikit-learn's semi-supervised convention), not NaN."
        )
    if y.dtype.kind in "US" and (y.astype(str) == "-1").any():
        # numpy turns a list such as ["cat", -1] into strings: the -1 that
        # marks an unlabelled row became a class named "-1".
        raise ValueError(
            f"y holds the string '-1' in {(y.astype(str) == '-1').sum()} rows of "
            f"a string array (dtype {y.dtype}): numpy turned the -1 that marks "
            "unlabelled rows into a class name. Pass string labels as an "
            "object array, np.array(labels, dtype=object), or a pandas Series, "
            "with the integer -1 for unlabelled rows (as scikit-learn's "
            "SelfTrainingClassifier asks)."
        )


def _unlabelled(y):
    """Rows marked ``-1`` (numbers, or the integer -1 in an object array)."""
    if y.dtype.kind in "iuf":
        return y == -1
    if y.dtype.kind == "O":
        return np.array(
            [
                isinstance(v, Integral) and not isinstance(v, bool) and v == -1
                for v in y
            ],
            dtype=bool,
        )
    return np.zeros(len(y), dtype=bool)


def _neighbour_graph(codes):
    """Each row and its nearest neighbours (LabelSpreading's kernel="knn")."""
    n_neighbors = max(1, min(_SPREAD_NEIGHBORS, len(codes) - 1))
    return kneighbors_graph(codes, n_neighbors, include_self=True)


def _judged_folds(weights, labelled):
    """The labelled rows the spreading is judged on (a stratified sample of
    at most _JUDGED_ROWS), their classes and the cross-validation folds;
    None where a class has too few rows to be both hidden and learnt."""
    rows = np.flatnonzero(labelled)
    classes = weights[rows].argmax(axis=1)
    n_classes = weights.shape[1]
    if len(rows) > _JUDGED_ROWS and np.bincount(classes).min() > 1:
        rows, _, classes, _ = train_test_split(
            rows,
            classes,
            train_size=_JUDGED_ROWS,
            stratify=classes,
            random_state=0,
        )
    n_folds = min(_JUDGE_FOLDS, np.bincount(classes, minlength=n_classes).min())
    if n_classes < 2 or n_folds < 2:
        return None
    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=0)
    return rows, classes, list(splitter.split(rows, classes))


def _scaled(model):
    """``model`` after mean imputation and max-abs scaling."""
    return make_pipeline(SimpleImputer(keep_empty_features=True), MaxAbsScaler(), model)


def _supervised_fits(X, codes):
    """The supervised fits of the labelled rows the spreading is judged
    against, each with the inputs it reads."""
    yield _scaled(LogisticRegression(max_iter=1000)), X
    yield _scaled(LogisticRegression(max_iter=1000)), codes
    # Logistic regressions miss classes that are not linearly separable,
    # where a spreading that beats them can still be worse than a network
    # of the labelled rows (an MLP, or this classifier's own).
    yield _scaled(MLPClassifier(max_iter=500, random_state=0)), X


def _cross_validated_hits(model, X, classes, folds):
    """Whether ``model`` classifies each row right when its fold is hidden."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        predicted = cross_val_predict(model, X, classes, cv=folds)
    return predicted == classes


def _spread_labels(graph, weights, labelled):
    """Class distribution of every row: the ``labelled`` rows' classes
    (``weights.argmax``) spread over ``graph``, then smoothed."""
    targets = np.where(labelled, weights.argmax(axis=1), -1)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # Rows no labelled neighbour reaches get NaN distributions and a
        # warning: they take no pseudo-label (weight 0).
        warnings.simplefilter("ignore", RuntimeWarning)
        spreading = LabelSpreading(kernel=lambda *_: graph)
        distributions = spreading.fit(graph, targets).label_distributions_
    distributions = np.nan_to_num(distributions)
    # Each row's distribution becomes the mean of its nearest neighbours'
    # (itself included), _SMOOTHING_STEPS times over the same graph: the
    # first step is the spreading's own rule for a new row.
    n_neighbors = graph[0].nnz  # the same in every row
    for _ in range(_SMOOTHING_STEPS):
        distributions = graph @ distributions / n_neighbors
    spread = np.zeros_like(weights)
    columns = spreading.classes_[spreading.classes_ >= 0]
    spread[:, columns] = distributions[:, : len(columns)]
    return spread


def _with_weights(X, weights):
    """The training target: each row followed by its class weights."""
    if sp.issparse(X):
        return sp.hstack([X, sp.csr_matrix(weights)], format="csr", dtype=X.dtype)
    return np.hstack([X, weights.astype(X.dtype)])
