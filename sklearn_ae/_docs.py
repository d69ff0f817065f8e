"""Shared parameter and attribute documentation, written once.

An estimator's docstring documents its own parameters and holds the lines
``{shared parameters}`` and ``{shared attributes}``; :func:`fill_doc` puts
there the entries below for every other ``__init__`` parameter (in signature
order, with the default read from the signature) and the fitted attributes
every estimator has. This follows imbalanced-learn's ``Substitution``.
"""

# License: BSD 3 clause

import inspect
import textwrap

_PARAMETERS = {
    "hidden_layer_sizes": (
        "int or tuple of int",
        "Widths of the encoder's hidden layers; the decoder mirrors them.",
    ),
    "activation": (
        '{"relu", "tanh", "gelu", "leaky_relu", "elu", "selu", "silu", '
        '"sigmoid", "logistic", "identity"}',
        "Activation between hidden layers.",
    ),
    "output_activation": (
        '{"auto", "identity", "sigmoid", "tanh", "relu"}',
        'Activation of the output. "auto" is "sigmoid" with ``loss="bce"``, '
        "and on the dense network when every training target lies in [0, 1] "
        "(pixels, min-max scaled columns; not for the outlier detector); "
        '"identity" otherwise. Choose "identity" for data only min-max scaled '
        "whose new rows may fall outside the training range.",
    ),
    "dropout": (
        "float",
        "Dropout probability after each hidden layer, during training only.",
    ),
    "alpha": ("float", "L2 penalty (weight decay) on the network's weights."),
    "loss": (
        '{"mse", "bce", "l1", "huber"} or callable',
        'Training loss. "bce" needs targets in [0, 1]. A callable '
        "``loss(output, target) -> scalar tensor`` receives the network's "
        "output and the batch's targets (float32 tensors of the same shape); "
        "where a target is missing (NaN) it holds the output's own detached "
        "value, so it adds no gradient. See :ref:`custom_training`.",
    ),
    "init": (
        '{"pca", "random"}',
        '"pca" starts the dense network from the PCA solution (computed on up to '
        "10,000 rows): a linear path initialised from PCA plus a non-linear "
        'residual whose last layer starts at zero. "random" starts from '
        "PyTorch's default initialisation.",
    ),
    "solver": (
        '{"adam", "adamw", "sgd"}',
        'Optimizer ("sgd" uses Nesterov momentum 0.9).',
    ),
    "learning_rate_init": ("float", "Initial learning rate."),
    "learning_rate": (
        '{"adaptive", "constant", "cosine"}',
        'Schedule: "adaptive" divides the rate by 5 when the monitored loss has '
        "not improved by ``tol`` for ``n_iter_no_change // 3`` epochs; "
        '"cosine" anneals it to zero over ``max_iter`` epochs.',
    ),
    "batch_size": (
        'int or "auto"',
        'Rows per training step. "auto" is ``clip(n_samples // 32, 16, 256)``.',
    ),
    "max_iter": ("int", "Maximum number of epochs."),
    "early_stopping": (
        'bool or "auto"',
        "Hold out ``validation_fraction`` of the rows and stop when their loss "
        "has not improved by ``tol`` for ``n_iter_no_change`` epochs; the "
        "starting network (the PCA start) competes on those rows too, so the "
        "result is never worse than the start on them. Without it the "
        "training loss is monitored the same way. Either way the weights of "
        'the best epoch are restored. "auto" (when at least 10 rows are held '
        "out) turns it on for fewer than 1,000 rows, where a network "
        "overfits; from 1,000 rows on it still holds the rows out, on which "
        "the start competes with the trained network, but training stops on "
        "its own loss (stopping on the held-out loss ended training too "
        "soon there).",
    ),
    "validation_fraction": (
        "float",
        'Share of rows held out when ``early_stopping`` is True or "auto".',
    ),
    "n_iter_no_change": ("int", "Epochs without improvement before training stops."),
    "tol": (
        "float",
        "Smallest decrease of the monitored loss that counts as improvement.",
    ),
    "device": (
        "str",
        '"cpu", "cuda", "cuda:N", "mps", or "auto" (CUDA when available). The '
        "device used is ``device_``.",
    ),
    "random_state": (
        "int, RandomState instance or None",
        "Seeds weight initialisation, shuffling, dropout, noise and the "
        "validation split. The caller's global numpy and torch RNG states are "
        "untouched.",
    ),
    "verbose": (
        "int",
        "0 is silent; 1 shows a progress bar with the losses of each epoch.",
    ),
    "accelerate": (
        "bool",
        "Train through skorch's Hugging Face Accelerate integration (needs the "
        "``accelerate`` package): under ``accelerate launch`` each process "
        "trains on its shard of the rows with DistributedDataParallel, e.g. on "
        "several GPUs. ``partial_fit`` does not use it.",
    ),
    "callbacks": (
        "list of skorch callbacks or (name, callback) pairs, or None",
        "skorch callbacks run beside the built-in ones (early stopping, the "
        "learning-rate schedule), e.g. ``skorch.callbacks.Checkpoint``, "
        "``TensorBoard`` or ``EpochScoring``; an unnamed one is named after its "
        "class. With any callback, the history also gets skorch's per-batch "
        "rows. A callback that raises ``KeyboardInterrupt`` ends training as "
        "early stopping does. The callbacks are used as given (their state "
        "after ``fit`` is that of the last fit). Read more in "
        ":ref:`custom_training`.",
    ),
    "network": (
        '{"dense", "conv", "recurrent"}, network kind or callable',
        "The network: a kind with its settings, e.g. ``Dense()``, "
        '``Conv(channels=(16, 32))`` or ``Recurrent(cell="gru")`` '
        "(a search can tune them as ``network__channels``), its name for the "
        "kind at its defaults, or a factory ``f(n_features_in, n_components) "
        "-> torch.nn.Module`` with ``encoder`` and ``decoder`` submodules whose "
        "forward returns ``(output, code)``. ``hidden_layer_sizes``, "
        "``activation`` and ``dropout`` apply to every built-in kind. See "
        ":ref:`custom_training`.",
    ),
    "input_shape": (
        "tuple of int or None",
        '(C, H, W) of one image, for ``network="conv"``: flat rows are read in '
        "C, H, W order, so they fit in a ``Pipeline``. With ``None``, X may "
        "instead be passed as images shaped (n_samples, H, W) (one channel) or "
        "(n_samples, H, W, C) (channels last); they are flattened to C, H, W "
        'rows and outputs are flat rows. For ``network="recurrent"``, the '
        "(window, n_channels) of one sequence: flat rows hold the steps in time "
        "order, the channels of a step side by side.",
    ),
    "sparsity": (
        '{"l1", "kl"} or None',
        'Sparsity penalty on the code, added to the loss. "l1": '
        "``sparsity_weight`` times the mean over rows of the sum of ``|z|`` over "
        'code units. "kl": the code goes through a sigmoid (so codes lie in '
        "[0, 1]) and the penalty is ``sparsity_weight`` times the sum over code "
        "units of ``KL(sparsity_target || rho_j)``, ``rho_j`` being unit "
        "``j``'s mean activation over a batch (the scale of Keras' activity "
        "regularisers). The penalty applies to the training inputs (corrupted "
        "ones for a denoiser).",
    ),
    "sparsity_weight": (
        'float or "auto"',
        'Weight of the sparsity penalty. "auto" is 1.0 for "kl" and 0.01 for '
        '"l1" (Keras\' usual activity weight); see :ref:`choosing`.',
    ),
    "sparsity_target": (
        "float",
        'Target mean activation of each code unit with ``sparsity="kl"``, in (0, 1).',
    ),
}

_ATTRIBUTES = """\
encoder_ : torch.nn.Module
    The trained encoder: maps a float32 tensor of rows to codes.
decoder_ : torch.nn.Module
    The trained decoder: maps codes back to outputs.
loss_curve_ : list of float
    Training loss of each epoch.
validation_scores_ : list of float or None
    Minus the validation loss of each epoch (higher is better), when rows
    were held out (``early_stopping=True``, or ``"auto"`` with at least 10
    held-out rows); else None.
best_loss_ : float
    Lowest monitored loss (validation loss with early stopping, else
    training loss); the weights of that epoch are kept.
n_iter_ : int
    Number of epochs run.
history_ : skorch.history.History
    The training's skorch history: one row per epoch (``train_loss``,
    ``valid_loss``, the columns a callback adds, and per-batch rows when
    ``callbacks`` are given). Empty after ``load``.
device_ : str
    The torch device the network was trained on ("cpu" after ``load``).
input_shape_ : tuple of int
    (C, H, W) the rows are viewed as, with ``network="conv"``, or
    (window, n_channels) with ``network="recurrent"``.
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Names of features seen during fit, when ``X`` has string column names."""


def _default(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


def fill_doc(cls):
    """Fill ``{shared parameters}`` and ``{shared attributes}`` in ``cls``'s doc."""
    doc = cls.__doc__
    signature = inspect.signature(cls.__init__)
    entries = []
    for name, parameter in signature.parameters.items():
        if name not in _PARAMETERS or f"\n    {name} :" in doc:
            continue
        kind, text = _PARAMETERS[name]
        entries.append(f"{name} : {kind}, default={_default(parameter.default)}")
        entries.append(textwrap.indent(textwrap.fill(text, 72), "    "))
    parameters = textwrap.indent("\n".join(entries), "    ").lstrip()
    attributes = textwrap.indent(_ATTRIBUTES, "    ").lstrip()
    cls.__doc__ = doc.replace("{shared parameters}", parameters).replace(
        "{shared attributes}", attributes
    )
    return cls
