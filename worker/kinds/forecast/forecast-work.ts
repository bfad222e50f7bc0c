import { modelWork } from '../model-work.ts';
import type { KindOfWork } from '../work-kind.ts';

/** A forecast runs the model loop too; the loop's forecasting `TaskKind` does the rest. */
export const forecastWork: KindOfWork = { ...modelWork, id: 'forecast' };
