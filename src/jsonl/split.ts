/**
 * `automl-img split <file.jsonl>`: the SPEC §3 splitter applied to an existing JSONL.
 *
 * @example
 *   automl-img split all.jsonl -o out/ --validation-ratio 0.2 --stratify
 *   all.jsonl (one line per image)  →  out/train_annotations.jsonl + out/validation_annotations.jsonl
 *
 * The file is read as a stream. Each line's key is its `image_url` (the split key and the sort
 * key); its labels (for `--stratify`) are the names in its `label`. Lines are copied byte for byte,
 * not re-serialised. Blank lines are left out. A line that is not a JSON object with a string
 * `image_url`, or that repeats an `image_url`, is a bad item (`--on-error skip` leaves it out).
 */
import { stat } from 'node:fs/promises';
import { lineTooLongDetail, readJsonlLines } from './read.js';
import { SPLIT_OPTIONS } from './split-options.js';
import { resolve } from 'node:path';
import { completeSummary, newSummary, withSummary } from '../summary.js';
import { displayPath } from '../paths.js';
import { ConversionError, describeValue, type Diagnostic, type ErrorCode, type Location } from '../errors.js';
import type { Summary, Task } from '../types.js';
import { plannedOutputs, writeLines, type LineItem } from '../writer.js';
import { checkOutputRules } from '../common-options.js';
import { checkOptions, usageError, type OptionValues } from '../options.js';

export { SPLIT_OPTIONS } from './split-options.js';

/** Options of {@link splitJsonl}: {@link SPLIT_OPTIONS} as a program passes them, and where to report. */
export type SplitJsonlOptions = Partial<OptionValues<typeof SPLIT_OPTIONS>> & {
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Where `out: '-'` writes the lines. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream | undefined;
};

const CALLBACK_KEYS = new Set(['onDiagnostic', 'signal', 'stdout']);

/** The label names of a parsed line, and the task its label suggests. */
function labelsOf(label: unknown): { names: string[]; objects: number; task: Task | undefined } {
  if (typeof label === 'string') return { names: [label], objects: 0, task: 'multi-class' };
  if (!Array.isArray(label)) return { names: [], objects: 0, task: undefined };
  const names = new Set<string>();
  let objects = 0;
  let task: Task | undefined;
  for (const item of label) {
    if (typeof item === 'string') {
      names.add(item);
      task = 'multi-label';
    } else if (typeof item === 'object' && item !== null) {
      objects++;
      const o = item as Record<string, unknown>;
      if (typeof o['label'] === 'string') names.add(o['label']);
      task = 'polygon' in o ? 'instance-segmentation' : 'object-detection';
    }
  }
  return { names: [...names], objects, task };
}

/**
 * Splits an existing JSONL file into train and validation files with the SPEC §3 splitter.
 * @returns the summary (`converter: 'split'`); on failure throws a ConversionError whose summary
 *   ({@link summaryOf}) holds what was seen.
 */
export async function splitJsonl(input: string, options: SplitJsonlOptions = {}): Promise<Summary> {
  const values = checkOptions(SPLIT_OPTIONS, options, 'split', CALLBACK_KEYS);
  checkOutputRules(values);
  const { onError, dryRun } = values;
  const absInput = resolve(input);
  const out = values.out === undefined || values.out === '-' ? values.out : resolve(values.out);
  const resolved = { ...values, out };
  if (out !== undefined && out !== '-' && plannedOutputs(out, resolved).includes(absInput)) {
    throw usageError(`${input} is also an output of this split: write to another folder (the input is never touched)`);
  }
  const file = displayPath(absInput);
  const summary = newSummary('split', 'multi-class', input, dryRun);

  const bad = (error: ConversionError) => {
    if (onError === 'fail') throw error;
    const d = error.toDiagnostic('error');
    summary.errors.push(d);
    summary.skipped++;
    options.onDiagnostic?.(d);
  };
  const warn = (code: ErrorCode, message: string, loc: Location = {}) => {
    const d = new ConversionError(code, message, loc).toDiagnostic('warning');
    summary.warnings.push(d);
    options.onDiagnostic?.(d);
  };
  let task: Task | undefined;

  async function* lines(): AsyncGenerator<LineItem> {
    for await (const { line: n, text, tooLong } of readJsonlLines(absInput, { maxLineBytes: values.maxLineBytes, tooLong: 'yield' })) {
      if (tooLong !== undefined) {
        bad(new ConversionError('LINE_TOO_LONG', lineTooLongDetail(tooLong, values.maxLineBytes), { file, line: n }));
        continue;
      }
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        bad(new ConversionError('JSON_PARSE', `expected a JSON object, got malformed JSON (${(e as Error).message})`, { file, line: n }));
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        bad(new ConversionError('JSON_BAD_VALUE', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : describeValue(value)}`, { file, line: n }));
        continue;
      }
      const url = (value as Record<string, unknown>)['image_url'];
      if (typeof url !== 'string' || url === '') {
        const code = url === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE';
        bad(new ConversionError(code, `expected a non-empty string, got ${describeValue(url)}`, { file, line: n, path: 'image_url' }));
        continue;
      }
      const { names, objects, task: t } = labelsOf((value as Record<string, unknown>)['label']);
      task ??= t;
      yield { key: url, line: text, labels: names, objects, loc: { file, line: n } };
    }
  }

  try {
    let s;
    try {
      s = await stat(absInput);
    } catch {
      throw new ConversionError('INPUT_NOT_FOUND', 'the input does not exist or cannot be read', { file: input });
    }
    if (!s.isFile()) throw new ConversionError('INPUT_LAYOUT', 'expected a JSONL file, got a folder', { file: input });
    const result = await writeLines(lines(), resolved, { bad, display: (p) => displayPath(p), signal: options.signal, input: file, inputFiles: [absInput], warn }, options.stdout ?? process.stdout);
    summary.task = task ?? 'object-detection';
    return completeSummary(summary, result);
  } catch (e) {
    throw withSummary(e, summary);
  }
}
