/**
 * Running a converter in-process, for converter tests: the outputs as strings, or the error it fails with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions, Summary } from '../../src/types.js';
import { makeTempDir, removeDir } from './fs.js';

/** What a successful conversion wrote. */
export interface Run {
  summary: Summary;
  /** `train_annotations.jsonl`, or `''` when it was not written. */
  train: string;
  /** `validation_annotations.jsonl`, or `''` when it was not written. */
  validation: string;
}

/** Converts `input` with `converter` into a fresh folder (removed afterwards); returns the summary and both files. */
export async function runConversion(converter: string, input: string, options: ConvertOptions = {}): Promise<Run> {
  const out = makeTempDir(`${converter}-out-`);
  try {
    const summary = await convert(converter, input, { out, ...options });
    const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
    return { summary, train: read('train_annotations.jsonl'), validation: read('validation_annotations.jsonl') };
  } finally {
    removeDir(out);
  }
}

/** The ConversionError a dry run of `converter` on `input` fails with; throws when it does not fail. */
export async function conversionFailure(converter: string, input: string, options: ConvertOptions = {}): Promise<ConversionError> {
  try {
    await convert(converter, input, { dryRun: true, ...options });
  } catch (e) {
    if (e instanceof ConversionError) return e;
    throw e;
  }
  throw new Error('expected the conversion to fail');
}

/** The ConversionError `fn` throws synchronously; throws when it throws nothing or something else. */
export function thrown(fn: () => unknown): ConversionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConversionError) return e;
    throw e;
  }
  throw new Error('expected a ConversionError');
}
