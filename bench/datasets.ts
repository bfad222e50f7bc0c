/** The benchmark tables (bench/datasets, copied from the shared set) and the goal a user would type. */
import { fileURLToPath } from 'node:url';

export const BENCH_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TABULAR_DATASETS: Record<string, string> = {
  penguins: 'predict species',
  pima_diabetes: 'predict diabetes',
  attrition: 'predict Attrition',
  vehicle: 'predict the vehicle Class',
  concrete: 'predict compressive strength',
  sacramento: 'predict price',
};

/** Two small tables and a short budget: enough to exercise `bench:quality` in CI. */
export const QUICK_DATASETS = ['penguins', 'pima_diabetes'];

export function unknownDataset(name: string): Error {
  return new Error(`unknown dataset ${name}; known: ${Object.keys(TABULAR_DATASETS).join(', ')}`);
}
