import type { SynthPurpose } from './purpose.ts';

/**
 * The generator experiments (docs/architecture.md, "Synthetic data"): each is a whole, readable
 * `generate.py` that learns from the real training rows only and writes `synthetic.parquet`.
 * The host renders the script from a spec; the judge, not the script, says how good it was.
 */
export type GeneratorFamily = 'marginals' | 'copula' | 'cart' | 'bayes_net' | 'smote';

export interface GeneratorSpec {
  id: string;
  family: GeneratorFamily;
  /** Keyword arguments of the harness sampler, e.g. { min_leaf: 5, smooth: 0.5 }. */
  params: Record<string, number | string>;
  why: string;
  /** The spec this one revises, when it came from a judgement. */
  parent?: string;
}

export const GENERATOR_LABELS: Record<GeneratorFamily, string> = {
  marginals: 'independent marginals',
  copula: 'Gaussian copula',
  cart: 'sequential CART (synthpop-style)',
  bayes_net: 'Bayesian network (Chow-Liu tree)',
  smote: 'SMOTE (imbalanced-learn)',
};

export function generatorLabel(spec: Pick<GeneratorSpec, 'family' | 'params'>): string {
  const p = Object.entries(spec.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return p ? `${GENERATOR_LABELS[spec.family]} (${p})` : GENERATOR_LABELS[spec.family];
}

/** The first round: the floor, then the families that model relations between columns. */
export function firstRound(purpose: SynthPurpose, classTarget: boolean): GeneratorSpec[] {
  const specs: GeneratorSpec[] = [
    {
      id: 'g1',
      family: 'marginals',
      params: {},
      why: 'the floor: every column on its own; anything better must beat it',
    },
    { id: 'g2', family: 'copula', params: {}, why: 'keeps each column and the correlations between them' },
    {
      id: 'g3',
      family: 'cart',
      params: { min_leaf: 5, smooth: 0.5 },
      why: 'synthpop-style trees capture non-linear relations and mixed types',
    },
    {
      id: 'g4',
      family: 'bayes_net',
      params: { bins: 8 },
      why: 'a Chow-Liu tree keeps the strongest dependencies with few parameters',
    },
  ];
  if (purpose === 'augment' && classTarget)
    specs.push({
      id: 'g5',
      family: 'smote',
      params: { k_neighbors: 5 },
      why: 'interpolates between real rows of the rare class, the standard for imbalance',
    });
  return specs;
}

export interface Judged {
  spec: GeneratorSpec;
  score: number | null;
  utility: number | null;
  dcrRatio: number | null;
  copiesDropped: number | null;
  discriminatorAuc: number | null;
}

/**
 * One revision from the judgements: the leader with its knobs turned the way its numbers ask,
 * the first such turn not tried yet. Rows too close to real ones (or copies) → smoother and
 * coarser; utility short of the purpose's bar → finer. Null when nothing is left to turn.
 */
export function revise(
  leader: Judged,
  purpose: SynthPurpose,
  nextId: string,
  tried: readonly Pick<GeneratorSpec, 'family' | 'params'>[],
): GeneratorSpec | null {
  const { spec } = leader;
  const tooClose = (leader.dcrRatio !== null && leader.dcrRatio < 0.9) || (leader.copiesDropped ?? 0) > 0;
  const weak =
    purpose === 'stand-in'
      ? leader.utility !== null && leader.utility < 0.9
      : leader.utility !== null && leader.utility <= 0;
  const p = spec.params;
  const candidates: { params: GeneratorSpec['params']; why: string }[] = [];
  switch (spec.family) {
    case 'cart': {
      const leaf = Number(p.min_leaf ?? 5);
      const smooth = Number(p.smooth ?? 0.5);
      if (tooClose)
        candidates.push(
          {
            params: { min_leaf: leaf * 2, smooth: smooth + 0.5 },
            why: 'its rows sit close to real ones, so larger leaves and more smoothing',
          },
          {
            params: { min_leaf: leaf * 4, smooth: smooth + 1 },
            why: 'its rows still sit close to real ones',
          },
        );
      else if (weak || purpose === 'augment')
        candidates.push(
          {
            params: { min_leaf: Math.max(2, Math.floor(leaf / 2)), smooth },
            why: 'smaller leaves keep more of the real relations',
          },
          {
            params: { min_leaf: leaf, smooth: smooth / 2 },
            why: 'less smoothing keeps values nearer the real ones',
          },
        );
      else
        candidates.push(
          {
            params: { min_leaf: leaf, smooth: smooth + 0.25 },
            why: 'more smoothing buys privacy margin at little utility cost',
          },
          { params: { min_leaf: leaf * 2, smooth }, why: 'larger leaves buy privacy margin the other way' },
        );
      break;
    }
    case 'bayes_net': {
      const bins = Number(p.bins ?? 8);
      if (tooClose)
        candidates.push(
          {
            params: { bins: Math.max(4, bins - 3) },
            why: 'its rows sit close to real ones, so coarser bins',
          },
          { params: { bins: Math.max(3, bins - 5) }, why: 'coarser still' },
        );
      else
        candidates.push(
          { params: { bins: bins + 4 }, why: "finer bins keep more of each column's shape" },
          { params: { bins: bins + 8 }, why: 'finer still' },
        );
      break;
    }
    case 'smote': {
      const k = Number(p.k_neighbors ?? 5);
      candidates.push(
        {
          params: { k_neighbors: k, variant: 'borderline' },
          why: 'Borderline-SMOTE adds rows where the classes meet',
        },
        {
          params: { k_neighbors: Math.max(2, k - 2) },
          why: 'fewer neighbours keep new rows nearer their class',
        },
      );
      break;
    }
    case 'copula':
    case 'marginals':
      break;
  }
  const key = (x: Pick<GeneratorSpec, 'family' | 'params'>) =>
    `${x.family}:${JSON.stringify(Object.entries(x.params).sort())}`;
  const seen = new Set(tried.map(key));
  const next = candidates.find((c) => !seen.has(key({ family: spec.family, params: c.params })));
  return next === undefined
    ? null
    : {
        id: nextId,
        family: spec.family,
        params: next.params,
        why: `revises ${spec.id}: ${next.why}`,
        parent: spec.id,
      };
}

const SAMPLER: Record<GeneratorFamily, string> = {
  marginals: 'sample_marginals',
  copula: 'sample_copula',
  cart: 'sample_cart',
  bayes_net: 'sample_bayes_net',
  smote: 'sample_smote',
};

function pyValue(v: number | string): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/**
 * The whole `generate.py` of one experiment. It runs in the sandbox (the training rows
 * read-only, its own folder writable) and again on its own: `python generate.py --data DIR
 * --rows N --out FILE` re-creates the dataset from the same seed.
 */
export function renderGenerateScript(
  spec: GeneratorSpec,
  o: { rows: number; seed: number; condition: Record<string, string> | null; purpose: SynthPurpose },
): string {
  const kwargs = Object.entries(spec.params).map(([k, v]) => `${k}=${pyValue(v)}`);
  const condition =
    o.condition === null
      ? 'None'
      : `{${Object.entries(o.condition)
          .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
          .join(', ')}}`;
  return `"""${spec.id}: ${generatorLabel(spec)} — ${o.purpose === 'augment' ? 'new rows to add to the real table' : 'a stand-in for the real table'}.
Why: ${spec.why}.

Learns from the real training rows only (workspace/real.parquet; the holdout is not there) and
writes synthetic.parquet. The rows obey the table's constraints (ranges, whole numbers,
decimals, category sets, fresh unique keys, date order) via finish().
Re-run on its own:  python generate.py --data <workspace folder> --rows ${o.rows} --out synthetic.parquet
"""
import argparse

from ouro_harness.synth import load_real, finish, ${SAMPLER[spec.family]}

SEED = ${o.seed}
ROWS = ${o.rows}
CONDITION = ${condition}  # sample only rows with these values (augmentation: the rare class)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', default=None, help='folder with real.parquet and meta.json')
    parser.add_argument('--rows', type=int, default=ROWS)
    parser.add_argument('--out', default='synthetic.parquet')
    args = parser.parse_args()

    real, meta = load_real(args.data)
    synthetic = ${SAMPLER[spec.family]}(real, meta, args.rows, seed=SEED, condition=CONDITION${kwargs.length > 0 ? `, ${kwargs.join(', ')}` : ''})
    table = finish(synthetic, meta, args.out, seed=SEED)
    print(f'wrote {len(table)} rows x {len(table.columns)} columns to {args.out}')


if __name__ == '__main__':
    main()
`;
}
