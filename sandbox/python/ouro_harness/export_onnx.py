"""Deploy-time export of a saved model for the server's fast path.

    python -m ouro_harness.export_onnx --model DIR --out DIR [--holdout FEATURES.parquet] [--rows N]

Writes into --out:
  export.json   {"onnx": bool, "reason": str | null, "features": the cleaner's feature specs
                 (with decimal/format/time, which signature.json leaves out), "inputs": the ONNX
                 inputs [{name, type: "float" | "string"}], "label": output name, "probabilities":
                 output name | null, "probability_columns": for each run class its column in the
                 ONNX probabilities (-1: never predicted), "reference": {"rows": raw holdout
                 rows, "predictions", "probabilities"} from the Python model itself}
  model.onnx    when the estimator converts

Only the estimator goes to ONNX; the cleaner (raw cells -> float and str columns) is re-done by
the server, which feeds the ONNX graph one [n, 1] tensor per cleaned column: float32 for
numbers, str for categories with "" for missing. The server compares its end-to-end
predictions with the reference before it trusts the export.
"""

import argparse
import copy
import json
import sys
import warnings

import numpy as np
import pandas as pd

from . import onnx_converters
from .jsonfile import plain, write_json
from .model import estimator_classes
from .predict import load_model, read_rows

TARGET_OPSET = {'': 17, 'ai.onnx.ml': 3}


def _register_converters() -> None:
    """LightGBM through onnxmltools, and a SimpleImputer that also emits add_indicator's columns."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)
    from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer
    from skl2onnx.shape_calculators.imputer import calculate_sklearn_imputer_output_shapes
    from sklearn.impute import SimpleImputer

    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
        update_registered_converter(
            LGBMClassifier, 'LightGbmLGBMClassifier', calculate_linear_classifier_output_shapes,
            convert_lightgbm, options={'nocl': [True, False], 'zipmap': [True, False, 'columns']})
        update_registered_converter(
            LGBMRegressor, 'LightGbmLGBMRegressor', calculate_linear_regressor_output_shapes,
            convert_lightgbm, options={'split': None})
    except ImportError:
        pass

    def indicator_features(op):
        indicator = getattr(op, 'indicator_', None)
        return [] if indicator is None else [int(i) for i in indicator.features_]

    def imputer_shape(operator):
        calculate_sklearn_imputer_output_shapes(operator)
        extra = len(indicator_features(operator.raw_operator))
        shape = operator.outputs[0].type.shape
        if extra and shape[1] is not None:
            operator.outputs[0].type.shape = [shape[0], shape[1] + extra]

    def imputer_convert(scope, operator, container):
        op = operator.raw_operator
        features = indicator_features(op)
        if not features:
            convert_sklearn_imputer(scope, operator, container)
            return
        # Numeric imputation with missing-value indicators (add_indicator=True): the Imputer
        # node, then isnan() of the indicator's columns as floats, side by side.
        from skl2onnx.common._apply_operation import apply_cast, apply_concat
        from skl2onnx.operator_converters.common import concatenate_variables
        from skl2onnx.proto import onnx_proto
        concatenated = concatenate_variables(scope, operator.inputs, container)
        imputed = scope.get_unique_variable_name('imputed')
        container.add_node('Imputer', [concatenated], [imputed], op_domain='ai.onnx.ml',
                           name=scope.get_unique_operator_name('Imputer'),
                           imputed_value_floats=op.statistics_.astype(np.float32),
                           replaced_value_float=float('nan'))
        isnan = scope.get_unique_variable_name('isnan')
        container.add_node('IsNaN', [concatenated], [isnan], name=scope.get_unique_operator_name('IsNaN'))
        index = scope.get_unique_variable_name('indicator_index')
        container.add_initializer(index, onnx_proto.TensorProto.INT64, [len(features)], features)
        picked = scope.get_unique_variable_name('indicator')
        container.add_node('Gather', [isnan, index], [picked], axis=1, name=scope.get_unique_operator_name('Gather'))
        as_float = scope.get_unique_variable_name('indicator_float')
        apply_cast(scope, picked, as_float, container, to=onnx_proto.TensorProto.FLOAT)
        apply_concat(scope, [imputed, as_float], operator.outputs[0].full_name, container, axis=1)

    update_registered_converter(SimpleImputer, 'SklearnSimpleImputer', imputer_shape, imputer_convert)
    onnx_converters.register()
    _accept_numpy_int_attributes()


def _accept_numpy_int_attributes() -> None:
    """scikit-learn 1.9's HistGradientBoosting trees hold node ids as numpy uint32, which
    skl2onnx 1.20 passes on as attributes and onnx rejects; plain ints are what it means."""
    from skl2onnx.common._container import ModelComponentContainer

    if getattr(ModelComponentContainer.add_node, '_ouro_patched', False):
        return
    original = ModelComponentContainer.add_node

    def plain_ints(value):
        if isinstance(value, list) and value and isinstance(value[0], np.integer):
            return [int(v) for v in value]
        return value

    def add_node(self, op_type, inputs, outputs, *args, **attrs):
        return original(self, op_type, inputs, outputs, *args, **{k: plain_ints(v) for k, v in attrs.items()})

    add_node._ouro_patched = True
    ModelComponentContainer.add_node = add_node


def _prepare_for_export(estimator):
    """A copy that skl2onnx can convert with the same predictions: string imputers match the ""
    the server sends for a missing category, and soft voting needs no flattened transform."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor
    from sklearn.impute import SimpleImputer

    copied = copy.deepcopy(estimator)
    seen = set()

    def visit(obj):
        if id(obj) in seen or not hasattr(obj, 'get_params'):
            return
        seen.add(id(obj))
        if isinstance(obj, SimpleImputer) and isinstance(getattr(obj, 'fill_value', None), str):
            obj.missing_values = ''
        if isinstance(obj, VotingClassifier):
            obj.flatten_transform = False
        if isinstance(obj, (VotingClassifier, VotingRegressor)) and obj.weights is not None:
            # skl2onnx normalises with weights.sum(); blend scripts pass a list.
            obj.weights = np.asarray(obj.weights, dtype=float)
        for child in list(getattr(obj, '__dict__', {}).values()):
            if isinstance(child, (list, tuple)):
                for item in child:
                    visit(item[1] if isinstance(item, tuple) and len(item) >= 2 else item)
            else:
                visit(child)

    visit(copied)
    return copied


def _onnx_inputs(model, sample: pd.DataFrame):
    cleaned = model.transform(sample)
    inputs = []
    for column in cleaned.columns:
        kind = 'float' if pd.api.types.is_float_dtype(cleaned[column]) or pd.api.types.is_numeric_dtype(cleaned[column]) else 'string'
        inputs.append({'name': str(column), 'type': kind})
    return inputs


def _input_types(inputs: list):
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    return [(i['name'], FloatTensorType([None, 1]) if i['type'] == 'float' else StringTensorType([None, 1]))
            for i in inputs]


def _convert(estimator, types, classifier: bool):
    from skl2onnx import convert_sklearn

    options = {id(estimator): {'zipmap': False}} if classifier else None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return convert_sklearn(estimator, initial_types=types, options=options, target_opset=TARGET_OPSET)


def _describe(estimator) -> str:
    """'ColumnTransformer -> XGBRegressor' for a pipeline, the class name otherwise."""
    steps = getattr(estimator, 'steps', None)
    if steps:
        return ' -> '.join(type(step).__name__ for _, step in steps if step not in (None, 'passthrough'))
    return type(estimator).__name__


def failing_part(model, sample: pd.DataFrame):
    """Which member of a blend does not convert ("the blend's member 'xgboost_2' (ColumnTransformer
    -> XGBRegressor)"), so the model page names the part to change; None when the estimator is
    not a blend or every member converts on its own."""
    from sklearn.ensemble import VotingClassifier, VotingRegressor

    estimator = _prepare_for_export(model.estimator)
    if not isinstance(estimator, (VotingClassifier, VotingRegressor)):
        return None
    _register_converters()
    types = _input_types(_onnx_inputs(model, sample))
    for name, member in getattr(estimator, 'named_estimators_', {}).items():
        if member in (None, 'drop'):
            continue
        try:
            _convert(member, types, model.task != 'regression')
        except Exception:  # noqa: BLE001 - the first member that fails is the answer
            return f"the blend's member {name!r} ({_describe(member)})"
    return None


def export(model, sample: pd.DataFrame, out_dir: str) -> dict:
    """Converts the estimator; returns the export.json fields that describe the graph."""
    _register_converters()
    inputs = _onnx_inputs(model, sample)
    estimator = _prepare_for_export(model.estimator)
    classifier = model.task != 'regression'
    onx = _convert(estimator, _input_types(inputs), classifier)
    # scikit-learn's OneHotEncoder(handle_unknown='ignore' | 'infrequent_if_exist') encodes an
    # unseen category as zeros; skl2onnx's node would fail the request instead. The probe rows
    # of the reference check that the two agree (see probe_rows).
    for node in onx.graph.node:
        if node.op_type == 'OneHotEncoder':
            for attribute in node.attribute:
                if attribute.name == 'zeros':
                    attribute.i = 1
    with open(f'{out_dir}/model.onnx', 'wb') as f:
        f.write(onx.SerializeToString())
    outputs = [o.name for o in onx.graph.output]
    result = {'inputs': inputs, 'label': outputs[0], 'probabilities': None, 'probability_columns': None}
    if classifier:
        if len(outputs) < 2:
            raise ValueError('the converted classifier has no probability output')
        order = estimator_classes(model.estimator) or []
        position = {c: i for i, c in enumerate(order)}
        result['probabilities'] = outputs[1]
        result['probability_columns'] = [position.get(c, -1) for c in model.classes]
    return result


UNSEEN = '__ouro_unseen_category__'


def probe_rows(rows: pd.DataFrame, features: list) -> pd.DataFrame:
    """Copies of the first row with one input missing, or one category never seen in training:
    the cases a holdout sample may not hold but requests will."""
    base = rows.iloc[0].to_dict()
    probes = []
    for f in features[:50]:
        probes.append({**base, f['name']: None})
        if f['meant'] == 'categorical':
            probes.append({**base, f['name']: UNSEEN})
    return pd.DataFrame(probes, columns=rows.columns)


def reference(model, rows: pd.DataFrame) -> dict:
    """The Python model's own answers on `rows`, as the predict step gives them."""
    predictions = model.predict(rows)
    probabilities = model.predict_proba(rows) if model.has_proba else None
    return {
        'rows': [{k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in r.items()}
                 for r in rows.astype(object).where(rows.notna(), None).to_dict(orient='records')],
        'predictions': predictions.tolist(),
        'probabilities': None if probabilities is None else probabilities.tolist(),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='python -m ouro_harness.export_onnx', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', required=True, help='folder holding model.joblib')
    p.add_argument('--out', required=True, help='folder to write export.json (and model.onnx)')
    p.add_argument('--holdout', default=None, help='raw feature rows to compare on (.parquet, .csv, .json)')
    p.add_argument('--rows', type=int, default=1000, help='at most this many comparison rows')
    args = p.parse_args(argv)

    model = load_model(args.model)
    features = [dict(f) for f in model.cleaner.features]
    names = [f['name'] for f in features]
    rows = None
    if args.holdout:
        rows = read_rows(args.holdout)
        rows = rows[[c for c in rows.columns if c in set(names)]].head(args.rows).reset_index(drop=True)
    doc = {'onnx': False, 'reason': None, 'features': features, 'task': model.task,
           'classes': model.classes if model.task != 'regression' else None,
           'has_proba': bool(model.has_proba), 'reference': None}
    sample = rows if rows is not None and len(rows) else pd.DataFrame({n: [None] for n in names})
    if model.task != 'regression' and not model.has_proba:
        doc['reason'] = f'{type(model.estimator).__name__} has no predict_proba'
    elif any(f['meant'] == 'datetime' and (f.get('format') or 'iso') == 'text' for f in features):
        doc['reason'] = 'dates written as text are parsed by pandas, which the server does not re-implement'
    else:
        try:
            doc.update(export(model, sample, args.out))
            doc['onnx'] = True
        except Exception as err:  # noqa: BLE001 - any converter failure means "serve with Python"
            doc['reason'] = f'{type(err).__name__}: {str(err).splitlines()[0][:300] if str(err) else ""}'.rstrip(': ')
            try:
                part = failing_part(model, sample)
            except Exception:  # noqa: BLE001 - the reason above still stands
                part = None
            if part:
                doc['reason'] = f'{part} does not convert: {doc["reason"]}'
    if rows is not None and len(rows):
        doc['reference'] = reference(model, pd.concat([rows, probe_rows(rows, features)], ignore_index=True))
    try:
        from .preprocessing import describe
        doc['preprocessing'] = describe(model)
    except Exception:  # noqa: BLE001 - the page then lists the columns without their steps
        pass
    write_json(f'{args.out}/export.json', plain(doc))
    return 0


if __name__ == '__main__':
    sys.exit(main())
