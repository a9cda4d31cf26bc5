/**
 * `convert()`: run one converter from the registry into the shared writer, and return the summary.
 * The CLI is a thin layer over this function.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConversionError, type Diagnostic, type ErrorCode, type Location } from './errors.js';
import { findConverter } from './registry.js';
import type { ConvertOptions, ConverterContext, ResolvedOptions, Summary, Task } from './types.js';
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

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

/** Applies defaults to the shared options and checks their ranges (USAGE errors, exit 2). */
export function resolveOptions(options: ConvertOptions): ResolvedOptions {
  const ratio = options.validationRatio ?? 0.2;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) {
    throw usage(`--validation-ratio must be a number in [0, 1), got ${String(ratio)}`);
  }
  const precision = options.precision ?? 6;
  if (!Number.isInteger(precision) || precision < 0 || precision > 15) {
    throw usage(`--precision must be an integer from 0 to 15, got ${String(precision)}`);
  }
  const onError = options.onError ?? 'fail';
  if (onError !== 'fail' && onError !== 'skip') throw usage(`--on-error must be fail or skip, got ${String(onError)}`);
  const dryRun = options.dryRun ?? false;
  if (options.out === undefined && !dryRun) throw usage('an output is required: -o <dir>, or -o - for stdout, or --dry-run');
  return {
    out: options.out === undefined || options.out === '-' ? options.out : resolve(options.out),
    validationRatio: ratio,
    seed: options.seed === undefined ? '0' : String(options.seed),
    stratify: options.stratify ?? false,
    baseUrl: options.baseUrl ?? '',
    root: options.root === undefined ? undefined : resolve(options.root),
    imageDetails: options.imageDetails ?? true,
    mltable: options.mltable ?? false,
    onError,
    dryRun,
    force: options.force ?? false,
    precision,
  };
}

const COMMON_KEYS = new Set([
  'out', 'validationRatio', 'seed', 'stratify', 'baseUrl', 'root', 'imageDetails', 'mltable', 'onError',
  'dryRun', 'force', 'precision', 'onProgress', 'onDiagnostic', 'signal', 'stdout',
]);

/**
 * Converts a dataset.
 *
 * @param converterName a converter's name or alias (`voc-detection`, `voc`, ...)
 * @param input the dataset folder or annotation file
 * @param options the shared options (SPEC §2) plus the converter's own
 * @returns the summary; on failure it throws a ConversionError whose `summary` property holds
 *   what was seen before the failure
 */
export async function convert(converterName: string, input: string, options: ConvertOptions = {}): Promise<Summary> {
  const converter = findConverter(converterName);
  if (!converter) throw usage(`unknown converter ${JSON.stringify(converterName)}`);
  const resolved = resolveOptions(options);
  const extra: Record<string, unknown> = {};
  for (const opt of converter.options) {
    extra[opt.key] = options[opt.key] ?? opt.defaultValue;
  }
  for (const key of Object.keys(options)) {
    if (!COMMON_KEYS.has(key) && !(key in extra) && options[key] !== undefined) {
      throw usage(`the ${converter.name} converter has no option ${JSON.stringify(key)}`);
    }
  }
  const task: Task = typeof converter.task === 'function' ? converter.task(extra) : converter.task;
  const absInput = resolve(input);
  const summary = newSummary(converter.name, task, input, resolved.dryRun);
  const report = (d: Diagnostic) => options.onDiagnostic?.(d);
  const ctx: ConverterContext = {
    input: absInput,
    inputArg: input,
    options: resolved,
    extra,
    bad(error) {
      if (resolved.onError === 'fail') throw error;
      const d = error.toDiagnostic('error');
      summary.errors.push(d);
      summary.skipped++;
      report(d);
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
  return { converter, task, input, train: 0, validation: 0, skipped: 0, errors: [], warnings: [], outputs: [], labels: {}, objects: 0, counts: {}, dryRun, ok: false };
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
