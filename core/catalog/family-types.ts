import type { KindId, Task } from '../schemas/task.ts';

/** The shape of an entry of the catalog of model families (core/catalog/families.ts). */

/** One dimension of a family's search space (worker/brains/heuristic/search-space.ts walks it). */
export interface SearchDim {
  name: string;
  lo: number;
  hi: number;
  /** Steps on a log scale (the parameter spans decades). */
  log?: boolean;
  int?: boolean;
}

/** What the search needs of a family: its dimensions, where it starts, what it leaves fixed. */
export interface SearchSpace {
  dims: (classifier: boolean) => SearchDim[];
  /** Where the search starts when the family's best run used a library default. */
  start: Record<string, number>;
  /** Parameters of every trial that the search does not move. */
  fixed: Record<string, unknown>;
}

export interface DraftContext {
  task: Task;
  /** Training rows. */
  rows: number;
}

/**
 * How a tabular experiment script builds the family's estimator
 * (worker/brains/heuristic/write-script.ts writes the rest of the script around it).
 */
export interface ScriptSpec {
  /** Python import lines the estimator needs. */
  imports: (task: Task) => string[];
  /** Python expression building the estimator (without preprocessing). */
  estimator: (task: Task, params: Record<string, unknown>) => string;
  /** One-hot for linear models, ordinal codes for trees, none for a baseline that reads no feature. */
  encoding: 'onehot' | 'ordinal' | 'none';
  /** Parameters the script sets unless the recipe overrides them. */
  defaults: (task: Task) => Record<string, unknown>;
  /** Its classifier needs labels 0..k-1: the `label_encode` guard wraps it in the harness's `LabelEncoded`. */
  labelEncoded?: boolean;
}

/** How a family serves one kind of work. */
export interface FamilyUse {
  /** How the family is called in hypotheses, findings and script docstrings. */
  label: string;
  /** How a tabular script builds it: required for every tabular family but a blend. */
  script?: ScriptSpec;
  /**
   * How a forecasting script builds it: the Python expression of the forecaster, given the
   * recipe's parameters (`info` is the script's forecast_info(); `ARGS` is its frequency and
   * season length). Required for every forecasting family but a blend
   * (worker/kinds/forecast/write-forecast-script.ts writes the rest of the script around it).
   */
  forecaster?: (params: Record<string, unknown>) => string;
  /** In the playbook's first drafts: its place (lower first), why, and up to how many rows. */
  draft?: { rank: number; why: (c: DraftContext) => string; maxRows?: number };
  /** Parameter variants to try when tuning the family, most promising first. */
  tune?: (c: DraftContext) => Record<string, unknown>[];
  /** The local search's space (the search runs only over families that have one). */
  search?: SearchSpace;
  /** Its place among the families to switch to when one cannot run or learns nothing (lower first). */
  replaceRank?: number;
}

export interface ModelFamily {
  /** The id recipes and events carry (snake_case). */
  id: string;
  /** What the bot calls it. */
  name: string;
  /** Words that name it in a thread ("try random forest"); tried in catalog order. */
  aliases?: RegExp;
  /** The Python distribution its scripts import (pinned in sandbox/requirements.txt), null for none. */
  library: string | null;
  /** The server's ONNX export converts its models (the parity check still decides per version). */
  onnx: boolean;
  /** The parameter that counts its trees or rounds, which a timeout fix caps. */
  rounds?: 'n_estimators' | 'max_iter';
  /** `ouro_harness.choose_rounds` can set its tree count by early stopping. */
  earlyStopping?: boolean;
  /** Not a model of its own: a blend of other experiments. */
  blend?: boolean;
  /** The kinds of work it serves, and how. */
  kinds: Partial<Record<KindId, FamilyUse>>;
}
