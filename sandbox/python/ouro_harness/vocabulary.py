"""The words the host and the harness share (tasks, metrics, directions, input error codes).

Read from vocabulary.json, which `npm run vocabulary` generates from the host's zod schemas
(core/schemas/vocabulary.ts); test/vocabulary.test.ts fails when it is stale, so neither side
can drift from the other."""

import json
from pathlib import Path

_V = json.loads(Path(__file__).with_name('vocabulary.json').read_text(encoding='utf-8'))

TASKS: tuple = tuple(_V['tasks'])
METRICS: tuple = tuple(_V['metrics'])
TASK_KINDS: dict = dict(_V['task_kinds'])
TASK_METRICS_ALL: dict = {task: tuple(metrics) for task, metrics in _V['task_metrics'].items()}
HIGHER_IS_BETTER = frozenset(_V['higher_is_better'])
INPUT_ERROR_CODES = frozenset(_V['input_error_codes'])


def metrics_of_kind(kind: str) -> dict:
    """Metrics per task, for the tasks of one kind of work ('tabular', 'forecasting')."""
    return {task: metrics for task, metrics in TASK_METRICS_ALL.items() if TASK_KINDS[task] == kind}
