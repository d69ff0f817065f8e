"""The one training engine: a private skorch ``NeuralNet`` and its data path.

Every estimator trains through :func:`train` and :func:`resume`, functions of
a module, the rows and one :class:`TrainSettings`. The loss is skorch's
``criterion`` (:class:`~sklearn_ae._losses.Criterion`); variants plug in
through hooks: ``corrupt`` (applied to each training batch, the target stays
clean) and the loss's ``penalty`` (an extra term computed from the code). A
user's skorch callbacks run beside the built-in ones. Nothing above this
module names skorch: the estimators get back an opaque net (read through
:func:`module_of` and :func:`history_of`) and plain Python loss curves.
"""

# License: BSD 3 clause

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.utils import TeeGenerator, noop, to_tensor

from sklearn_ae._losses import Criterion
from sklearn_ae._utils import n_rows, seeded, take_rows

SOLVERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}


class RowsDataset(torch.utils.data.Dataset):
    """Rows ``indices`` of ``X`` (and of the target ``Y``), never copied whole.

    ``X`` and ``Y`` come from :func:`sklearn_ae._utils.as_rows`: a float32
    tensor (possibly sharing a memmap's pages) or a CSR matrix.
    """

    def __init__(self, X, Y=None, indices=None):
        self.X = X
        self.Y = Y
        self.indices = torch.arange(n_rows(X)) if indices is None else indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.take(self.indices[i : i + 1])

    def subset(self, positions):
        return RowsDataset(self.X, self.Y, self.indices[positions])

    def take(self, index):
        Xb = take_rows(self.X, index)
        Yb = None if self.Y is None else take_rows(self.Y, index)
        return Xb, Yb


class BatchIterator:
    """Yields ``(X_batch, Y_batch)`` slices of a shuffled index.

    skorch's default ``DataLoader`` fetches and collates one row at a time;
    slicing whole batches out of one tensor is several times faster for the
    small dense networks used here. Shuffling draws from torch's global RNG,
    which the estimators seed inside ``torch.random.fork_rng``.

    With ``num_shards > 1`` (data-parallel training, one process per shard)
    each process takes every ``num_shards``-th row of the shuffled order,
    starting at ``shard``.
    """

    def __init__(self, dataset, batch_size=256, shuffle=False, shard=0, num_shards=1):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.shard = shard
        self.num_shards = num_shards

    def _indices(self):
        indices = self.dataset.indices
        if self.shuffle:
            indices = indices[torch.randperm(len(indices))]
        return indices[self.shard :: self.num_shards]

    def __len__(self):
        n = len(range(self.shard, len(self.dataset), self.num_shards))
        return math.ceil(n / self.batch_size)

    def __iter__(self):
        indices = self._indices()
        for start in range(0, len(indices), self.batch_size):
            yield self.dataset.take(indices[start : start + self.batch_size])


# Seed of the noise on validation batches (the same every epoch).
_VALIDATION_NOISE_SEED = 0


class SeededSplit:
    """Hold out a random ``fraction`` of the rows for validation.

    Replaces skorch's ``ValidSplit`` so that the split follows the torch seed
    and works on :class:`RowsDataset` without copying the data. With
    ``eligible`` (positions of rows, e.g. a classifier's labelled ones) the
    held-out rows are a ``fraction`` of those only.
    """

    def __init__(self, fraction, eligible=None):
        self.fraction = fraction
        self.eligible = eligible

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        eligible = self.eligible
        pool = torch.arange(n) if eligible is None else torch.as_tensor(eligible)
        n_valid = max(1, int(round(self.fraction * len(pool))))
        which = "" if self.eligible is None else "labelled "
        if len(pool) - n_valid < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.fraction} of the {which}rows, which leaves no {which}"
                f"training rows out of {len(pool)}. Pass more {which}rows or "
                "set early_stopping=False."
            )
        order = torch.randperm(n)
        if self.eligible is None:
            return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])
        held = torch.zeros(n, dtype=torch.bool)
        held[pool[torch.randperm(len(pool))[:n_valid]]] = True
        return dataset.subset(order[~held[order]]), dataset.subset(order[held[order]])


class ProgressBar(Callback):
    """A tqdm bar over epochs showing the train and validation loss."""

    def __init__(self, total):
        self.total = total

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.total, unit="epoch", leave=True)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        postfix = {"loss": f"{row['train_loss']:.4g}"}
        if "valid_loss" in row:
            postfix["val_loss"] = f"{row['valid_loss']:.4g}"
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("bar_", None)
        return state


class StartCompetes(Callback):
    """The starting network (e.g. the PCA start) competes with the trained one.

    Before the first epoch, the loss of the network as built is measured on
    the validation rows (with early stopping), else on the training rows,
    the way validation measures it (:func:`mean_loss`). After training (and
    after early stopping has restored its best epoch), that epoch's loss is
    compared with the start's: if training did not beat the start, the
    starting weights come back. With held-out rows the epoch's validation
    loss is the very measurement, so this keeps a model that is never worse
    than its start on data it did not train on. Without, the epoch's
    training loss (taken while its weights moved, with dropout) is read
    first and, only when it is not below the start's, the trained weights
    are measured as the start was: this undoes a training whose loss rose
    (a learning rate too high, yet finite) without a pass over the rows
    after every fit.
    """

    def on_train_begin(self, net, **kwargs):
        self.rows_ = self.start_loss_ = self.start_weights_ = None
        self.kept_start_ = False

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if self.rows_ is not None:
            return
        self.rows_ = dataset_valid if dataset_valid is not None else dataset_train
        self.start_loss_ = mean_loss(net, self.rows_)
        self.start_weights_ = copy.deepcopy(net.module_.state_dict())

    def on_train_end(self, net, **kwargs):
        # Neither the rows nor the weights stay in the (pickled) net.
        rows, self.rows_ = self.rows_, None
        weights, self.start_weights_ = self.start_weights_, None
        if rows is None or not net.history or "train_loss" not in net.history[-1]:
            return  # interrupted within an epoch: the best epoch stands
        if _restored_loss(net, validated=net.train_split is not None) < (
            self.start_loss_
        ):
            return
        if mean_loss(net, rows) > self.start_loss_:
            net.module_.load_state_dict(weights)
            self.kept_start_ = True


def _restored_loss(net, validated):
    """The loss recorded for the epoch early stopping restored: on the
    validation rows when there are any (whatever the monitor), else the
    monitored training loss; infinite when none is known."""
    stopper = dict(net.callbacks_).get("early_stopping")
    best = getattr(stopper, "best_epoch_", None)
    name = "valid_loss" if validated else stopper.monitor
    for row in net.history:
        if row["epoch"] == best and name in row:
            return row[name]
    return math.inf


class AutoencoderNet(NeuralNet):
    """skorch net that reconstructs its input (or the paired target ``Y``).

    Private: only :func:`build_net` builds it. The module returns
    ``(reconstruction, code)``; the criterion compares it with ``Y`` when
    given, else with the clean input. With ``record_batches`` (set when a
    user's callback runs) each batch gets skorch's history row
    (``{prefix}_loss``, ``{prefix}_batch_size``) that its loggers read.
    """

    def __init__(self, *args, corrupt=None, record_batches=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.corrupt = corrupt
        self.record_batches = record_batches

    @property
    def _default_callbacks(self):
        # skorch's defaults time epochs, format a log line for every epoch and
        # average the batch losses from per-batch history rows
        # (PassthroughScoring); the epoch losses are computed in
        # ``run_single_epoch`` and recorded by ``on_epoch_end`` instead.
        return []

    def _to_device(self, x):
        """``x`` (a batch tensor, or anything skorch's ``to_tensor`` takes) on
        the training device (``Tensor.to`` returns a tensor already there)."""
        if isinstance(x, torch.Tensor):
            return x.to(self._batch_device())
        return to_tensor(x, device=self._batch_device())

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch's partial_fit ends training quietly on KeyboardInterrupt
        # (early stopping then restores the best weights); note it, so that
        # the estimator can pass the interruption on to its caller.
        self.interrupted_ = False
        self.stopped_by_ = None
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = True
            raise

    def notify(self, method_name, **cb_kwargs):
        # A callback ends training skorch's way, by raising KeyboardInterrupt
        # (EarlyStopping does): note which one, to tell it from a Ctrl-C.
        getattr(self, method_name)(self, **cb_kwargs)
        for name, callback in self.callbacks_:
            try:
                getattr(callback, method_name)(self, **cb_kwargs)
            except KeyboardInterrupt:
                self.stopped_by_ = name
                raise

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target = X if y_true is None else y_true
        return self.criterion_(y_pred, self._to_device(target))

    def _batch_device(self):
        return self.device

    def _backward(self, loss):
        loss.backward()

    def infer(self, x, **fit_params):
        return self.module_(self._to_device(x), **fit_params)

    # The training loop. skorch's own loop adds a fixed cost to every batch
    # (~0.1-0.3 ms measured against a hand-written loop, 10-20% of a small
    # network's step at batch size 32), none of it needed here: setting train
    # mode on every submodule at every batch, notifying every callback of
    # every batch, two history rows per batch to average the epoch loss from,
    # a closure and an accumulator around each optimizer step, and a separate
    # ``isfinite`` check beside the ``.item()`` of the loss. The overrides
    # below do the same work once per epoch, or only for the callbacks that
    # implement a batch-level hook.

    def _listeners(self, event):
        """Bound ``event`` hooks of the net and of the callbacks that define
        one (skorch's no-op defaults, and the net's per-batch history row,
        left out)."""
        hooks = []
        if getattr(type(self), event) is not getattr(NeuralNet, event):
            hooks.append(getattr(self, event))
        default = getattr(Callback, event)
        for name, callback in self.callbacks_:
            if getattr(type(callback), event, None) is not default:
                hooks.append(_Hook(self, name, getattr(callback, event)))
        return hooks

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        self._epoch_losses_ = {}

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Record the epoch's ``train_loss`` (and ``valid_loss``): the mean of
        the batch losses weighted by the batch sizes, as skorch's
        ``PassthroughScoring`` computes it, with its ``*_best`` flags.

        The net is notified before the callbacks, so early stopping, the
        learning-rate schedule and the progress bar see these losses. An
        epoch interrupted before its end records none.
        """
        super().on_epoch_end(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        for prefix, (losses, sizes) in getattr(self, "_epoch_losses_", {}).items():
            if not losses:
                continue
            name = prefix + "_loss"
            loss = np.average(losses, weights=sizes)
            earlier = [row[name] for row in list(self.history)[:-1] if name in row]
            self.history.record(name, loss)
            self.history.record(
                name + "_best", bool(loss < min(earlier, default=np.inf))
            )
        self._epoch_losses_ = {}

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.__dict__.pop("_epoch_losses_", None)  # left by an interrupted epoch

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        if training or self.corrupt is None:
            self._run_batches(iterator, training, prefix, step_fn, **fit_params)
            return
        # Validation of a corrupting net measures what it is trained for
        # (clean outputs from corrupted inputs) on the same noise every
        # epoch, so that epochs compare; the forked RNG leaves the training
        # noise stream as it was.
        with seeded(_VALIDATION_NOISE_SEED, torch.device(self._batch_device())):
            self._run_batches(iterator, training, prefix, step_fn, **fit_params)

    def _run_batches(self, iterator, training, prefix, step_fn, **fit_params):
        begin = self._listeners("on_batch_begin")
        end = self._listeners("on_batch_end")
        # Once per epoch: no callback here switches modes between batches
        # (the step functions check the top module's flag, for other callers).
        self._set_training(training)
        losses, sizes = [], []
        self._grad_listeners_ = self._listeners("on_grad_computed")
        record = self.record_batches
        try:
            for batch in iterator:
                if record:
                    self.history.new_batch()
                for hook in begin:
                    hook(self, batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                value = step.get("loss_value")
                value = step["loss"].item() if value is None else value
                losses.append(value)
                sizes.append(batch[0].shape[0])  # a tensor from BatchIterator
                if record:
                    self.history.record_batch(prefix + "_loss", value)
                    self.history.record_batch(prefix + "_batch_size", sizes[-1])
                for hook in end:
                    hook(self, batch=batch, training=training, **step)
        finally:
            del self._grad_listeners_
        self.history.record(prefix + "_batch_count", len(losses))
        if not hasattr(self, "_epoch_losses_"):
            self._epoch_losses_ = {}
        self._epoch_losses_[prefix] = (losses, sizes)

    def train_step(self, batch, **fit_params):
        """One optimizer step on ``batch``, without skorch's closure.

        skorch hands the optimizer a closure for the solvers that evaluate
        the loss several times per step (LBFGS); Adam, AdamW and SGD evaluate
        it once, so computing the gradient first and then stepping is the
        same computation. The accelerate mixin wraps this in its
        ``accumulate`` context and its optimizer's ``step`` applies the
        gradient scaler, as its own ``_step_optimizer`` does.
        """
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        listeners = self.__dict__.get("_grad_listeners_")  # set per epoch
        if listeners is None:
            listeners = self._listeners("on_grad_computed")
        for hook in listeners:
            hook(
                self,
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        for name in self._optimizers:
            getattr(self, name + "_").step()
        return step

    def train_step_single(self, batch, **fit_params):
        if not self.module_.training:
            self._set_training(True)
        Xi, yi = batch
        Xi = self._to_device(Xi)
        target = Xi if yi is None else self._to_device(yi)
        if self.corrupt is not None:
            Xi = self.corrupt(Xi)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, target, X=Xi, training=True)
        # One synchronisation gives both the divergence check and the value
        # recorded for the epoch loss.
        value = loss.item()
        if not math.isfinite(value):
            raise ValueError(
                f"The training loss became {value} at epoch "
                f"{len(self.history)}: training diverged. Lower "
                f"learning_rate_init (now {self.lr}) or scale the data, e.g. "
                "with sklearn.preprocessing.StandardScaler."
            )
        self._backward(loss)
        return {"loss": loss, "y_pred": y_pred, "loss_value": value}

    def validation_step(self, batch, **fit_params):
        if self.module_.training:
            self._set_training(False)
        Xi, yi = batch
        Xi = self._to_device(Xi)
        target = Xi if yi is None else yi
        inputs = Xi if self.corrupt is None else self.corrupt(Xi)
        with torch.no_grad():
            y_pred = self.infer(inputs, **fit_params)
            loss = self.get_loss(y_pred, target, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}


class _Hook:
    """A callback's batch-level hook that notes the callback when it ends
    training (raises KeyboardInterrupt), as :meth:`AutoencoderNet.notify`."""

    __slots__ = ("net", "name", "hook")

    def __init__(self, net, name, hook):
        self.net, self.name, self.hook = net, name, hook

    def __call__(self, *args, **kwargs):
        try:
            return self.hook(*args, **kwargs)
        except KeyboardInterrupt:
            self.net.stopped_by_ = self.name
            raise


def _accelerated_net_class():
    """``AutoencoderNet`` trained through skorch's Hugging Face Accelerate mixin.

    Built on demand so that ``accelerate`` stays an optional dependency. The
    mixin prepares the module and optimizer (DistributedDataParallel under
    ``accelerate launch``); our own training step is kept (corruption,
    divergence check) with the accelerator's backward pass, and each process
    trains on its own shard of every epoch's shuffled rows.
    """
    from skorch.hf import AccelerateMixin

    class AcceleratedAutoencoderNet(AccelerateMixin, AutoencoderNet):
        train_step_single = AutoencoderNet.train_step_single

        def _batch_device(self):
            return self.accelerator.device

        def _backward(self, loss):
            self.accelerator.backward(loss)

        def get_iterator(self, dataset, training=False):
            iterator = AutoencoderNet.get_iterator(self, dataset, training=training)
            iterator.shard = self.accelerator.process_index
            iterator.num_shards = self.accelerator.num_processes
            return iterator

    return AcceleratedAutoencoderNet


@dataclass(frozen=True)
class TrainSettings:
    """Everything the engine needs besides the module and the rows.

    ``loss`` is a loss name or a callable ``(pred, target) -> scalar``
    (``pred`` the module's first output, ``target`` the batch's rows of the
    target, which may hold more columns than the decoder outputs, e.g. a
    classifier's labels); ``penalty`` an extra term computed from the code;
    ``corrupt`` a function applied to each training batch (the target stays
    clean); ``validation_rows`` the positions of the rows that early stopping
    may hold out (None: any row); ``callbacks`` a user's skorch callbacks,
    ``(name, callback)`` pairs, run after the built-in ones.
    """

    loss: object = "mse"
    penalty: object = None
    corrupt: object = None
    solver: str = "adam"
    learning_rate_init: float = 1e-3
    learning_rate: str = "constant"
    alpha: float = 0.0
    batch_size: int = 256
    max_iter: int = 200
    early_stopping: bool = False
    # Hold validation rows out without stopping on them: training stops on
    # its own loss, and the start competes with the trained network on rows
    # neither trained on (implied by early_stopping).
    guard: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    device: str = "cpu"
    verbose: int = 0
    accelerate: bool = False
    # The starting weights compete with the trained ones (not for a single
    # streamed epoch: partial_fit).
    start_is_candidate: bool = True
    validation_rows: object = None
    callbacks: tuple = ()


@dataclass
class TrainResult:
    """What a training gives back. ``interrupted``: a Ctrl-C ended it;
    ``stopped_by_callback``: one of the user's callbacks ended it."""

    net: AutoencoderNet
    loss_curve: list
    validation_loss_curve: list | None
    best_loss: float
    n_iter: int
    stopped_early: bool
    interrupted: bool
    kept_start: bool = False
    validated: bool = False
    stopped_by_callback: bool = False


# Names of the built-in callbacks: a user's callback may not take one.
_BUILT_IN = ("early_stopping", "start_competes", "lr_schedule", "progress")


def check_callbacks(callbacks):
    """A user's ``callbacks`` as ``(name, callback)`` pairs, checked.

    Each entry is a skorch callback (named as skorch names it: its class
    name) or a ``(name, callback)`` pair. Raises ``TypeError`` for anything
    else and ``ValueError`` for a name taken twice or by a built-in one.
    """
    if callbacks is None:
        return ()
    pairs = []
    for entry in callbacks:
        name, callback = (
            entry if isinstance(entry, tuple) and len(entry) == 2 else (None, entry)
        )
        if isinstance(callback, type) and issubclass(callback, Callback):
            raise TypeError(
                f"callbacks holds the class {callback.__name__}; pass an "
                f"instance, e.g. {callback.__name__}()."
            )
        if not isinstance(callback, Callback) or not (
            name is None or isinstance(name, str)
        ):
            raise TypeError(
                "callbacks must hold skorch callbacks (skorch.callbacks."
                "Callback instances) or (name, callback) pairs, but it holds "
                f"{entry!r}."
            )
        pairs.append((name or type(callback).__name__, callback))
    names = [name for name, _ in pairs]
    for name in names:
        if name in _BUILT_IN or names.count(name) > 1:
            raise ValueError(
                f"callbacks: the name {name!r} is "
                + ("a built-in callback's" if name in _BUILT_IN else "taken twice")
                + "; give the callback another name with a (name, callback) pair."
            )
    return tuple(pairs)


def train(module, dataset, settings):
    """Train ``module`` on a :class:`RowsDataset`; the caller seeds torch.

    Stops when the monitored loss (validation loss with ``early_stopping``,
    else training loss) has not improved by ``tol`` for ``n_iter_no_change``
    epochs, and restores the weights of the best epoch. A KeyboardInterrupt
    ends training the same way and is reported in ``interrupted`` (or in
    ``stopped_by_callback`` when a user's callback raised it). A NaN or inf
    loss raises ``ValueError``.
    """
    net = build_net(module, settings)
    net.fit(dataset, None)
    if settings.accelerate:
        # The accelerator holds process-wide state and does not pickle: hand
        # back a plain net around the trained (unwrapped) module.
        result = collect(net)
        plain = build_net(net.module_, replace(settings, accelerate=False))
        plain.initialize()
        plain.history = net.history
        result.net = plain
        return result
    return collect(net)


def mean_loss(net, dataset):
    """The loss of the net's current weights over ``dataset``, measured as
    validation is: eval mode (no dropout), a denoiser's corruption drawn from
    a fixed seed (the caller's RNG stream untouched)."""
    total, count = 0.0, 0
    with seeded(_VALIDATION_NOISE_SEED, torch.device(net._batch_device())):
        for batch in BatchIterator(dataset, batch_size=net.batch_size):
            total += float(net.validation_step(batch)["loss"]) * len(batch[0])
            count += len(batch[0])
    return total / max(count, 1)


def resume(net, dataset, settings):
    """Train a fitted net ``settings.max_iter`` more epochs on ``dataset``,
    its optimizer state kept; the caller seeds torch.

    These rows are streamed (``partial_fit``): none is held out, so early
    stopping and an adaptive schedule monitor the training loss.
    """
    net.batch_size = settings.batch_size
    if net.train_split is not None:
        net.train_split = None
        monitors = {"callbacks__early_stopping__monitor": "train_loss"}
        if "lr_schedule" in dict(net.callbacks_):
            monitors["callbacks__lr_schedule__monitor"] = "train_loss"
        net.set_params(**monitors)
    net.partial_fit(dataset, None, epochs=settings.max_iter)
    return collect(net)


def restore(module, settings):
    """A net around a trained ``module`` (after ``load``), ready for
    :func:`resume`, in eval mode."""
    net = build_net(module, settings)
    net.initialize()
    net.module_.eval()
    return net


def module_of(net):
    """The torch module a net trains."""
    return net.module_


def device_of(net):
    """The device a net trains on, as a string."""
    return str(net.device)


def history_of(net):
    """The net's skorch ``History``."""
    return net.history


def join_histories(nets):
    """Give the last of ``nets`` (the phases of one fit, in order) the
    epochs of all: its history then runs over the whole fit, epochs
    numbered on."""
    if len(nets) < 2:
        return
    rows = [dict(row) for net in nets for row in net.history]
    for epoch, row in enumerate(rows, start=1):
        row["epoch"] = epoch
    nets[-1].history = type(nets[-1].history)(rows)


def build_net(module, settings):
    s = settings
    monitor = "valid_loss" if s.early_stopping else "train_loss"
    callbacks = [
        (
            "early_stopping",
            EarlyStopping(
                monitor=monitor,
                patience=s.n_iter_no_change,
                threshold=s.tol,
                threshold_mode="abs",
                load_best=True,
                sink=noop,
            ),
        )
    ]
    if s.start_is_candidate and not s.accelerate:
        callbacks.append(("start_competes", StartCompetes()))
    if s.learning_rate == "adaptive":
        callbacks.append(
            (
                "lr_schedule",
                LRScheduler(
                    policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
                    monitor=monitor,
                    factor=0.2,
                    patience=max(1, s.n_iter_no_change // 3),
                    threshold=s.tol,
                    threshold_mode="abs",
                ),
            )
        )
    elif s.learning_rate == "cosine":
        callbacks.append(
            (
                "lr_schedule",
                LRScheduler(
                    policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                    T_max=s.max_iter,
                ),
            )
        )
    if s.verbose:
        callbacks.append(("progress", ProgressBar(total=s.max_iter)))
    callbacks.extend(s.callbacks)
    optimizer_params = {"optimizer__weight_decay": s.alpha}
    if s.solver == "sgd":
        optimizer_params.update(optimizer__momentum=0.9, optimizer__nesterov=True)
    net_class, extra = AutoencoderNet, {"device": s.device}
    if s.accelerate:
        from accelerate import Accelerator

        net_class = _accelerated_net_class()
        extra = {
            "device": None,
            "accelerator": Accelerator(cpu=torch.device(s.device).type == "cpu"),
        }
    return net_class(
        module=module,
        criterion=Criterion(s.loss, s.penalty),
        optimizer=SOLVERS[s.solver],
        lr=s.learning_rate_init,
        max_epochs=s.max_iter,
        batch_size=s.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_valid=BatchIterator,
        train_split=(
            SeededSplit(s.validation_fraction, s.validation_rows)
            if s.early_stopping or s.guard
            else None
        ),
        callbacks=callbacks,
        verbose=0,
        corrupt=s.corrupt,
        record_batches=bool(s.callbacks),
        **extra,
        **optimizer_params,
    )


def collect(net):
    """Loss curves and stopping facts from a trained net's history."""
    history = net.history
    # An interrupted epoch may lack its losses: keep complete epochs only.
    rows = [row for row in history if "train_loss" in row]
    loss_curve = [float(row["train_loss"]) for row in rows]
    validation = None
    if net.train_split is not None:
        validation = [float(row["valid_loss"]) for row in rows if "valid_loss" in row]
    callbacks = dict(net.callbacks_)
    stopper = callbacks["early_stopping"]
    stopped_early = stopper.misses_ >= stopper.patience
    start = callbacks.get("start_competes")
    kept_start = start is not None and start.kept_start_
    monitored = validation if validation is not None else loss_curve
    best = min(monitored) if monitored else float("nan")
    if kept_start:
        best = start.start_loss_
    interrupted = getattr(net, "interrupted_", False)
    # skorch's callbacks (EarlyStopping, a user's) end training with a
    # KeyboardInterrupt too: only one raised elsewhere is a Ctrl-C.
    stopped_by = getattr(net, "stopped_by_", None)
    return TrainResult(
        net=net,
        loss_curve=loss_curve,
        validation_loss_curve=validation,
        best_loss=best,
        n_iter=len(rows),
        stopped_early=stopped_early,
        interrupted=interrupted and stopped_by is None and not stopped_early,
        kept_start=kept_start,
        validated=net.train_split is not None,
        stopped_by_callback=interrupted and stopped_by not in (None, *_BUILT_IN),
    )
