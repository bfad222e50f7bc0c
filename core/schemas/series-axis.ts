import { z } from 'zod';

/** How a forecasting run read its series: shared by the model card and the serving signature. */
export const SeriesAxisSchema = z.object({
  dateColumn: z.string(),
  idColumn: z.string().nullable(),
  frequency: z.string(),
  frequencyLabel: z.string(),
  seasonLength: z.number().int(),
});
