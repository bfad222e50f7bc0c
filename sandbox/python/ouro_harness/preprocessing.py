"""What the preprocessing does to each input column, in words, for the model page (written into
export.json by the export step): the cleaner's conversion (currency, percent, numbers written
as text, booleans, a date's parts), then each fitted step of the pipeline that touches the
column (imputation, scaling, encoding), with the fitted numbers that matter. For a blend, each
member's steps, named by member. Anything not recognised is named by its class."""

import numpy as np

CONVERSIONS = {
    'currency': 'amounts like "$1,200.50" read as numbers',
    'percent': 'percentages like "12.5%" read as fractions (0.125)',
    'numeric_text': 'numbers written as text (thousands marks) read as numbers',
    'boolean': 'yes/no, true/false, 1/0 read as 1 and 0',
}


def _num(v) -> str:
    v = float(v)
    return f'{v:.4g}'


def _cleaner_step(feature: dict):
    meant, conversion = feature['meant'], feature.get('conversion')
    if meant == 'datetime':
        return 'date split into year, month, day, weekday' + (', hour' if feature.get('time') else '') + ' and days since 1970'
    if meant == 'boolean':
        return CONVERSIONS['boolean']
    if conversion in CONVERSIONS:
        text = CONVERSIONS[conversion]
        return text + (' (decimal comma)' if feature.get('decimal') == ',' else '')
    return None


def _step_text(step, column: str, position: int):
    """One fitted transformer's effect on `column` (its position among the transformer's columns)."""
    name = type(step).__name__
    if name == 'SimpleImputer':
        stats = getattr(step, 'statistics_', None)
        fill = stats[position] if stats is not None and position < len(stats) else None
        how = {'median': 'the training median', 'mean': 'the training mean',
               'most_frequent': 'the most frequent value', 'constant': 'a constant'}.get(step.strategy, step.strategy)
        value = f' ({_num(fill)})' if isinstance(fill, (int, float, np.number)) and not isinstance(fill, bool) else (f' ("{fill}")' if isinstance(fill, str) else '')
        return f'missing values filled with {how}{value}' + (', plus a was-missing indicator' if step.add_indicator else '')
    if name == 'StandardScaler':
        mean = getattr(step, 'mean_', None)
        scale = getattr(step, 'scale_', None)
        if mean is not None and scale is not None and position < len(mean):
            return f'standardised (minus {_num(mean[position])}, divided by {_num(scale[position])})'
        return 'standardised'
    if name == 'OneHotEncoder':
        cats = step.categories_[position] if position < len(step.categories_) else []
        infrequent = getattr(step, 'infrequent_categories_', None)
        rare = infrequent[position] if infrequent is not None and position < len(infrequent) and infrequent[position] is not None else []
        kept = len(cats) - len(rare)
        return f'one-hot: {kept} categories' + (f', {len(rare)} rare ones grouped' if len(rare) else '') + \
            (', unseen ones as rare' if step.handle_unknown == 'infrequent_if_exist' else ', unseen ones as all zeros' if step.handle_unknown == 'ignore' else '')
    if name == 'OrdinalEncoder':
        cats = step.categories_[position] if position < len(step.categories_) else []
        return f'category codes 0..{len(cats) - 1}' + (' (unseen: -1)' if step.handle_unknown == 'use_encoded_value' else '')
    if name in ('TargetEncoder',):
        return 'replaced by the mean target of its category (cross-fitted)'
    if name == 'TfidfVectorizer':
        return f'text as TF-IDF of {len(getattr(step, "vocabulary_", {}))} terms'
    return name


def _pipeline_steps(pipeline, cleaned: list, prefix: str) -> dict:
    """{cleaned column: [texts]} for one fitted pipeline (ColumnTransformer first, as the harness builds them)."""
    out = {}
    steps = getattr(pipeline, 'steps', [(None, pipeline)])
    for _, step in steps[:-1]:
        for name, transformer, cols in getattr(step, 'transformers_', []):
            if transformer == 'drop':
                for c in cols if isinstance(cols, (list, tuple, np.ndarray)) else []:
                    out.setdefault(str(c), []).append(f'{prefix}dropped')
                continue
            cols = [cleaned[c] if isinstance(c, (int, np.integer)) else c for c in (cols if isinstance(cols, (list, tuple, np.ndarray)) else [])]
            chain = getattr(transformer, 'steps', [(name, transformer)])
            for i, c in enumerate(cols):
                texts = [_step_text(t, c, i) for _, t in chain if t != 'passthrough']
                out.setdefault(str(c), []).append(prefix + ('; '.join(texts) if texts else 'passed through as is'))
    return out


def describe(model) -> dict:
    """{input column: [what happens to it, step by step]}."""
    from .clean import output_names

    cleaned = list(model.signature['columns'])
    estimator = model.estimator
    members = getattr(estimator, 'estimators', None) if type(estimator).__name__.startswith('Voting') else None
    per_cleaned = {}
    if members:
        for (name, _), fitted in zip(members, estimator.estimators_):
            for c, texts in _pipeline_steps(fitted, cleaned, f'{name}: ').items():
                per_cleaned.setdefault(c, []).extend(texts)
    else:
        per_cleaned = _pipeline_steps(estimator, cleaned, '')
    out = {}
    for feature in model.cleaner.features:
        steps = []
        first = _cleaner_step(feature)
        if first:
            steps.append(first)
        outs = [o for o in output_names(feature) if o in cleaned]
        if not outs:
            steps.append('not used by the model')
        for o in outs[:1] if feature['meant'] != 'datetime' else outs[:1]:
            steps.extend(per_cleaned.get(o, []))
        out[feature['name']] = steps
    return out
