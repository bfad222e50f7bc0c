import { FAMILY_CATALOG } from './families.ts';

/**
 * The Python libraries generated scripts may import, as the LLM prompts name them. Every one is
 * pinned in sandbox/requirements.txt at this major.minor (core/catalog/catalog.test.ts checks
 * it, and imports each inside a real sandbox), so the prompt cannot promise what the image lacks.
 */
export interface SandboxLibrary {
  /** The distribution name in sandbox/requirements.txt. */
  pip: string;
  /** What a script imports. */
  module: string;
  /** How the prompt names it. */
  name: string;
  /** major.minor, or null when the prompt gives no version. */
  version: string | null;
}

export const SANDBOX_LIBRARIES: readonly SandboxLibrary[] = [
  { pip: 'scikit-learn', module: 'sklearn', name: 'scikit-learn', version: '1.9' },
  { pip: 'lightgbm', module: 'lightgbm', name: 'lightgbm', version: '4.7' },
  { pip: 'xgboost-cpu', module: 'xgboost', name: 'xgboost', version: '3.2' },
  { pip: 'pandas', module: 'pandas', name: 'pandas', version: '2.3' },
  { pip: 'numpy', module: 'numpy', name: 'numpy', version: '2.4' },
  { pip: 'statsmodels', module: 'statsmodels', name: 'statsmodels', version: null },
  { pip: 'statsforecast', module: 'statsforecast', name: 'statsforecast', version: null },
];

/** Libraries people ask for that the sandbox does not have (the prompt says so). */
export const NOT_IN_SANDBOX: readonly string[] = ['catboost', 'torch', 'tensorflow'];

/** "scikit-learn 1.9, lightgbm 4.7, …" for the prompts. */
export function sandboxLibraryList(): string {
  return SANDBOX_LIBRARIES.map((l) => (l.version !== null ? `${l.name} ${l.version}` : l.name)).join(', ');
}

/** The library of every catalogued family, as its module (for the sandbox import test). */
export function familyModules(): string[] {
  const byPip = new Map(SANDBOX_LIBRARIES.map((l) => [l.pip, l.module]));
  return [
    ...new Set(
      FAMILY_CATALOG.flatMap((f) => (f.library === null ? [] : [byPip.get(f.library) ?? f.library])),
    ),
  ];
}
