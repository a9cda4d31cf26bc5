/**
 * What the voc-detection tests share (voc-detection.test.ts, voc-detection-realdata.slow.test.ts): a run,
 * a failure, and a run's lines parsed.
 */
import type { ConversionError } from '../../src/errors.js';
import type { BoxLabel, ConvertOptions } from '../../src/types.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';

export const run = (root: string, options: ConvertOptions = {}): Promise<Run> => runConversion('voc', root, options);

export const failure = (root: string, options: ConvertOptions = {}): Promise<ConversionError> => conversionFailure('voc-detection', root, options);

/** Every line of a run, parsed. */
export const lines = (r: Run) =>
  (r.train + r.validation)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { image_url: string; image_details?: Record<string, unknown>; label: BoxLabel[] });
