"""ONNX export: skl2onnx converters for every estimator, and :func:`to_onnx`.

Each estimator states its inference as a float32 torch computation
(``_onnx_outputs``: the trained module and the fitted arrays it reads, by
name, in ``_onnx_constants``). ``torch.onnx`` turns it into a graph, whose
nodes and weights are added to skl2onnx's graph by the converter registered
for the estimator's class, so that a ``Pipeline`` or ``ColumnTransformer``
holding the estimator beside scikit-learn's converts in one piece. The
exported model runs in onnxruntime without torch or this package.

The network's graph comes from ``torch.onnx`` rather than being written from
the weights: one path serves every network kind (dense, convolutional,
recurrent, a user's own) and reproduces the very code the estimator runs.
Measured (``python benchmarks/bench_serving.py``): onnxruntime ran the
exported dense encoder of 100,000 x 30 rows in 1.3 to 1.5x the time of a
bare graph of the same matrix products written from the weights, which
lacks the missing-value handling (see docs/deploying.rst); one row takes
0.01 ms either way.
"""

# License: BSD 3 clause

from __future__ import annotations

import contextlib
import copy
import logging
import re
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

# skl2onnx's newest main opset; its converters refuse ai.onnx.ml above 3.
_OPSET = 21
_ML_OPSET = 3
# torch.onnx writes opset 18 and above.
_MIN_OPSET = 18

_INSTALL = 'pip install "sklearn_ae[onnx]"'


class ExportError(ValueError):
    """An estimator or its network has no ONNX form: the message says what."""


def _skl2onnx():
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401  (torch.onnx's exporter needs it)
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            f"ONNX export needs skl2onnx, onnx and onnxscript ({exc}). Install "
            f"them with: {_INSTALL}"
        ) from exc
    return skl2onnx


class _Graph(torch.nn.Module):
    """An estimator's inference as one module: float32 flat rows -> outputs.

    Holds a float32 copy of the trained module and the fitted arrays that
    ``estimator._onnx_outputs`` reads, in their own dtypes (as buffers: they
    become the graph's weights).
    """

    def __init__(self, estimator):
        super().__init__()
        self.module = copy.deepcopy(estimator._module).cpu().float().eval()
        self.names = []
        for name, value in estimator._onnx_constants().items():
            value = np.asarray(value)
            if value.dtype.kind in "iu":
                value = value.astype(np.int64)
            self.register_buffer(name, torch.as_tensor(value))
            self.names.append(name)
        self.estimator = estimator

    def forward(self, x):
        constants = {name: getattr(self, name) for name in self.names}
        return tuple(self.estimator._onnx_outputs(self.module, x, constants))


@contextlib.contextmanager
def _quiet_exporter():
    """Silence torch.onnx's and onnxscript's progress messages and warnings."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def network_graph(estimator, opset=_OPSET):
    """The estimator's inference as an ONNX model (float32 rows -> outputs).

    Raises :class:`ExportError` naming what has no ONNX form.
    """
    import onnx

    check_is_fitted(estimator)
    name = type(estimator).__name__
    estimator._check_exportable()
    graph = _Graph(estimator)
    # Two rows: torch.export would fix a batch dimension of 1.
    x = torch.zeros(2, estimator.n_features_in_)
    network = estimator.network
    if not isinstance(network, str):
        network = getattr(network, "__qualname__", type(network).__name__)
    try:
        with _quiet_exporter():
            program = torch.onnx.export(
                graph,
                (x,),
                dynamo=True,
                opset_version=opset,
                input_names=["X"],
                dynamic_shapes=({0: torch.export.Dim("batch")},),
                verbose=False,
            )
    except Exception as exc:  # torch's exporter raises many kinds
        raise ExportError(
            f"The network of this {name} ({network}) cannot be exported to "
            f"ONNX: {_reason(exc)} A network of your own must use operations "
            "that have an ONNX form (no numpy, no Python control flow on "
            "tensor values in forward)."
        ) from exc
    model = program.model_proto
    if model.functions:
        model = onnx.inliner.inline_local_functions(model)
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.type in (
                onnx.AttributeProto.GRAPH,
                onnx.AttributeProto.GRAPHS,
            ):
                raise ExportError(
                    f"The network of this {name} ({network}) exports to an "
                    f"ONNX graph with control flow ({node.op_type}), which "
                    "sklearn_ae cannot merge into a pipeline's graph yet."
                )
    return model


def _reason(exc):
    """What torch.onnx could not export, from its error (the operation
    without an ONNX form where it names one)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    found = re.search(r"No ONNX function found for <OpOverload\(op='([^']+)'", text)
    if found:
        return f"the operation {found.group(1)} has no ONNX form."
    summary = text.split("## Exception summary", 1)[-1].strip().splitlines()
    line = summary[0] if summary else type(exc).__name__
    return re.sub(r"^<class '[^']+'>: ", "", line).rstrip(".") + "."


# ---------------------------------------------------------------- skl2onnx
def _node(op, inputs, hint, scope, container, **attributes):
    """Add a node ``op`` with one output, under a fresh name from ``hint``;
    return that name."""
    output = scope.get_unique_variable_name(hint)
    container.add_node(
        op, inputs, [output], name=scope.get_unique_operator_name(op), **attributes
    )
    return output


def _is_double(variable):
    return type(variable.type).__name__ == "DoubleTensorType"


def _float_input(operator, container, scope):
    """The operator's input as float32 flat rows: its name."""
    from skl2onnx.proto import onnx_proto

    estimator = operator.raw_operator
    variable = operator.inputs[0]
    name = variable.full_name
    shape = list(variable.type.shape)
    if len(shape) != 2:
        # Images as the estimator takes them: (n, H, W) or (n, H, W, C).
        if not all(isinstance(n, int) for n in shape[1:]):
            raise ExportError(
                f"{type(estimator).__name__}'s ONNX input of shape {shape} needs "
                "fixed sizes beyond the batch."
            )
        sample = np.zeros([1, *shape[1:]])
        _, images = estimator._architecture().flatten(sample, reset=False)
        if images is None:
            raise ExportError(
                f"{type(estimator).__name__} with network="
                f"{estimator.network!r} takes rows of shape (n, "
                f"{estimator.n_features_in_}), as given to fit; its ONNX input "
                f"has shape {shape}."
            )
    n_features = int(np.prod(shape[1:])) if len(shape) > 1 else None
    if n_features is not None and n_features != estimator.n_features_in_:
        raise ExportError(
            f"{type(estimator).__name__} was fitted on "
            f"{estimator.n_features_in_} features, but its ONNX input has "
            f"shape {shape} ({n_features} features). Pass rows like those "
            "given to fit."
        )
    if _is_double(variable):
        name = _node(
            "Cast",
            [name],
            name + "_float",
            scope,
            container,
            to=onnx_proto.TensorProto.FLOAT,
        )
    elif type(variable.type).__name__ != "FloatTensorType":
        raise ExportError(
            f"{type(estimator).__name__}'s ONNX input must be float32 or "
            f"float64 rows, not {variable.type}."
        )
    if len(shape) == 4:  # (n, H, W, C) -> (n, C, H, W), as fit did
        name = _node(
            "Transpose", [name], name + "_chw", scope, container, perm=[0, 3, 1, 2]
        )
    if len(shape) != 2:
        name = _node("Flatten", [name], name + "_flat", scope, container, axis=1)
    return name


def _add_graph(model, input_name, scope, container):
    """Add ``model``'s nodes and weights to skl2onnx's graph, reading
    ``input_name``; return the names of its outputs there."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    opsets = {entry.domain: entry.version for entry in model.opset_import}
    inferred = onnx.shape_inference.infer_shapes(model).graph
    types = {
        value.name: value.type.tensor_type.elem_type
        for value in (*inferred.input, *inferred.value_info, *inferred.output)
    }
    types.update({tensor.name: tensor.data_type for tensor in graph.initializer})
    renamed = {graph.input[0].name: input_name, "": ""}

    def rename(old):
        if old not in renamed:
            renamed[old] = scope.get_unique_variable_name("ae_" + old)
        return renamed[old]

    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        container.add_initializer(
            rename(tensor.name),
            tensor.data_type,
            list(array.shape),
            numpy_helper.from_array(array),
        )
    for node in graph.node:
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        inputs = [rename(n) for n in node.input]
        while inputs and inputs[-1] == "":  # optional inputs left out
            inputs.pop()
        if "" in inputs:
            # skl2onnx cannot order a node with an omitted optional input
            # in the middle: pass the value ONNX assumes for it.
            inputs = _explicit_optional_inputs(node, inputs, types, scope, container)
        container.add_node(
            node.op_type,
            inputs,
            [rename(n) for n in node.output],
            op_domain=node.domain,
            op_version=opsets.get(node.domain, opsets.get("")),
            name=scope.get_unique_operator_name("ae_" + node.op_type),
            **attributes,
        )
    return [rename(output.name) for output in graph.output]


def _explicit_optional_inputs(node, inputs, types, scope, container):
    """The values ONNX assumes for omitted inputs: a ``Clip``'s bound (the
    most extreme value of its type), a recurrent layer's ``sequence_lens``
    (every sequence's full length, from the input's shape)."""
    from onnx import helper
    from skl2onnx.proto import onnx_proto

    if node.op_type == "Clip" and inputs.index("") == 1:
        dtype = helper.tensor_dtype_to_np_dtype(types[node.input[0]])
        bound = scope.get_unique_variable_name("lowest")
        container.add_initializer(
            bound, types[node.input[0]], [], np.finfo(dtype).min.item()
        )
        return [inputs[0], bound, *inputs[2:]]
    if node.op_type not in ("LSTM", "GRU", "RNN") or inputs.index("") != 4:
        raise ExportError(
            f"The network's ONNX graph has a {node.op_type} node with an "
            "omitted optional input, which sklearn_ae cannot merge into "
            "skl2onnx's graph."
        )
    layout = next((a.i for a in node.attribute if a.name == "layout"), 0)
    steps_axis, batch_axis = (1, 0) if layout else (0, 1)
    steps, batch = (
        _node("Shape", [inputs[0]], part, scope, container, start=axis, end=axis + 1)
        for part, axis in (("steps", steps_axis), ("batch", batch_axis))
    )
    lengths = _node("Expand", [steps, batch], "lengths", scope, container)
    sequence_lens = _node(
        "Cast",
        [lengths],
        "sequence_lens",
        scope,
        container,
        to=onnx_proto.TensorProto.INT32,
    )
    return [sequence_lens if name == "" else name for name in inputs]


def _convert(scope, operator, container):
    """skl2onnx converter of every sklearn_ae estimator."""
    from skl2onnx.proto import onnx_proto

    estimator = operator.raw_operator
    opset = container.target_opset
    if opset is not None and opset < _MIN_OPSET:
        raise ExportError(
            f"{type(estimator).__name__} exports through torch.onnx, which "
            f"writes opset {_MIN_OPSET} or above; target_opset is {opset}."
        )
    model = network_graph(estimator, opset or _OPSET)
    outputs = _add_graph(
        model, _float_input(operator, container, scope), scope, container
    )
    if len(operator.outputs) == 2 and hasattr(estimator, "classes_"):
        nocl = container.get_options(estimator, {"nocl": False})["nocl"]
        label = _class_labels(estimator, outputs[0], nocl, scope, container)
        outputs = [label, *outputs]
    for produced, variable in zip(outputs, operator.outputs, strict=True):
        op, attributes = "Identity", {}
        if _is_double(variable):
            op, attributes = "Cast", {"to": onnx_proto.TensorProto.DOUBLE}
        container.add_node(
            op,
            [produced],
            [variable.full_name],
            name=scope.get_unique_operator_name(op),
            **attributes,
        )


def _class_labels(estimator, probabilities, nocl, scope, container):
    """The most probable class of each row, as the estimator's labels (its
    index among ``classes_`` with skl2onnx's option ``nocl``)."""
    from onnx import numpy_helper
    from skl2onnx.proto import onnx_proto

    index = _node(
        "ArgMax", [probabilities], "argmax", scope, container, axis=1, keepdims=0
    )
    if nocl:
        return index
    classes = estimator.classes_
    if classes.dtype.kind in "biu":
        classes = classes.astype(np.int64)
    elif classes.dtype.kind == "f" and np.array_equal(classes, np.round(classes)):
        classes = classes.astype(np.int64)
    elif classes.dtype.kind in "OUS":
        classes = [str(c) for c in classes]
    else:
        raise ExportError(
            f"AutoencoderClassifier's classes {classes!r} have no ONNX label "
            "type: use integer or string labels."
        )
    table = scope.get_unique_variable_name("classes")
    if isinstance(classes, list):  # strings: a tensor of strings has no raw data
        container.add_initializer(
            table, onnx_proto.TensorProto.STRING, [len(classes)], classes
        )
    else:
        container.add_initializer(
            table, None, None, numpy_helper.from_array(classes, table)
        )
    return _node("Gather", [table, index], "label", scope, container, axis=0)


def _output_types(operator):
    """skl2onnx shape calculator: outputs' element types and shapes."""
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    estimator = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    real = DoubleTensorType if _is_double(operator.inputs[0]) else FloatTensorType
    shapes = estimator._onnx_output_shapes()
    for variable, (kind, width) in zip(operator.outputs, shapes, strict=True):
        shape = [n] if width is None else [n, width]
        if kind == "label":
            nocl = operator.scope_inst.get_options(estimator, {"nocl": False})
            numeric = nocl["nocl"] or estimator.classes_.dtype.kind in "biuf"
            variable.type = (Int64TensorType if numeric else StringTensorType)(shape)
        elif kind == "int":
            variable.type = Int64TensorType(shape)
        else:
            variable.type = real(shape)


def register_converters():
    """Register the skl2onnx converter of every sklearn_ae estimator
    (:func:`to_onnx` does it; call this before ``skl2onnx.to_onnx``)."""
    skl2onnx = _skl2onnx()
    from sklearn_ae._persistence import _CLASSES

    for cls in _CLASSES.values():
        options = None
        if hasattr(cls, "predict_proba"):
            options = {
                "zipmap": [True, False, "columns"],
                "nocl": [False, True],
                "output_class_labels": [False, True],
            }
        skl2onnx.update_registered_converter(
            cls,
            f"SklearnAE{cls.__name__}",
            _output_types,
            _convert,
            options=options,
        )


def to_onnx(model, X, *, target_opset=None, options=None):
    """Export a fitted estimator, or a pipeline that holds one, to ONNX.

    Registers the converters of sklearn_ae's estimators with skl2onnx and
    converts ``model`` with ``skl2onnx.to_onnx``. The model takes float32
    rows (of any batch size) and runs in onnxruntime without torch. The
    network computes in float32 whatever the dtype of the data it was
    fitted on (see :ref:`deploying`).

    Parameters
    ----------
    model : fitted estimator, Pipeline or ColumnTransformer
        sklearn_ae estimators beside scikit-learn ones that skl2onnx
        converts.
    X : array-like or DataFrame
        A few rows like those the model takes (their type and width set the
        input's); float64 arrays are exported as float32.
    target_opset : int or dict, default=None
        ONNX opsets, as in ``skl2onnx.to_onnx``; by default main opset 21
        and ``ai.onnx.ml`` 3. Opset 18 or above.
    options : dict, default=None
        Converter options, as in ``skl2onnx.to_onnx`` (e.g. ``{id(clf):
        {"zipmap": False}}`` to get a classifier's probabilities as one
        matrix).

    Returns
    -------
    onnx_model : onnx.ModelProto
        Outputs are named as skl2onnx names those of the scikit-learn model
        each estimator stands beside: ``variable`` (``transform``,
        ``predict``), ``label`` and ``scores`` (outlier detector),
        ``label`` and ``probabilities`` (classifier).

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn_ae import AutoencoderTransformer, to_onnx
    >>> X = np.random.RandomState(0).normal(size=(200, 5))
    >>> ae = AutoencoderTransformer(n_components=2, max_iter=20, random_state=0)
    >>> onnx_model = to_onnx(ae.fit(X), X[:1])
    >>> session = ort.InferenceSession(onnx_model.SerializeToString())
    >>> (codes,) = session.run(None, {"X": X[:3].astype(np.float32)})
    >>> bool(np.allclose(codes, ae.transform(X[:3]), atol=1e-5))
    True
    """
    skl2onnx = _skl2onnx()
    register_converters()
    if target_opset is None:
        target_opset = {"": _OPSET, "ai.onnx.ml": _ML_OPSET}
    if hasattr(X, "dtypes") and hasattr(X, "astype"):  # a DataFrame
        X = X.astype({c: np.float32 for c, t in X.dtypes.items() if t == np.float64})
    else:
        X = np.asarray(X)
        if X.dtype == np.float64:
            X = X.astype(np.float32)
    return skl2onnx.to_onnx(model, X, target_opset=target_opset, options=options)
