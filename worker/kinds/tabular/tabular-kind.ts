import { writeScript } from '../../brains/heuristic/write-script.ts';
import type { TaskKind } from '../task-kind.ts';
import { scoreTabularHoldout } from './score-holdout.ts';

/** Candidates for a tabular blend: the best model of each of this many top families. */
const MAX_BLEND_MEMBERS = 5;

/**
 * Prediction from a table (binary, multiclass, regression): a seeded, stratified 20 % holdout,
 * scikit-learn pipelines scored by cross-validation, the prior or the mean as the baseline, a
 * model served on ONNX or in the Python pool.
 */
export const tabularKind: TaskKind = {
  id: 'tabular',
  publishes: 'model',
  splitArgs: () => ['--holdout-fraction', '0.2'],
  dataFindings: () => [],
  playbook: {
    skipBaselineWhenShort: true,
    blendMembers: MAX_BLEND_MEMBERS,
    fixes: () => true,
    sizesDrafts: true,
    featureSteps: true,
  },
  llm: { writes: true },
  writeScript: (input) => writeScript(input),
  scoreHoldout: (input) => scoreTabularHoldout(input),
  afterJudging: async (ctx) => ({ servedDir: ctx.modelDir, extraFiles: [], findings: [], card: {} }),
};
