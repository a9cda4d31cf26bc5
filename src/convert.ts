/**
 * `convert()`: run one converter from the registry into the shared writer, and return the summary.
 * The CLI is a thin layer over this function.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { displayPath } from './paths.js';
export { displayPath } from './paths.js';
export { summaryOf } from './summary.js';
import { completeSummary, newSummary, withSummary } from './summary.js';
export { resolveOptions } from './common-options.js';
import { ConversionError, type Diagnostic, type ErrorCode, type Location } from './errors.js';
import { COMMON_KEYS, resolveOptions } from './common-options.js';
import { checkOptions, usageError } from './options.js';
import { findConverter } from './registry.js';
import type { Converter, ConvertOptions, ConverterContext, Summary, Task } from './types.js';
import { writeDataset } from './writer.js';
import { ownOutputFilter } from './kit/own-outputs.js';

/** A failed conversion: the error that stopped it, with the summary of what was seen. */
export interface FailedConversion {
  error: ConversionError;
  summary: Summary;
}

/** Keys a program may pass besides the shared and the converter's own options. */
const CALLBACK_KEYS = new Set(['onProgress', 'onDiagnostic', 'signal', 'stdout', ...COMMON_KEYS]);

/**
 * Converts a dataset.
 *
 * @param converterName a converter's name or alias (`voc-detection`, `voc`, ...), or a converter itself
 * @param input the dataset folder or annotation file
 * @param options the shared options (SPEC §2) plus the converter's own
 * @returns the summary; on failure it throws a ConversionError whose `summary` property holds
 *   what was seen before the failure
 */
export async function convert(converterName: string | Converter, input: string, options: ConvertOptions = {}): Promise<Summary> {
  const converter = typeof converterName === 'string' ? findConverter(converterName) : converterName;
  if (!converter) throw usageError(`unknown converter ${JSON.stringify(converterName)}`);
  const resolved = resolveOptions(options);
  const own = checkOptions(converter.options, options, `the ${converter.name} converter`, CALLBACK_KEYS);
  const task: Task = typeof converter.task === 'function' ? converter.task(own) : converter.task;
  const absInput = resolve(input);
  const summary = newSummary(converter.name, task, input, resolved.dryRun);
  const report = (d: Diagnostic) => options.onDiagnostic?.(d);
  const skip = (error: ConversionError) => {
    if (resolved.onError === 'fail') throw error;
    const d = error.toDiagnostic('error');
    summary.errors.push(d);
    summary.skipped++;
    report(d);
  };
  const ctx: ConverterContext = {
    input: absInput,
    inputArg: input,
    options: resolved,
    own,
    bad(error) {
      skip(error);
      summary.skippedImages++;
    },
    badObject(error) {
      skip(error);
      summary.skippedObjects++;
    },
    warn(code: ErrorCode, message: string, loc: Location = {}) {
      const d = new ConversionError(code, message, loc).toDiagnostic('warning');
      summary.warnings.push(d);
      report(d);
    },
    count(name, by = 1) {
      summary.counts[name] = (summary.counts[name] ?? 0) + by;
    },
    progress(done, total) {
      options.onProgress?.(done, total);
    },
    display: (p) => displayPath(p),
    signal: options.signal,
    isOwnOutput: ownOutputFilter(resolved.out),
  };

  try {
    try {
      await stat(absInput);
    } catch {
      throw new ConversionError('INPUT_NOT_FOUND', 'expected a dataset here, got nothing (it does not exist or cannot be read)', { file: displayPath(absInput) });
    }
    if (resolved.mltable && resolved.baseUrl === '') {
      ctx.warn(
        'BASE_URL_MISSING',
        '--mltable without --base-url: image_url paths are relative (like "can/1.jpg"), which Azure ML cannot resolve from an MLTable; pass --base-url with where the images are uploaded, e.g. --base-url azureml://datastores/workspaceblobstore/paths/<folder>/',
      );
    }
    const inputFiles = (await stat(absInput)).isFile() ? [absInput] : [];
    const hooks = { bad: ctx.bad, warn: ctx.warn, display: ctx.display, signal: options.signal, input: displayPath(absInput), inputFiles };
    const result = await writeDataset(converter.run(ctx), resolved, hooks, options.stdout ?? process.stdout);
    return completeSummary(summary, result);
  } catch (e) {
    throw withSummary(e, summary);
  }
}
