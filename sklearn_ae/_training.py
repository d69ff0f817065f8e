"""The one training engine: a private skorch ``NeuralNet`` and its data path.

Every estimator trains through :func:`train`. Variants plug in through hooks:
``corrupt`` (applied to each training batch, the target stays clean) and
``penalty`` (an extra loss term computed from the code). Public estimators
never see skorch: they get back a fitted net and plain Python loss curves.
"""

# License: BSD 3 clause

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, PassthroughScoring
from skorch.utils import noop, to_tensor

from sklearn_ae._losses import reconstruction_loss
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
    and works on :class:`RowsDataset` without copying the data.
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = max(1, int(round(self.fraction * n)))
        if n - n_valid < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.fraction} of the rows, which leaves no training rows "
                f"out of n_samples={n}. Pass more rows or set "
                "early_stopping=False."
            )
        order = torch.randperm(n)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])


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


class AutoencoderNet(NeuralNet):
    """skorch net that reconstructs its input (or the paired target ``Y``).

    Private: only :func:`train` builds it. The module returns
    ``(reconstruction, code)``; the loss is the reconstruction loss against
    ``Y`` when given, else against the clean input, plus ``penalty(code)``.
    A module may return several reconstructions stacked on dimension 1 (an
    ensemble): each is compared with the target and the losses averaged.
    """

    def __init__(self, *args, loss_name="mse", corrupt=None, penalty=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_name = loss_name
        self.corrupt = corrupt
        self.penalty = penalty

    @property
    def _default_callbacks(self):
        # skorch's defaults also time epochs and format a log line for every
        # epoch; keep only the loss bookkeeping.
        return [
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
        ]

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch's partial_fit ends training quietly on KeyboardInterrupt
        # (early stopping then restores the best weights); note it, so that
        # the estimator can pass the interruption on to its caller.
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = True
            raise

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, code = y_pred
        target = X if y_true is None else y_true
        target = to_tensor(target, device=self._batch_device())
        if reconstruction.dim() == target.dim() + 1:
            # An ensemble module stacks its members' reconstructions on
            # dimension 1: each member is compared with the same target.
            target = target.unsqueeze(1)
        loss = reconstruction_loss(self.loss_name, reconstruction, target)
        if self.penalty is not None:
            loss = loss + self.penalty(code)
        return loss

    def _batch_device(self):
        return self.device

    def _backward(self, loss):
        loss.backward()

    def infer(self, x, **fit_params):
        return self.module_(to_tensor(x, device=self._batch_device()), **fit_params)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        Xi = to_tensor(Xi, device=self._batch_device())
        target = Xi if yi is None else yi
        if self.corrupt is not None:
            Xi = self.corrupt(Xi)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, target, X=Xi, training=True)
        if not torch.isfinite(loss):
            raise ValueError(
                f"The training loss became {loss.item()} at epoch "
                f"{len(self.history)}: training diverged. Lower "
                f"learning_rate_init (now {self.lr}) or scale the data, e.g. "
                "with sklearn.preprocessing.StandardScaler."
            )
        self._backward(loss)
        return {"loss": loss, "y_pred": y_pred}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if training or self.corrupt is None:
            return super().run_single_epoch(
                iterator, training, prefix, step_fn, **fit_params
            )
        # Validation of a corrupting net measures what it is trained for
        # (clean outputs from corrupted inputs) on the same noise every
        # epoch, so that epochs compare; the forked RNG leaves the training
        # noise stream as it was.
        with seeded(_VALIDATION_NOISE_SEED, torch.device(self._batch_device())):
            super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = batch
        Xi = to_tensor(Xi, device=self._batch_device())
        target = Xi if yi is None else yi
        inputs = Xi if self.corrupt is None else self.corrupt(Xi)
        with torch.no_grad():
            y_pred = self.infer(inputs, **fit_params)
            loss = self.get_loss(y_pred, target, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}


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

    ``loss`` is a loss name or a callable ``(pred, target) -> scalar``;
    ``penalty`` an extra term computed from the code; ``corrupt`` a function
    applied to each training batch (the target stays clean).
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
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    device: str = "cpu"
    verbose: int = 0
    accelerate: bool = False
    # The starting weights compete with the trained ones (not for a single
    # streamed epoch: partial_fit).
    start_is_candidate: bool = True


@dataclass
class TrainResult:
    net: AutoencoderNet
    loss_curve: list
    validation_loss_curve: list | None
    best_loss: float
    n_iter: int
    stopped_early: bool
    interrupted: bool
    kept_start: bool = False


def train(module, dataset, settings):
    """Train ``module`` on a :class:`RowsDataset`; the caller seeds torch.

    Stops when the monitored loss (validation loss with ``early_stopping``,
    else training loss) has not improved by ``tol`` for ``n_iter_no_change``
    epochs, and restores the weights of the best epoch. A KeyboardInterrupt
    ends training the same way and is reported in ``interrupted``. A NaN or
    inf loss raises ``ValueError``.
    """
    net = build_net(module, settings)
    start = None
    if settings.start_is_candidate and not settings.accelerate:
        # The starting network (e.g. the PCA start) is a candidate too:
        # training that ends worse than it (a learning rate so high that
        # the loss rises, yet stays finite) gives it back.
        net.initialize()
        start = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        start_loss = mean_loss(net, dataset)
    net.fit(dataset, None)
    if start is not None and mean_loss(net, dataset) > start_loss:
        net.module_.load_state_dict(start)
        result = collect(net)
        result.kept_start = True
        return result
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


def continue_training(net, dataset, epochs):
    """Train a fitted net for ``epochs`` more epochs, optimizer state kept."""
    net.partial_fit(dataset, None, epochs=epochs)
    return collect(net)


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
        criterion=torch.nn.MSELoss,  # unused: get_loss computes the loss
        optimizer=SOLVERS[s.solver],
        lr=s.learning_rate_init,
        max_epochs=s.max_iter,
        batch_size=s.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_valid=BatchIterator,
        train_split=SeededSplit(s.validation_fraction) if s.early_stopping else None,
        callbacks=callbacks,
        verbose=0,
        loss_name=s.loss,
        penalty=s.penalty,
        corrupt=s.corrupt,
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
    stopper = dict(net.callbacks_)["early_stopping"]
    stopped_early = stopper.misses_ >= stopper.patience
    monitored = validation if validation is not None else loss_curve
    best = min(monitored) if monitored else float("nan")
    return TrainResult(
        net=net,
        loss_curve=loss_curve,
        validation_loss_curve=validation,
        best_loss=best,
        n_iter=len(rows),
        stopped_early=stopped_early,
        # skorch's EarlyStopping also ends training with a KeyboardInterrupt.
        interrupted=getattr(net, "interrupted_", False) and not stopped_early,
    )
