/**
 * `convert()`: run one converter from the registry into the shared writer, and return the summary.
 * The CLI is a thin layer over this function.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
export { resolveOptions } from './common-options.js';
import { ConversionError, type Diagnostic, type ErrorCode, type Location } from './errors.js';
import { COMMON_KEYS, resolveOptions } from './common-options.js';
import { checkOptions, usageError } from './options.js';
import { findConverter } from './registry.js';
import type { Converter, ConvertOptions, ConverterContext, Summary, Task } from './types.js';
import { writeDataset, type WriteResult } from './writer.js';

/** A failed conversion: the error that stopped it, with the summary of what was seen. */
export interface FailedConversion {
  error: ConversionError;
  summary: Summary;
}

/** Formats a path for messages: relative to the current directory when inside it, with `/`. */
export function displayPath(absPath: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, absPath);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
  return sep === '/' ? shown : shown.split(sep).join('/');
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
  };

  try {
    try {
      await stat(absInput);
    } catch {
      throw new ConversionError('INPUT_NOT_FOUND', 'expected a dataset here, got nothing (it does not exist or cannot be read)', { file: displayPath(absInput) });
    }
    const result = await writeDataset(converter.run(ctx), resolved, { bad: ctx.bad, display: ctx.display, signal: options.signal, input: displayPath(absInput) }, options.stdout ?? process.stdout);
    return completeSummary(summary, result);
  } catch (e) {
    throw withSummary(e, summary);
  }
}

/** A summary before anything is read: nothing written, not done. */
export function newSummary(converter: string, task: Task, input: string, dryRun: boolean): Summary {
  return { converter, task, input, train: 0, validation: 0, skipped: 0, skippedImages: 0, skippedObjects: 0, errors: [], warnings: [], outputs: [], labels: {}, objects: 0, counts: {}, dryRun, ok: false };
}

/** Fills a summary from what the writer wrote, and marks it done. */
export function completeSummary(summary: Summary, result: WriteResult): Summary {
  Object.assign(summary, {
    train: result.train,
    validation: result.validation,
    outputs: result.outputs.map((o) => displayPath(o)),
    labels: result.labels,
    objects: result.objects,
    ok: true,
  });
  return summary;
}

/** Records a ConversionError in the summary and attaches the summary to it (see {@link summaryOf}); returns the error. */
export function withSummary(e: unknown, summary: Summary): unknown {
  if (e instanceof ConversionError) {
    summary.errors.push(e.toDiagnostic('error'));
    Object.defineProperty(e, 'summary', { value: summary, enumerable: false });
  }
  return e;
}

/** The summary attached to an error thrown by {@link convert}, when there is one. */
export function summaryOf(error: unknown): Summary | undefined {
  return error instanceof ConversionError ? ((error as unknown as { summary?: Summary }).summary ?? undefined) : undefined;
}
