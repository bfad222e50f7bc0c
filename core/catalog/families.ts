import type { KindId, Task } from '../schemas/task.ts';

/**
 * The one catalog of model families (docs/architecture.md, "The catalog of model families").
 * The heuristic playbook, the script writers, the LLM prompts, steering, the bot's help and the
 * renderers all read it, so they cannot disagree. Adding a family is one entry here plus its
 * script recipe (worker/brains/heuristic/write-script.ts `FAMILIES` for tabular families,
 * `forecasterExpression` in write-forecast-script.ts for forecasting ones); a test fails when
 * the two disagree, and another imports every library below inside a real sandbox.
 */

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

/** How a family serves one kind of work. */
export interface FamilyUse {
  /** How the family is called in hypotheses, findings and script docstrings. */
  label: string;
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

const regression = (t: Task) => t === 'regression';

export const FAMILY_CATALOG: readonly ModelFamily[] = [
  {
    id: 'baseline',
    name: 'baseline',
    library: 'scikit-learn',
    onnx: true,
    kinds: {
      tabular: {
        label: 'baseline (predict the prior or the mean)',
        draft: {
          rank: 3,
          why: ({ task }) =>
            `the floor every model must beat: predict the training ${regression(task) ? 'mean' : 'prior'}`,
        },
      },
      forecasting: {
        label: 'seasonal naive',
        draft: {
          rank: 1,
          why: () => 'the floor every forecast must beat: repeat the last season (seasonal naive)',
        },
      },
    },
  },
  {
    id: 'lightgbm',
    name: 'LightGBM',
    aliases: /\b(lightgbm|lgbm|gbm|gradient boosting|boosting)\b/,
    library: 'lightgbm',
    onnx: true,
    rounds: 'n_estimators',
    earlyStopping: true,
    kinds: {
      tabular: {
        label: 'LightGBM',
        draft: {
          rank: 1,
          why: ({ rows }) =>
            `gradient boosting is usually the strongest family on tabular data; first because with early stopping it is also quick on ${rows} rows`,
        },
        tune: ({ rows }) =>
          rows < 3_000
            ? [
                {
                  n_estimators: 500,
                  learning_rate: 0.03,
                  num_leaves: 7,
                  min_child_samples: 10,
                  reg_lambda: 1.0,
                },
                {
                  n_estimators: 800,
                  learning_rate: 0.02,
                  num_leaves: 15,
                  min_child_samples: 5,
                  colsample_bytree: 0.6,
                },
                { n_estimators: 300, learning_rate: 0.05, num_leaves: 4, min_child_samples: 15 },
              ]
            : [
                { n_estimators: 600, learning_rate: 0.03, num_leaves: 31, min_child_samples: 20 },
                {
                  n_estimators: 500,
                  learning_rate: 0.05,
                  num_leaves: 63,
                  min_child_samples: 10,
                  reg_lambda: 1.0,
                },
                { n_estimators: 900, learning_rate: 0.02, num_leaves: 15, min_child_samples: 30 },
              ],
        search: {
          dims: () => [
            { name: 'num_leaves', lo: 4, hi: 256, log: true, int: true },
            { name: 'learning_rate', lo: 0.01, hi: 0.3, log: true },
            { name: 'min_child_samples', lo: 2, hi: 100, log: true, int: true },
            { name: 'colsample_bytree', lo: 0.3, hi: 1 },
            { name: 'subsample', lo: 0.5, hi: 1 },
            { name: 'reg_lambda', lo: 0.001, hi: 10, log: true },
            { name: 'reg_alpha', lo: 0.001, hi: 1, log: true },
          ],
          start: {
            num_leaves: 31,
            learning_rate: 0.1,
            min_child_samples: 20,
            colsample_bytree: 0.8,
            subsample: 0.8,
            reg_lambda: 0.001,
            reg_alpha: 0.001,
          },
          fixed: { n_estimators: 3000, subsample_freq: 1 },
        },
        replaceRank: 1,
      },
      forecasting: {
        label: 'LightGBM (lags + calendar)',
        draft: {
          rank: 5,
          why: () =>
            'gradient boosting on lags, rolling means and calendar features learns across series and from exogenous columns',
        },
        tune: () => [
          { n_estimators: 600, learning_rate: 0.03, num_leaves: 7, min_child_samples: 10 },
          { lags_factor: 2, n_estimators: 400, learning_rate: 0.05, num_leaves: 15 },
        ],
        replaceRank: 4,
      },
    },
  },
  {
    id: 'random_forest',
    name: 'random forest',
    aliases: /\b(random ?forests?|rf)\b/,
    library: 'scikit-learn',
    onnx: true,
    rounds: 'n_estimators',
    kinds: {
      tabular: {
        label: 'random forest',
        draft: { rank: 4, why: () => 'bagged trees are robust to noise and need little tuning' },
        tune: () => [
          { n_estimators: 500, max_features: 0.5, min_samples_leaf: 1 },
          { n_estimators: 500, max_features: 'sqrt', min_samples_leaf: 3 },
        ],
        search: {
          dims: () => FOREST_DIMS,
          start: { max_features: 0.5, min_samples_leaf: 1 },
          fixed: { n_estimators: 300 },
        },
        replaceRank: 3,
      },
    },
  },
  {
    id: 'extra_trees',
    name: 'extra trees',
    aliases: /\b(extra ?trees|extratrees)\b/,
    library: 'scikit-learn',
    onnx: true,
    rounds: 'n_estimators',
    kinds: {
      tabular: {
        label: 'extra trees',
        draft: {
          rank: 5,
          why: () => 'extra trees add variance reduction that often ensembles well with boosting',
          maxRows: 200_000,
        },
        tune: () => [
          { n_estimators: 600, max_features: 1.0, min_samples_leaf: 1 },
          { n_estimators: 600, max_features: 0.5, min_samples_leaf: 2 },
        ],
        search: {
          dims: () => FOREST_DIMS,
          start: { max_features: 0.7, min_samples_leaf: 1 },
          fixed: { n_estimators: 300 },
        },
        replaceRank: 4,
      },
    },
  },
  {
    id: 'linear',
    name: 'linear model',
    aliases: /\b(linear|logistic( regression)?|ridge|regression models?)\b/,
    library: 'scikit-learn',
    onnx: true,
    kinds: {
      tabular: {
        label: 'linear model',
        draft: {
          rank: 2,
          why: ({ task }) =>
            regression(task)
              ? 'ridge regression shows how much of the signal is linear'
              : 'logistic regression shows how much of the signal is linear, and is well calibrated',
        },
        tune: ({ task }) =>
          regression(task)
            ? [{ alpha: 10.0 }, { alpha: 0.1 }]
            : [
                { C: 0.1, max_iter: 2000 },
                { C: 10.0, max_iter: 4000 },
              ],
        search: {
          dims: (classifier) =>
            classifier
              ? [{ name: 'C', lo: 0.001, hi: 100, log: true }]
              : [{ name: 'alpha', lo: 0.001, hi: 1000, log: true }],
          start: { C: 1, alpha: 1 },
          fixed: {},
        },
        replaceRank: 5,
      },
    },
  },
  {
    id: 'xgboost',
    name: 'XGBoost',
    aliases: /\b(xgboost|xgb)\b/,
    library: 'xgboost-cpu',
    onnx: true,
    rounds: 'n_estimators',
    kinds: {
      tabular: {
        label: 'XGBoost',
        tune: () => [
          {
            n_estimators: 600,
            learning_rate: 0.03,
            max_depth: 4,
            subsample: 0.8,
            colsample_bytree: 0.7,
            tree_method: 'hist',
          },
        ],
      },
    },
  },
  {
    id: 'hist_gb',
    name: 'histogram gradient boosting',
    aliases: /\b(hist(ogram)?[ _-]?(gb|gradient boosting)?)\b/,
    library: 'scikit-learn',
    onnx: true,
    rounds: 'max_iter',
    kinds: {
      // Not drafted by default: it adds little beside LightGBM in a blend, and its OpenMP
      // threads made it the slowest draft on small tables (55 s for 275 rows on 2 busy cores).
      tabular: {
        label: 'histogram gradient boosting',
        tune: () => [
          { max_iter: 500, learning_rate: 0.03, max_leaf_nodes: 15, l2_regularization: 1.0 },
          { max_iter: 300, learning_rate: 0.08, max_leaf_nodes: 7 },
        ],
        replaceRank: 2,
      },
    },
  },
  {
    id: 'ensemble',
    name: 'ensemble',
    aliases: /\b(ensembles?|blend(ing)?|voting)\b/,
    library: 'scikit-learn',
    onnx: true,
    blend: true,
    kinds: { tabular: { label: 'ensemble' }, forecasting: { label: 'forecast ensemble' } },
  },
  {
    id: 'ets',
    name: 'AutoETS',
    aliases: /\b(ets|exponential smoothing|holt[ -]?winters?)\b/,
    library: 'statsforecast',
    onnx: false,
    kinds: {
      forecasting: {
        label: 'AutoETS',
        draft: {
          rank: 2,
          why: () =>
            'exponential smoothing (AutoETS) picks level, trend and season forms by AICc and gives intervals',
        },
        tune: () => [{ damped: true }],
        replaceRank: 2,
      },
    },
  },
  {
    id: 'theta',
    name: 'AutoTheta',
    aliases: /\b(theta)\b/,
    library: 'statsforecast',
    onnx: false,
    kinds: {
      forecasting: {
        label: 'AutoTheta',
        draft: { rank: 3, why: () => 'Theta is a strong, cheap benchmark on monthly and quarterly series' },
        replaceRank: 1,
      },
    },
  },
  {
    id: 'arima',
    name: 'AutoARIMA',
    aliases: /\b(auto ?arima|s?arima)\b/,
    library: 'statsforecast',
    onnx: false,
    kinds: {
      forecasting: {
        label: 'AutoARIMA',
        draft: { rank: 4, why: () => 'AutoARIMA captures autocorrelation that smoothing misses' },
        tune: () => [{ approximation: false, stepwise: true }],
        replaceRank: 3,
      },
    },
  },
];

/** Forests share one space: the share of features per split and the leaf size. */
const FOREST_DIMS: SearchDim[] = [
  { name: 'max_features', lo: 0.15, hi: 1 },
  { name: 'min_samples_leaf', lo: 1, hi: 12, log: true, int: true },
];
