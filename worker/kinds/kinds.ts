import { taskTraits, type KindId, type Task } from '../../core/schemas/task.ts';
import { forecastKind } from './forecast/forecast-kind.ts';
import { tabularKind } from './tabular/tabular-kind.ts';
import type { TaskKind } from './task-kind.ts';

/**
 * The task kinds of the model loop, by id (the task factory): a new kind is one entry here, its
 * tasks in core/schemas/task.ts (`TASK_TRAITS`) and its folder under worker/kinds/. The kinds of
 * work the worker runs (a model, a report, a dataset) are in work-kinds.ts.
 */
const KINDS: Readonly<Record<KindId, TaskKind>> = {
  tabular: tabularKind,
  forecasting: forecastKind,
};

/** The kind of work a task belongs to. */
export function kindOf(task: Task): TaskKind {
  return KINDS[taskTraits(task).kind];
}
