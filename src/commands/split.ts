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
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { completeSummary, displayPath, newSummary, withSummary } from '../convert.js';
import { ConversionError, describeValue, type Diagnostic } from '../errors.js';
import type { OnError, Summary, Task } from '../types.js';
import { plannedOutputs, writeLines, type LineItem } from '../writer.js';
import type { CommandEnv } from '../cli/env.js';

/** Options of {@link splitJsonl}: the output options of `convert`. */
export interface SplitJsonlOptions {
  /** Output folder, or `'-'` for stdout (every line, sorted, unsplit). Required unless dryRun. */
  out?: string | undefined;
  /** Share of lines for validation, in [0, 1). Default 0.2. */
  validationRatio?: number | undefined;
  /** Default `'0'`. */
  seed?: string | undefined;
  stratify?: boolean | undefined;
  mltable?: boolean | undefined;
  onError?: OnError | undefined;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Where `out: '-'` writes the lines. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream | undefined;
}

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

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
  const ratio = options.validationRatio ?? 0.2;
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio >= 1) throw usage(`--validation-ratio must be a number in [0, 1), got ${String(ratio)}`);
  const onError = options.onError ?? 'fail';
  const dryRun = options.dryRun ?? false;
  if (options.out === undefined && !dryRun) throw usage('an output is required: -o <dir>, or -o - for stdout, or --dry-run');
  const absInput = resolve(input);
  const out = options.out === undefined || options.out === '-' ? options.out : resolve(options.out);
  const resolved = {
    out,
    validationRatio: ratio,
    seed: options.seed ?? '0',
    stratify: options.stratify ?? false,
    mltable: options.mltable ?? false,
    dryRun,
    force: options.force ?? false,
  };
  if (out !== undefined && out !== '-' && plannedOutputs(out, resolved).includes(absInput)) {
    throw usage(`${input} is also an output of this split: write to another folder (the input is never touched)`);
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
  let task: Task | undefined;

  async function* lines(): AsyncGenerator<LineItem> {
    const rl = createInterface({ input: createReadStream(absInput, { encoding: 'utf8' }), crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const raw of rl) {
        n++;
        const text = n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
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
    } finally {
      rl.close();
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
    const result = await writeLines(lines(), resolved, { bad, display: (p) => displayPath(p), signal: options.signal, input: file }, options.stdout ?? process.stdout);
    summary.task = task ?? 'object-detection';
    return completeSummary(summary, result);
  } catch (e) {
    throw withSummary(e, summary);
  }
}

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('expected a number from 0 up to (not including) 1');
  return n;
}

interface SplitFlags {
  out?: string;
  validationRatio: number;
  seed: string;
  stratify?: boolean;
  mltable?: boolean;
  onError: OnError;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Adds `split <file.jsonl>` to the program. */
export function registerSplitCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('split')
    .description('split an existing JSONL into train and validation files with the same splitter as convert')
    .argument('<file.jsonl>', 'the JSONL to split (image_url is the key)')
    .option('-o, --out <dir>', 'output folder for train_annotations.jsonl and validation_annotations.jsonl; "-" writes every line, sorted, to stdout')
    .addOption(new Option('--validation-ratio <r>', 'share of lines for validation; 0 writes everything to train').argParser(parseRatio).default(0.2))
    .option('--seed <s>', 'changes which lines are drawn for validation', '0')
    .option('--stratify', "keep each label's share in both files")
    .option('--mltable', 'also write the MLTable files Azure ML needs (each JSONL moves into its own folder)')
    .addOption(new Option('--on-error <mode>', 'fail: stop at the first bad line, write nothing; skip: leave it out, report it, go on').choices(['fail', 'skip']).default('fail'))
    .option('--dry-run', 'read and check everything, print what would be written, write nothing')
    .option('--force', 'overwrite existing output files')
    .option('--json', 'print one JSON summary object on stdout')
    .option('-q, --quiet', 'no info lines')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', '\nExample:\n  $ automl-img split all_annotations.jsonl -o out/ --validation-ratio 0.1 --stratify\n')
    .action(async (input: string, flags: SplitFlags) => {
      const color = env.colorFor(flags);
      if (flags.out === '-' && flags.json) throw usage('--json prints a summary on stdout, which -o - uses for the lines: choose one');
      if (flags.out === '-' && flags.mltable) throw usage('--mltable writes files next to the JSONL files, which -o - does not write: choose one');
      const print = (d: Diagnostic) => {
        if (flags.quiet && d.severity === 'warning') return;
        const tag = d.severity === 'error' ? color.red('error') : color.yellow('warning');
        io.stderr.write(`${tag}: ${d.message} ${color.dim(`[${d.code}]`)}\n`);
      };
      const json = (s: Summary) => {
        const { ok, converter, task, train, validation, skipped, errors, warnings, outputs, labels, objects, dryRun } = s;
        io.stdout.write(JSON.stringify({ ok, converter, task, input: s.input, train, validation, skipped, errors, warnings, outputs, labels, objects, dryRun }) + '\n');
      };
      let summary: Summary;
      try {
        summary = await splitJsonl(input, {
          out: flags.out,
          validationRatio: flags.validationRatio,
          seed: flags.seed,
          stratify: flags.stratify ?? false,
          mltable: flags.mltable ?? false,
          onError: flags.onError,
          dryRun: flags.dryRun ?? false,
          force: flags.force ?? false,
          onDiagnostic: print,
          signal,
          stdout: io.stdout,
        });
      } catch (e) {
        const failed = e instanceof ConversionError ? ((e as unknown as { summary?: Summary }).summary ?? undefined) : undefined;
        if (!(e instanceof ConversionError) || !failed) throw e;
        print(e.toDiagnostic('error'));
        if (flags.json) json(failed);
        setExitCode(e.exitCode);
        return;
      }
      const where = summary.dryRun ? 'would write' : 'wrote';
      const line = `${where} ${summary.train} train, ${summary.validation} validation lines${summary.skipped ? `, ${summary.skipped} skipped` : ''}`;
      if (flags.json) json(summary);
      else if (summary.dryRun) {
        const planned = flags.out !== undefined && flags.out !== '-' ? plannedOutputs(resolve(flags.out), { mltable: flags.mltable ?? false, validationRatio: flags.validationRatio }) : [];
        io.stdout.write(line + planned.map((p) => `\n  ${displayPath(p)}`).join('') + '\n');
      } else if (!flags.quiet) io.stderr.write(color.green(line) + summary.outputs.map((o) => `\n  ${o}`).join('') + '\n');
      setExitCode(0);
    });
}
