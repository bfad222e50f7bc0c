/**
 * The examples the model page, the metadata route and the deploy message show: a row built
 * from the signature alone, and the curl calls that send it.
 */
import type { LoadedModel } from './loaded-model.ts';

export function curlExample(predictUrl: string, row: Record<string, unknown>, key: string | null): string {
  const body = JSON.stringify([row]).replace(/'/g, `'\\''`);
  return `curl -s -X POST '${predictUrl}' \\\n  -H 'Authorization: Bearer ${key ?? '$OURO_KEY'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${body}'`;
}

/** Example dates in each format the cleaner reads (deploy/clean-values.ts), so the example validates. */
const EXAMPLE_DATES: Record<string, string> = {
  iso: '2024-01-31',
  dmy: '31/01/2024',
  mdy: '01/31/2024',
  text: 'Jan 31, 2024',
};

/**
 * A row to show in examples (the public model page, the metadata the chat bot quotes), built
 * from the signature alone: never a row of the data, which may be personal. A categorical gets
 * its most frequent training category (the signature lists them by frequency); numbers get 0,
 * since neither the signature nor the card records a typical value; booleans true; dates a
 * fixed date in the column's format.
 */
export function exampleRow(model: Pick<LoadedModel, 'features'>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of model.features) {
    if (f.meant === 'categorical') row[f.name] = f.categories?.[0] ?? 'value';
    else if (f.meant === 'boolean') row[f.name] = true;
    else if (f.meant === 'datetime') row[f.name] = EXAMPLE_DATES[f.format ?? 'iso'] ?? EXAMPLE_DATES.iso;
    else if (f.meant === 'text') row[f.name] = 'some free text';
    else row[f.name] = 0;
  }
  return row;
}

/** curl for "the next H values" of a forecasting model. */
export function forecastCurl(
  forecastUrl: string,
  series: string | null,
  horizon: number,
  key: string | null,
): string {
  const body = JSON.stringify({ ...(series !== null ? { series } : {}), horizon }).replace(/'/g, `'\\''`);
  return `curl -s -X POST '${forecastUrl}' \\\n  -H 'Authorization: Bearer ${key ?? '$OURO_KEY'}' \\\n  -H 'Content-Type: application/json' \\\n  -d '${body}'`;
}
