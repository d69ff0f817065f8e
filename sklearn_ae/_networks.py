"""torch.nn.Module builders for the autoencoders: no numpy, no scikit-learn."""

# License: BSD 3 clause

from __future__ import annotations

import math

import torch
from torch import nn

# torch's CPU kernels for sigmoid, SiLU, ELU, SELU and GELU compute the
# elements at the end of a tensor (the tail that does not fill a SIMD
# register) along another path than the rest, so a row's output could
# change in its last bit with its position in the batch, and ``transform``
# would depend on the order of the rows (scikit-learn's
# ``check_methods_sample_order_invariance`` caught it). The modules below
# build these functions from tanh, expm1 and erf, whose kernels give the
# same bits in every position; values agree with torch's to float32
# rounding, and the gradients stay finite.


def _sigmoid(x):
    """``1 / (1 + exp(-x))``, as ``(1 + tanh(x / 2)) / 2``."""
    return 0.5 * torch.tanh(0.5 * x) + 0.5


class Sigmoid(nn.Module):
    """``1 / (1 + exp(-x))``, as ``(1 + tanh(x / 2)) / 2``."""

    def forward(self, x):
        return _sigmoid(x)


class SiLU(nn.Module):
    """``x * sigmoid(x)``."""

    def forward(self, x):
        return x * _sigmoid(x)


class ELU(nn.Module):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, scale=1.0):
        super().__init__()
        self.alpha = alpha
        self.scale = scale

    def forward(self, x):
        # expm1 of min(x, 0): the branch not taken cannot overflow, so its
        # zero gradient is not multiplied by inf.
        negative = self.alpha * torch.expm1(torch.clamp(x, max=0.0))
        return self.scale * torch.where(x > 0, x, negative)


class SELU(ELU):
    """Scaled ELU with the self-normalising constants of Klambauer et al."""

    def __init__(self):
        super().__init__(alpha=1.6732632423543772, scale=1.0507009873554805)


class GELU(nn.Module):
    """``x * Phi(x)``, Phi the standard normal distribution function."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.erf(x * (1.0 / math.sqrt(2.0))))


ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": GELU,
    "leaky_relu": nn.LeakyReLU,
    "elu": ELU,
    "selu": SELU,
    "silu": SiLU,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "identity": nn.Identity,
}

OUTPUT_ACTIVATIONS = {
    "identity": nn.Identity,
    "sigmoid": Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


def make_mlp(widths, activation="relu", dropout=0.0, zero_last=False):
    """A stack of ``Linear`` layers with ``activation`` and dropout between them.

    ``widths`` lists every layer width, input first, output last. No activation
    follows the last layer. ``zero_last`` starts the last layer at zero, so the
    stack first outputs zeros (a residual branch that starts switched off).
    """
    layers: list[nn.Module] = []
    n_layers = len(widths) - 1
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < n_layers - 1:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    if zero_last:
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
    return nn.Sequential(*layers)


class DenseEncoder(nn.Module):
    """``x -> z``: an optional linear path plus a non-linear MLP on scaled input.

    The input is centred by ``mean`` and divided by ``scale`` before the MLP, so
    the network sees unit-scale features whatever the units of the data. With
    ``components`` (a ``(n_components, n_features)`` matrix, e.g. PCA's), the
    code is ``components @ (x - mean) + mlp((x - mean) / scale)`` with the MLP's
    last layer starting at zero: training starts from the linear solution.
    A NaN in ``x`` (a missing entry) enters as its column's ``mean``; with
    ``missing_indicator`` the MLP also reads which entries are missing.
    """

    def __init__(
        self,
        mean: torch.Tensor,
        scale: torch.Tensor,
        n_components: int,
        hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        components: torch.Tensor | None = None,
        missing_indicator: bool = False,
    ):
        super().__init__()
        n_features = mean.shape[0]
        self.register_buffer("mean", mean.clone())
        self.register_buffer("scale", scale.clone())
        self.missing_indicator = missing_indicator
        self.linear = None
        if components is not None:
            self.linear = nn.Linear(n_features, n_components, bias=False)
            with torch.no_grad():
                self.linear.weight.copy_(components)
        n_inputs = 2 * n_features if missing_indicator else n_features
        self.mlp = make_mlp(
            [n_inputs, *hidden_layer_sizes, n_components],
            activation,
            dropout,
            zero_last=components is not None,
        )

    def forward(self, x):
        # A missing entry (NaN) enters as its column's mean: 0 once centred.
        # (torch.where rather than nan_to_num, which also clips infinities
        # that checked input never holds: its ONNX export is 3 Where nodes.)
        centred = x - self.mean
        centred = torch.where(torch.isnan(centred), 0.0, centred)
        inputs = centred / self.scale
        if self.missing_indicator:
            inputs = torch.cat([inputs, torch.isnan(x).to(inputs.dtype)], dim=1)
        z = self.mlp(inputs)
        if self.linear is not None:
            z = z + self.linear(centred)
        return z


class DenseDecoder(nn.Module):
    """``z -> x``: the mirror of :class:`DenseEncoder`.

    Output is ``output_activation(mean + components.T @ z + scale * mlp(z /
    code_scale))``; with ``components`` the MLP's last layer starts at zero.
    ``mean`` and ``scale`` are those of the target, so the MLP works in unit
    scale; with a sigmoid output the linear start is a squashed linear fit.
    """

    def __init__(
        self,
        mean: torch.Tensor,
        scale: torch.Tensor,
        n_components: int,
        hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        components: torch.Tensor | None = None,
        code_scale: torch.Tensor | None = None,
        output_activation="identity",
    ):
        super().__init__()
        n_outputs = mean.shape[0]
        if output_activation == "sigmoid":
            # Start linearised at the target's mean m: sigmoid(logit(m) + d / s)
            # is about m + d with s = m (1 - m), so the linear start (PCA's)
            # is kept rather than squashed.
            m = mean.clamp(0.01, 0.99)
            slope = m * (1 - m)
            mean, scale = torch.log(m / (1 - m)), scale / slope
            if components is not None:
                components = components / slope
        self.register_buffer("mean", mean.clone())
        self.register_buffer("scale", scale.clone())
        if code_scale is None:
            code_scale = torch.ones(n_components)
        self.register_buffer("code_scale", code_scale.clone())
        self.linear = None
        if components is not None:
            self.linear = nn.Linear(n_components, n_outputs, bias=False)
            with torch.no_grad():
                self.linear.weight.copy_(components.T)
        self.mlp = make_mlp(
            [n_components, *hidden_layer_sizes, n_outputs],
            activation,
            dropout,
            zero_last=components is not None,
        )
        self.output_activation = OUTPUT_ACTIVATIONS[output_activation]()

    def forward(self, z):
        x = self.mean + self.scale * self.mlp(z / self.code_scale)
        if self.linear is not None:
            x = x + self.linear(z)
        return self.output_activation(x)


def with_sigmoid_code(member, k):
    """``member`` (an :class:`Autoencoder`) with its code squashed into [0, 1]:
    each unit's batch mean is then a firing rate (the KL sparsity penalty)."""
    if type(member) is not Autoencoder:  # a user's network runs its own forward
        raise ValueError(
            "sparsity='kl' passes the code of a built-in network through a "
            "sigmoid; a network of yours keeps its own forward. End its encoder "
            "with a sigmoid and use sparsity='l1', or use a built-in network."
        )
    member.encoder = nn.Sequential(member.encoder, Sigmoid())
    return member


class Autoencoder(nn.Module):
    """An encoder and a decoder; ``forward`` returns ``(reconstruction, code)``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


class FillMissing(nn.Module):
    """Missing entries (NaN) of a batch of rows -> their column's ``mean``."""

    def __init__(self, mean: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)

    def forward(self, x):
        return torch.where(torch.isnan(x), self.mean.to(x.dtype), x)


class MissingAsMean(nn.Module):
    """A user's module (``encoder``, ``decoder``, ``forward -> (output,
    code)``) whose input's missing entries (NaN) enter as their column's
    mean: its ``encoder`` and ``forward`` fill them first.

    Its state holds the user's weights under ``module.`` and the means
    under ``fill.mean``, once each (``encoder`` and ``decoder`` are views,
    not registered again).
    """

    def __init__(self, module: nn.Module, mean: torch.Tensor):
        super().__init__()
        self.fill = FillMissing(mean)
        self.module = module

    @property
    def encoder(self):
        return nn.Sequential(self.fill, self.module.encoder)

    @property
    def decoder(self):
        return self.module.decoder

    def forward(self, x):
        return self.module(self.fill(x))


class ConvEncoder(nn.Module):
    """Flat rows viewed as ``input_shape`` images -> code.

    Blocks of ``Conv2d(3x3) + activation + MaxPool2d(2)``, one per entry of
    ``channels``, then a dense layer to ``n_components``. Pixels are scaled by
    one global ``mean`` and ``scale`` (per-pixel scaling would blow up the
    constant borders of typical images).
    """

    def __init__(
        self,
        input_shape,
        n_components,
        channels=(32, 64),
        activation="relu",
        dropout=0.0,
        mean=0.0,
        scale=1.0,
    ):
        super().__init__()
        c, h, w = input_shape
        self.input_shape = tuple(input_shape)
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("scale", torch.tensor(float(scale)))
        layers: list[nn.Module] = []
        for n_out in channels:
            layers += [
                nn.Conv2d(c, n_out, 3, padding=1),
                ACTIVATIONS[activation](),
                nn.MaxPool2d(2),
            ]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            c, h, w = n_out, h // 2, w // 2
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(c * h * w, n_components)

    def forward(self, x):
        x = ((x - self.mean) / self.scale).view(-1, *self.input_shape)
        return self.head(self.blocks(x).flatten(1))


class ConvDecoder(nn.Module):
    """Code -> flat rows of ``output_shape`` images, mirroring :class:`ConvEncoder`.

    A dense layer to the smallest feature map, then one x2 upsampling block
    per entry of ``channels``: ``"transpose"`` (learnable ``ConvTranspose2d``)
    or ``"nearest"`` / ``"bilinear"`` (``Upsample`` + ``Conv2d(3x3)``), and a
    final ``Conv2d(3x3)`` to the output channels.
    """

    def __init__(
        self,
        output_shape,
        n_components,
        channels=(32, 64),
        activation="relu",
        dropout=0.0,
        upsampling="transpose",
        output_activation="identity",
        mean=0.0,
        scale=1.0,
    ):
        super().__init__()
        c_out, h, w = output_shape
        depth = len(channels)
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("scale", torch.tensor(float(scale)))
        reversed_channels = list(channels[::-1])
        self.start_shape = (reversed_channels[0], h >> depth, w >> depth)
        self.head = nn.Linear(n_components, math.prod(self.start_shape))
        layers: list[nn.Module] = [ACTIVATIONS[activation]()]
        for i, n_in in enumerate(reversed_channels):
            n_next = reversed_channels[min(i + 1, depth - 1)]
            if upsampling == "transpose":
                layers.append(nn.ConvTranspose2d(n_in, n_next, 2, stride=2))
            else:
                layers += [
                    nn.Upsample(scale_factor=2, mode=upsampling),
                    nn.Conv2d(n_in, n_next, 3, padding=1),
                ]
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Conv2d(reversed_channels[-1], c_out, 3, padding=1))
        self.blocks = nn.Sequential(*layers)
        self.output_activation = OUTPUT_ACTIVATIONS[output_activation]()

    def forward(self, z):
        x = self.blocks(self.head(z).view(-1, *self.start_shape)).flatten(1)
        return self.output_activation(self.mean + self.scale * x)


RNN_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def _rnn_stack(n_in, widths, cell):
    layers = nn.ModuleList()
    for width in widths:
        layers.append(RNN_CELLS[cell](n_in, width, batch_first=True))
        n_in = width
    return layers


def _run_stack(layers, seq, dropout, first_state=None):
    for i, rnn in enumerate(layers):
        if i:
            seq = dropout(seq)
        seq, _ = rnn(seq, first_state if i == 0 else None)
    return seq


class RecurrentEncoder(nn.Module):
    """Flat rows viewed as ``(window, n_channels)`` sequences -> code.

    Each channel is centred by ``mean`` and divided by ``scale`` (one pair per
    channel, shared by all time steps), then runs through a stack of LSTM or
    GRU layers of widths ``hidden_layer_sizes``; a linear layer maps the last
    layer's final hidden state to the code.
    """

    def __init__(
        self,
        input_shape,
        n_components,
        hidden_layer_sizes=(64,),
        cell="lstm",
        dropout=0.0,
        mean: torch.Tensor | None = None,
        scale: torch.Tensor | None = None,
    ):
        super().__init__()
        window, n_channels = input_shape
        self.input_shape = (int(window), int(n_channels))
        self.register_buffer(
            "mean", torch.zeros(n_channels) if mean is None else mean.clone()
        )
        self.register_buffer(
            "scale", torch.ones(n_channels) if scale is None else scale.clone()
        )
        self.rnns = _rnn_stack(n_channels, hidden_layer_sizes, cell)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden_layer_sizes[-1], n_components)

    def forward(self, x):
        seq = (x.reshape(-1, *self.input_shape) - self.mean) / self.scale
        seq = _run_stack(self.rnns, seq, self.dropout)
        return self.head(self.dropout(seq[:, -1]))


class RecurrentDecoder(nn.Module):
    """Code -> flat rows of ``(window, n_channels)`` sequences.

    The code is fed as the input of every time step (Keras' ``RepeatVector``)
    to a stack of LSTM or GRU layers, and also sets the first layer's initial
    state (through a linear layer and a tanh); a linear layer maps each step's
    hidden state to the channels, which are scaled back by ``scale`` and
    ``mean``.
    """

    def __init__(
        self,
        output_shape,
        n_components,
        hidden_layer_sizes=(64,),
        cell="lstm",
        dropout=0.0,
        output_activation="identity",
        mean: torch.Tensor | None = None,
        scale: torch.Tensor | None = None,
    ):
        super().__init__()
        window, n_channels = output_shape
        self.window = int(window)
        self.register_buffer(
            "mean", torch.zeros(n_channels) if mean is None else mean.clone()
        )
        self.register_buffer(
            "scale", torch.ones(n_channels) if scale is None else scale.clone()
        )
        self.rnns = _rnn_stack(n_components, hidden_layer_sizes, cell)
        self.is_lstm = cell == "lstm"
        n_states = 2 if self.is_lstm else 1
        self.initial_state = nn.Linear(n_components, n_states * hidden_layer_sizes[0])
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden_layer_sizes[-1], n_channels)
        self.output_activation = OUTPUT_ACTIVATIONS[output_activation]()

    def forward(self, z):
        seq = z.unsqueeze(1).expand(-1, self.window, -1)
        state = torch.tanh(self.initial_state(z)).unsqueeze(0).contiguous()
        if self.is_lstm:
            state = tuple(s.contiguous() for s in state.chunk(2, dim=-1))
        seq = _run_stack(self.rnns, seq, self.dropout, state)
        x = self.mean + self.scale * self.head(self.dropout(seq))
        return self.output_activation(x).flatten(1)


# Log-variances of the posterior are clipped to this range: exp() of them
# stays finite in float32 however far a row is from the training data.
_LOG_VAR_RANGE = (-30.0, 20.0)


class GaussianEncoder(nn.Module):
    """Wraps an encoder with ``2 * n_components`` outputs as a Gaussian posterior.

    The first ``n_components`` outputs are the posterior mean, the others its
    log-variance. ``forward`` returns the mean, so the module maps rows to
    codes like any other encoder; :meth:`posterior` returns both.
    """

    def __init__(self, body: nn.Module, n_components: int):
        super().__init__()
        self.body = body
        self.n_components = int(n_components)

    def posterior(self, x):
        out = self.body(x)
        k = self.n_components
        return out[:, :k], out[:, k:].clamp(*_LOG_VAR_RANGE)

    def forward(self, x):
        return self.posterior(x)[0]


class VariationalAutoencoderModule(nn.Module):
    """A :class:`GaussianEncoder` and a decoder, with the reparameterisation trick.

    ``forward`` returns ``(reconstruction, (mean, log_var))``: in training mode
    the decoder sees ``mean + exp(log_var / 2) * noise``, in eval mode the
    posterior mean, so inference is deterministic.
    """

    def __init__(self, encoder: GaussianEncoder, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x):
        mean, log_var = self.encoder.posterior(x)
        z = mean
        if self.training:
            z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return self.decoder(z), (mean, log_var)


class EnsembleEncoder(nn.Module):
    """Several encoders side by side: their codes, concatenated."""

    def __init__(self, encoders):
        super().__init__()
        self.members = nn.ModuleList(encoders)

    def forward(self, x):
        return torch.cat([member(x) for member in self.members], dim=1)


class EnsembleDecoder(nn.Module):
    """Several decoders side by side, each reading its own slice of the code.

    ``code_sizes`` lists each member's code width, in order. The output stacks
    the members' reconstructions on dimension 1: shape ``(n, n_members, ...)``.
    Trained through :class:`Autoencoder`, each member fits the target on its
    own (their parameters are disjoint, so the summed loss trains them
    independently), at the cost of one wider network per step.
    """

    def __init__(self, decoders, code_sizes):
        super().__init__()
        self.members = nn.ModuleList(decoders)
        self.code_sizes = [int(size) for size in code_sizes]

    def forward(self, z):
        parts = torch.split(z, self.code_sizes, dim=1)
        return torch.stack(
            [member(part) for member, part in zip(self.members, parts, strict=True)],
            dim=1,
        )


class ClassifierAutoencoder(nn.Module):
    """An autoencoder with a linear classification head on its code.

    ``forward`` returns ``(outputs, code)``: ``outputs`` holds the flat
    reconstruction followed by ``n_classes`` logits, one row per input, so
    the engine's loss compares it with a target of the input's columns
    followed by the class weights.
    """

    def __init__(self, autoencoder: nn.Module, n_components: int, n_classes: int):
        super().__init__()
        self.encoder = autoencoder.encoder
        self.decoder = autoencoder.decoder
        self.head = nn.Linear(n_components, n_classes)

    def logits(self, x):
        return self.head(self.encoder(x))

    def forward(self, x):
        z = self.encoder(x)
        return torch.cat([self.decoder(z).flatten(1), self.head(z)], dim=1), z
