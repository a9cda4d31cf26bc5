/**
 * The summary of a run (`convert`, `split`): what `--json` prints. Made empty before anything is
 * read, completed from what the writer wrote, and attached to the error that stopped a run.
 *
 * @example
 *   try { await convert('voc', dir, { out }); } catch (e) { console.error(summaryOf(e)?.errors); }
 */
import { ConversionError } from './errors.js';
import { displayPath } from './paths.js';
import type { Summary, Task } from './types.js';
import type { WriteResult } from './writer.js';

/** A summary before anything is read: nothing written, not done. */
export function newSummary(converter: string, task: Task, input: string, dryRun: boolean): Summary {
  return {
    converter,
    task,
    input,
    train: 0,
    validation: 0,
    skipped: 0,
    skippedImages: 0,
    skippedObjects: 0,
    errors: [],
    warnings: [],
    outputs: [],
    labels: {},
    objects: 0,
    counts: {},
    dryRun,
    ok: false,
  };
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
  if (result.stdoutClosed) summary.stdoutClosed = true;
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
