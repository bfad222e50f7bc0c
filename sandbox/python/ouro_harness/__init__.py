"""ouro's harness: the trusted steps (inspect, split, predict) and the experiment API.

    from ouro_harness import load_train, task_info, cross_validate, save_model, write_metrics

Names are imported on first use, so `python -m ouro_harness inspect` does not pay for
scikit-learn."""

import importlib

_EXPORTS = {
    'load_train': 'api', 'task_info': 'api', 'cross_validate': 'api', 'save_model': 'api',
    'write_metrics': 'api', 'blend_select': 'blend', 'choose_rounds': 'early_stop', 'Cleaner': 'clean', 'OuroModel': 'model', 'LabelEncoded': 'label_encoded',
    'TextVectorizer': 'text',
    'load_series': 'forecast_api', 'forecast_info': 'forecast_api', 'rolling_origin_cv': 'forecast_api',
    'save_forecaster': 'forecast_api', 'OuroForecastModel': 'forecast_model',
    'InputError': 'errors', 'MissingColumnError': 'errors',
}
__all__ = list(_EXPORTS)
__version__ = '1'


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f'.{_EXPORTS[name]}', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(list(globals()) + __all__)
