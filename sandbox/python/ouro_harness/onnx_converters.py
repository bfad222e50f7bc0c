"""ONNX converters skl2onnx lacks for estimators ouro's runs produce, registered by export_onnx.

- DummyClassifier / DummyRegressor (the "prior" baseline, also a possible blend member): the
  constant they predict, broadcast to the batch's rows.
- OneHotEncoder with infrequent categories (min_frequency / max_categories, as the linear
  family's recipe writes it): skl2onnx 1.20 refuses them on a single input, and where it does
  convert them it encodes an unseen category as zeros where scikit-learn's
  handle_unknown='infrequent_if_exist' puts it in the infrequent column. Every category maps
  to its output column through a LabelEncoder node (unknown -> the infrequent column, or -1
  for none), and the columns are one Equal against 0..width-1.

Each converter reproduces scikit-learn's predictions exactly; the deploy step still compares
the ONNX path with the Python model on the holdout and probe rows before serving it.
"""

import numpy as np

DUMMY_CLASSIFIER_STRATEGIES = ('prior', 'most_frequent', 'constant')


def _rows(scope, container, operator):
    """A [N] int64 tensor holding the batch's row count, from the first input (any type)."""
    name = scope.get_unique_variable_name('rows')
    container.add_node('Shape', [operator.inputs[0].full_name], [name], start=0, end=1,
                       name=scope.get_unique_operator_name('Shape'))
    return name


def _broadcast_rows(scope, container, operator, values: np.ndarray, output: str) -> None:
    """output = `values` ([1, k] float) repeated on every row: ones([N, 1]) * values."""
    from onnx import TensorProto
    from onnx.helper import make_tensor

    rows = _rows(scope, container, operator)
    one = scope.get_unique_variable_name('one')
    container.add_initializer(one, TensorProto.INT64, [1], [1])
    shape = scope.get_unique_variable_name('shape')
    container.add_node('Concat', [rows, one], [shape], axis=0, name=scope.get_unique_operator_name('Concat'))
    ones = scope.get_unique_variable_name('ones')
    container.add_node('ConstantOfShape', [shape], [ones], value=make_tensor('value', TensorProto.FLOAT, [1], [1.0]),
                       name=scope.get_unique_operator_name('ConstantOfShape'))
    constant = scope.get_unique_variable_name('constant')
    container.add_initializer(constant, TensorProto.FLOAT, list(values.shape), values.astype(np.float32).ravel().tolist())
    container.add_node('Mul', [ones, constant], [output], name=scope.get_unique_operator_name('Mul'))


def _dummy_classifier_proba(op) -> np.ndarray:
    """predict_proba's constant row, for the strategies whose answer does not depend on chance."""
    if getattr(op, 'n_outputs_', 1) != 1:
        raise NotImplementedError('a DummyClassifier with several outputs')
    if op.strategy not in DUMMY_CLASSIFIER_STRATEGIES:
        raise NotImplementedError(f'DummyClassifier(strategy={op.strategy!r}) predicts at random')
    prior = np.asarray(op.class_prior_, dtype=float)
    if op.strategy == 'prior':
        return prior.reshape(1, -1)
    index = int(np.argmax(prior)) if op.strategy == 'most_frequent' else int(np.flatnonzero(op.classes_ == op.constant)[0])
    one_hot = np.zeros((1, len(prior)))
    one_hot[0, index] = 1.0
    return one_hot


def _dummy_classifier_shape(operator) -> None:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    op = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    strings = np.asarray(op.classes_).dtype.kind in 'OUS'
    operator.outputs[0].type = StringTensorType([n]) if strings else Int64TensorType([n])
    operator.outputs[1].type = FloatTensorType([n, len(op.classes_)])


def _dummy_classifier_convert(scope, operator, container) -> None:
    from onnx import TensorProto
    from onnx.helper import make_tensor

    op = operator.raw_operator
    proba = _dummy_classifier_proba(op)
    _broadcast_rows(scope, container, operator, proba, operator.outputs[1].full_name)
    # predict() is classes_[argmax(predict_proba)] for these strategies: one label for every row.
    label = np.asarray(op.classes_)[int(np.argmax(proba[0]))]
    rows = _rows(scope, container, operator)
    index = scope.get_unique_variable_name('label_index')
    container.add_node('ConstantOfShape', [rows], [index], value=make_tensor('value', TensorProto.INT64, [1], [0]),
                       name=scope.get_unique_operator_name('ConstantOfShape'))
    labels = scope.get_unique_variable_name('label_values')
    if np.asarray(op.classes_).dtype.kind in 'OUS':
        container.add_initializer(labels, TensorProto.STRING, [1], [str(label).encode('utf-8')])
    else:
        container.add_initializer(labels, TensorProto.INT64, [1], [int(label)])
    container.add_node('Gather', [labels, index], [operator.outputs[0].full_name], axis=0,
                       name=scope.get_unique_operator_name('Gather'))


def _dummy_regressor_shape(operator) -> None:
    from skl2onnx.common.data_types import FloatTensorType

    operator.outputs[0].type = FloatTensorType([operator.inputs[0].get_first_dimension(), 1])


def _dummy_regressor_convert(scope, operator, container) -> None:
    op = operator.raw_operator
    constant = np.asarray(op.constant_, dtype=float).reshape(1, -1)
    if constant.shape[1] != 1:
        raise NotImplementedError('a DummyRegressor with several outputs')
    _broadcast_rows(scope, container, operator, constant, operator.outputs[0].full_name)


def _one_hot_plan(op):
    """For each input column: (categories as str, output column of each, column for an unseen
    category or -1, width of its block). None when the encoder is outside what this converter
    handles (drop, non-string categories)."""
    if getattr(op, 'drop_idx_', None) is not None:
        return None
    plan = []
    for index, categories in enumerate(op.categories_):
        if not all(isinstance(c, str) for c in categories):
            return None
        outputs = list(op._compute_transformed_categories(index))
        infrequent = getattr(op, 'infrequent_categories_', [None] * len(op.categories_))[index]
        has_infrequent = infrequent is not None and len(infrequent) > 0
        other = len(outputs) - 1 if has_infrequent else -1
        rare = set(infrequent) if has_infrequent else set()
        position = {c: i for i, c in enumerate(outputs) if not (has_infrequent and i == other)}
        columns = [other if c in rare else position[c] for c in categories]
        unknown = other if op.handle_unknown == 'infrequent_if_exist' else -1
        plan.append(([str(c) for c in categories], columns, unknown, len(outputs)))
    return plan


def _one_hot_shape(operator) -> None:
    from skl2onnx.common.data_types import FloatTensorType
    from skl2onnx.shape_calculators.one_hot_encoder import calculate_sklearn_one_hot_encoder_output_shapes

    plan = _one_hot_plan(operator.raw_operator)
    if plan is None:
        calculate_sklearn_one_hot_encoder_output_shapes(operator)
        return
    operator.outputs[0].type = FloatTensorType([operator.inputs[0].get_first_dimension(), sum(p[3] for p in plan)])


def _one_hot_convert(scope, operator, container) -> None:
    from onnx import TensorProto
    from skl2onnx.common.data_types import StringTensorType
    from skl2onnx.operator_converters.one_hot_encoder import convert_sklearn_one_hot_encoder

    op = operator.raw_operator
    plan = _one_hot_plan(op)
    if plan is None or not all(isinstance(i.type, StringTensorType) for i in operator.inputs):
        convert_sklearn_one_hot_encoder(scope, operator, container)
        return
    # Which (input, column) holds each of the encoder's features.
    sources = [(i.full_name, j, i.type.shape[1]) for i in operator.inputs for j in range(i.type.shape[1] or 1)]
    if len(sources) != len(plan):
        raise RuntimeError(f'the OneHotEncoder has {len(plan)} features but {len(sources)} input columns')
    blocks = []
    for (name, column, width_in), (categories, columns, unknown, width) in zip(sources, plan):
        if width == 0:
            continue
        if width_in != 1:
            picked = scope.get_unique_variable_name('column')
            at = scope.get_unique_variable_name('column_index')
            container.add_initializer(at, TensorProto.INT64, [1], [column])
            container.add_node('Gather', [name, at], [picked], axis=1, name=scope.get_unique_operator_name('Gather'))
            name = picked
        index = scope.get_unique_variable_name('category_index')
        container.add_node('LabelEncoder', [name], [index], op_domain='ai.onnx.ml', op_version=2,
                           keys_strings=categories, values_int64s=columns, default_int64=unknown,
                           name=scope.get_unique_operator_name('LabelEncoder'))
        targets = scope.get_unique_variable_name('block_columns')
        container.add_initializer(targets, TensorProto.INT64, [1, width], list(range(width)))
        hit = scope.get_unique_variable_name('hit')
        container.add_node('Equal', [index, targets], [hit], name=scope.get_unique_operator_name('Equal'))
        block = scope.get_unique_variable_name('block')
        container.add_node('Cast', [hit], [block], to=TensorProto.FLOAT, name=scope.get_unique_operator_name('Cast'))
        blocks.append(block)
    if not blocks:
        raise RuntimeError('the OneHotEncoder produces no columns')
    container.add_node('Concat', blocks, [operator.outputs[0].full_name], axis=1,
                       name=scope.get_unique_operator_name('Concat'))


def register() -> None:
    from skl2onnx import update_registered_converter
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.preprocessing import OneHotEncoder

    update_registered_converter(DummyClassifier, 'OuroDummyClassifier', _dummy_classifier_shape,
                                _dummy_classifier_convert, options={'zipmap': [True, False, 'columns'], 'nocl': [True, False]})
    update_registered_converter(DummyRegressor, 'OuroDummyRegressor', _dummy_regressor_shape, _dummy_regressor_convert)
    update_registered_converter(OneHotEncoder, 'SklearnOneHotEncoder', _one_hot_shape, _one_hot_convert)
    register_xgboost()


def _label_encoded_shape(operator) -> None:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    op = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    strings = np.asarray(op.classes_).dtype.kind in 'OUS'
    operator.outputs[0].type = StringTensorType([n]) if strings else Int64TensorType([n])
    operator.outputs[1].type = FloatTensorType([n, len(op.classes_)])


def _label_encoded_convert(scope, operator, container) -> None:
    """ouro's LabelEncoded(XGBClassifier): the inner classifier on integer labels 0..k-1, then
    classes_[label], as LabelEncoded.predict decodes them."""
    from onnx import TensorProto
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    op = operator.raw_operator
    inner = scope.declare_local_operator(sklearn_operator_name_map[type(op.estimator_)], op.estimator_)
    inner.inputs = operator.inputs
    label = scope.declare_local_variable('inner_label', Int64TensorType())
    proba = scope.declare_local_variable('inner_proba', FloatTensorType())
    inner.outputs.extend([label, proba])
    container.add_node('Identity', [proba.onnx_name], [operator.outputs[1].full_name],
                       name=scope.get_unique_operator_name('Identity'))
    classes = np.asarray(op.classes_)
    table = scope.get_unique_variable_name('classes')
    if classes.dtype.kind in 'OUS':
        container.add_initializer(table, TensorProto.STRING, [len(classes)], [str(c).encode('utf-8') for c in classes])
    else:
        container.add_initializer(table, TensorProto.INT64, [len(classes)], [int(c) for c in classes])
    container.add_node('Gather', [table, label.onnx_name], [operator.outputs[0].full_name], axis=0,
                       name=scope.get_unique_operator_name('Gather'))


def register_xgboost() -> None:
    """XGBoost through onnxmltools, and ouro's LabelEncoded wrapper around its classifier."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    from .label_encoded import LabelEncoded

    try:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor
    except ImportError:
        return
    update_registered_converter(XGBClassifier, 'XGBoostXGBClassifier', calculate_linear_classifier_output_shapes,
                                convert_xgboost, options={'nocl': [True, False], 'zipmap': [True, False, 'columns']})
    update_registered_converter(XGBRegressor, 'XGBoostXGBRegressor', calculate_linear_regressor_output_shapes, convert_xgboost)
    update_registered_converter(LabelEncoded, 'OuroLabelEncoded', _label_encoded_shape, _label_encoded_convert,
                                options={'zipmap': [True, False, 'columns'], 'nocl': [True, False]})
