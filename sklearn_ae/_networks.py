"""torch.nn.Module builders for the autoencoders: no numpy, no scikit-learn."""

# License: BSD 3 clause

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "logistic": nn.Sigmoid,
    "identity": nn.Identity,
}

OUTPUT_ACTIVATIONS = {
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
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
        code_activation: str | None = None,
    ):
        super().__init__()
        n_features = mean.shape[0]
        self.register_buffer("mean", mean.clone())
        self.register_buffer("scale", scale.clone())
        self.linear = None
        if components is not None:
            self.linear = nn.Linear(n_features, n_components, bias=False)
            with torch.no_grad():
                self.linear.weight.copy_(components)
        self.mlp = make_mlp(
            [n_features, *hidden_layer_sizes, n_components],
            activation,
            dropout,
            zero_last=components is not None,
        )
        self.code_activation = (
            nn.Identity() if code_activation is None else ACTIVATIONS[code_activation]()
        )

    def forward(self, x):
        centred = x - self.mean
        z = self.mlp(centred / self.scale)
        if self.linear is not None:
            z = z + self.linear(centred)
        return self.code_activation(z)


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


class Autoencoder(nn.Module):
    """An encoder and a decoder; ``forward`` returns ``(reconstruction, code)``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


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
