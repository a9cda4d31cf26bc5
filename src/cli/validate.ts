/**
 * `automl-img validate <file.jsonl...>`: checks AutoML JSONL files against SPEC §1 and reports what
 * the AutoML runtime would do with each line (the checks live in `../jsonl/`).
 *
 * @example
 *   automl-img validate out/*.jsonl --images-root data/
 *   → one line per finding on stderr, a summary line on stdout; exit 1 when any finding is an error
 */
import { Option, type Command } from 'commander';
import { FINDING_CODES, TASKS, type Finding, type FindingCode } from '../jsonl/check.js';
import type { ValidationReport } from '../jsonl/validate.js';
import type { Task } from '../types.js';
import type { CommandEnv } from './env.js';
import { commanderOption } from './options.js';
import { SPLIT_OPTIONS } from '../jsonl/split-options.js';

const MAX_LINE_BYTES_OPTION = SPLIT_OPTIONS.maxLineBytes;

/** Shows at most this many findings of one code on stderr; the rest are counted. */
const MAX_SHOWN_PER_CODE = 20;

interface ValidateFlags {
  task?: Task;
  imagesRoot?: string;
  baseUrl?: string;
  verifyImages: boolean;
  json?: boolean;
  strict?: boolean;
  quiet?: boolean;
  color?: boolean;
  maxLineBytes?: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary line of a report. */
export function describeReport(r: ValidationReport): string {
  const tasks = [...new Set(Object.values(r.tasks).filter((t): t is Task => t !== null))];
  const head = `checked ${plural(r.files, 'file')}${tasks.length ? ` (${tasks.join(', ')})` : ''}, ${plural(r.lines, 'line')}, ${plural(r.images, 'image')}`;
  if (r.counts.errors + r.counts.warnings === 0) return `${head}: no problems found`;
  let text = `${head}: ${plural(r.counts.errors, 'error')}, ${plural(r.counts.warnings, 'warning')}`;
  const { images, objects, rings } = r.dropped;
  const drops = [images && plural(images, 'image'), objects && plural(objects, 'object'), rings && plural(rings, 'ring')].filter(Boolean);
  if (drops.length) text += `; AutoML would drop ${drops.join(', ')}`;
  if (r.failedLoads.length) text += `; the data load fails for ${r.failedLoads.join(', ')}`;
  return text;
}

/** Adds `validate <file.jsonl...>` to the program. */
export function registerValidateCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('validate')
    .description("check JSONL files against the AutoML schema and the runtime's rules; exit 1 when any finding is an error")
    .argument('<file.jsonl...>', 'the JSONL files to check ("-" reads standard input); duplicate image_urls are looked for across all of them')
    .addOption(new Option('--task <task>', 'the task every line must have (default: detected per file from its first labelled line)').choices(TASKS))
    .option('--images-root <dir>', 'also check that each image exists under <dir> and its header can be read and agrees with image_details')
    .option('--base-url <prefix>', 'with --images-root: the prefix to remove from image_url before looking the image up')
    .option('--no-verify-images', 'with --images-root: read image headers only, without checking that each file is whole (its end marker, its pixels inside the file)')
    .option('--json', 'print {files, lines, images, findings, counts, ...} on stdout instead of plain lines')
    .option('--strict', 'exit 1 on warnings too (a duplicate image_url, an unknown key...)')
    .option('-q, --quiet', 'show errors only (warnings are still counted) and no summary line')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addOption(commanderOption(MAX_LINE_BYTES_OPTION))
    .addHelpText(
      'after',
      `\nFinding codes (severity):\n${Object.entries(FINDING_CODES)
        .map(([code, info]) => `  ${code} (${info.severity})`)
        .join(
          '\n',
        )}\n\nExamples:\n  $ automl-img validate out/train_annotations.jsonl out/validation_annotations.jsonl --images-root data/\n  $ automl-img convert voc data/ -o - | automl-img validate -\n`,
    )
    .action(async (files: string[], flags: ValidateFlags) => {
      const color = env.colorFor(flags);
      const shown = new Map<FindingCode, number>();
      const print = (f: Finding) => {
        if (flags.quiet && f.severity === 'warning') return;
        const n = (shown.get(f.code) ?? 0) + 1;
        shown.set(f.code, n);
        if (n > MAX_SHOWN_PER_CODE) return;
        const tag = f.severity === 'error' ? color.red('error') : color.yellow('warning');
        io.stderr.write(`${tag}: ${f.message} ${color.dim(`[${f.code}]`)}\n`);
      };
      const { validateJsonl } = await import('../jsonl/validate.js');
      const report = await validateJsonl(files, {
        task: flags.task,
        imagesRoot: flags.imagesRoot,
        baseUrl: flags.baseUrl,
        verifyImages: flags.verifyImages,
        onFinding: flags.json ? undefined : print,
        collect: flags.json === true,
        maxLineBytes: flags.maxLineBytes,
        signal,
      });
      if (flags.json) {
        const { files: n, lines, images, findings, counts, tasks, dropped, failedLoads, ok } = report;
        io.stdout.write(JSON.stringify({ files: n, lines, images, findings, counts, tasks, dropped, failedLoads, ok }) + '\n');
      } else {
        for (const [code, n] of shown) if (n > MAX_SHOWN_PER_CODE) io.stderr.write(color.dim(`${n - MAX_SHOWN_PER_CODE} more ${code} not shown\n`));
        if (!flags.quiet) io.stdout.write(describeReport(report) + '\n');
      }
      setExitCode(report.ok && !(flags.strict && report.counts.warnings > 0) ? 0 : 1);
    });
}
