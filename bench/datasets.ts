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

export const FORECAST_DATASETS: Record<string, string> = {
  air_passengers: 'forecast passengers for the next 12 months',
  aus_gas: 'forecast production for the next 12 months',
};

/** Everything `bench:loop` knows: tables and series. */
export const LOOP_DATASETS: Record<string, string> = { ...TABULAR_DATASETS, ...FORECAST_DATASETS };

/** Two small tables and a short budget: enough to exercise `bench:quality` in CI. */
export const QUICK_DATASETS = ['penguins', 'pima_diabetes'];

export function unknownDataset(name: string, known: Record<string, string> = LOOP_DATASETS): Error {
  return new Error(`unknown dataset ${name}; known: ${Object.keys(known).join(', ')}`);
}
