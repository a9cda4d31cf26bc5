/**
 * The command line: parses flags with commander, calls the library, prints.
 * Subcommands of `convert` come from the converter registry.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Chalk, type ChalkInstance } from 'chalk';
export type { CliIo, CommandEnv } from './cli/env.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { convert, displayPath, summaryOf } from './convert.js';
import { ConversionError, type Diagnostic } from './errors.js';
import { CONVERTERS } from './registry.js';
import type { ConvertOptions, Converter, Summary } from './types.js';
import { plannedOutputs, removeTempFilesSync } from './writer.js';
import type { CliIo, CommandEnv } from './cli/env.js';
import { registerSplitCommand } from './commands/split.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerPreviewCommand } from './cli/preview.js';

/**
 * The top-level commands besides `convert`, each adding itself to the program. A new command
 * (validate, stats, ...) plugs in with one line here.
 */
const COMMANDS: readonly ((program: Command, env: CommandEnv) => void)[] = [registerSplitCommand, registerValidateCommand, registerStatsCommand, registerPreviewCommand];

/** The package version: package.json is two folders up from dist/src/cli.js, one up from src/cli.ts (tests). */
const VERSION = ((): string => {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'automl-img' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0';
})();

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('expected a number from 0 up to (not including) 1');
  return n;
}

function parsePrecision(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 15) throw new InvalidArgumentError('expected an integer from 0 to 15');
  return n;
}

/** Shows at most this many diagnostics of one code on stderr; the rest are counted. */
const MAX_SHOWN_PER_CODE = 20;

class Reporter {
  private shown = new Map<string, number>();
  private bar = '';
  private drawnAt = 0;
  constructor(
    private readonly io: CliIo,
    private readonly color: ChalkInstance,
    private readonly quiet: boolean,
    private readonly showProgress: boolean,
  ) {}

  diagnostic(d: Diagnostic): void {
    if (this.quiet && d.severity === 'warning') return;
    const n = (this.shown.get(d.code) ?? 0) + 1;
    this.shown.set(d.code, n);
    if (n > MAX_SHOWN_PER_CODE) return;
    this.clearBar();
    const tag = d.severity === 'error' ? this.color.red('error') : this.color.yellow('warning');
    this.io.stderr.write(`${tag}: ${d.message} ${this.color.dim(`[${d.code}]`)}\n`);
  }

  /** The error that stopped a run: always shown, one plain line. */
  error(e: ConversionError): void {
    this.clearBar();
    this.io.stderr.write(`${this.color.red('error')}: ${e.message} ${this.color.dim(`[${e.code}]`)}\n`);
  }

  hidden(): string[] {
    return [...this.shown].filter(([, n]) => n > MAX_SHOWN_PER_CODE).map(([code, n]) => `${n - MAX_SHOWN_PER_CODE} more ${code} not shown`);
  }

  /** Redraws at most every 100 ms (a terminal write per image would slow large runs). */
  progress(done: number, total: number | undefined): void {
    if (!this.showProgress) return;
    const now = Date.now();
    if (now - this.drawnAt < 100 && done !== total) return;
    this.drawnAt = now;
    const width = 30;
    let text: string;
    if (total) {
      const filled = Math.round((done / total) * width);
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    } else text = `${done} images`;
    if (text === this.bar) return;
    this.bar = text;
    this.io.stderr.write(`\r${this.color.cyan(text)}\x1b[K`);
  }

  clearBar(): void {
    if (this.bar) {
      this.io.stderr.write('\r\x1b[K');
      this.bar = '';
    }
  }

  info(line: string): void {
    if (this.quiet) return;
    this.clearBar();
    this.io.stderr.write(line + '\n');
  }
}

interface SharedFlags {
  out?: string;
  validationRatio?: number;
  seed?: string;
  stratify?: boolean;
  baseUrl?: string;
  root?: string;
  imageDetails?: boolean;
  mltable?: boolean;
  onError?: 'fail' | 'skip';
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  precision?: number;
}

function addSharedOptions(cmd: Command): Command {
  return cmd
    .option('-o, --out <dir>', 'output folder for train_annotations.jsonl and validation_annotations.jsonl; "-" writes every line, unsplit, to stdout')
    .addOption(new Option('--validation-ratio <r>', 'share of images for validation; 0 writes everything to train').argParser(parseRatio).default(0.2))
    .option('--seed <s>', 'changes which images are drawn for validation', '0')
    .option('--stratify', "keep each label's share in both files")
    .option('--base-url <prefix>', 'prefix for image_url, e.g. azureml://datastores/workspaceblobstore/paths/fridge/')
    .option('--root <dir>', 'the dataset root that image_url paths are relative to')
    .option('--no-image-details', 'do not open image files; write image_details only from the annotations')
    .option('--mltable', 'also write the MLTable files Azure ML needs (each JSONL moves into its own folder)')
    .addOption(new Option('--on-error <mode>', 'fail: stop at the first bad item, write nothing; skip: leave it out, report it, go on').choices(['fail', 'skip']).default('fail'))
    .option('--dry-run', 'read and check everything, print what would be written, write nothing')
    .option('--force', 'overwrite existing output files')
    .addOption(new Option('--precision <digits>', 'decimal places for coordinates').argParser(parsePrecision).default(6))
    .option('--json', 'print one JSON summary object on stdout')
    .option('-q, --quiet', 'no progress or info lines')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

function addConverterOptions(cmd: Command, converter: Converter): void {
  for (const o of converter.options) {
    const opt = new Option(o.flags, o.description);
    if (o.choices) opt.choices(o.choices);
    if (o.parse) opt.argParser(o.parse);
    if (o.defaultValue !== undefined) opt.default(o.defaultValue);
    cmd.addOption(opt);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(summary: Summary, toStdout = false): string {
  const where = summary.dryRun ? 'would write' : 'wrote';
  const parts = [
    toStdout ? `${where} ${plural(summary.train + summary.validation, 'line')} to stdout` : `${where} ${plural(summary.train, 'train line')}, ${plural(summary.validation, 'validation line')}`,
  ];
  if (summary.objects) parts.push(plural(summary.objects, 'object'));
  parts.push(plural(Object.keys(summary.labels).length, 'label'));
  if (summary.skipped) parts.push(`${summary.skipped} skipped`);
  if (summary.warnings.length) parts.push(plural(summary.warnings.length, 'warning'));
  for (const [k, v] of Object.entries(summary.counts)) parts.push(`${k}: ${v}`);
  return parts.join(', ');
}

/** What `--json` prints: the summary, stable keys first. */
function jsonSummary(summary: Summary): string {
  const { converter, task, input, train, validation, skipped, errors, warnings, outputs, labels, objects, counts, dryRun, ok } = summary;
  return JSON.stringify({ ok, converter, task, input, train, validation, skipped, errors, warnings, outputs, labels, objects, counts, dryRun }) + '\n';
}

/** Builds the program. Exit codes: 0 done, 1 bad input, 2 wrong usage, 130 interrupted. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void, signal?: AbortSignal): Command {
  const colorFor = (flags: { color?: boolean }) =>
    new Chalk({ level: flags.color === false || (io.env['NO_COLOR'] ?? '') !== '' || io.stderr.isTTY !== true ? 0 : 1 });
  const converterList = Object.values(CONVERTERS)
    .map((c) => `  ${c.name} (alias: ${c.alias})  ${c.description}\n    $ ${c.example}`)
    .join('\n');
  const program = new Command('automl-img')
    .description('Turn image datasets into Azure ML AutoML for Images JSONL.')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .addHelpText('after', `\nConverters (automl-img convert <converter> --help for their options):\n${converterList}\n`);
  const convertCmd = program
    .command('convert')
    .description('convert a dataset into train_annotations.jsonl and validation_annotations.jsonl')
    .addHelpText('after', `\nExamples:\n${Object.values(CONVERTERS).map((c) => `  $ ${c.example}`).join('\n')}\n`);

  for (const converter of Object.values(CONVERTERS)) {
    const sub = convertCmd
      .command(converter.name)
      .alias(converter.alias)
      .description(converter.description)
      .argument(converter.argument, 'the dataset to convert');
    addSharedOptions(sub);
    addConverterOptions(sub, converter);
    sub.addHelpText('after', `\nExample:\n  $ ${converter.example}\n`);
    sub.action(async (input: string, flags: SharedFlags & Record<string, unknown>) => {
      const color = colorFor(flags);
      const reporter = new Reporter(io, color, flags.quiet === true, io.stderr.isTTY === true && flags.quiet !== true && flags.json !== true);
      if (flags.out === '-' && flags.json) {
        throw new ConversionError('USAGE', '--json prints a summary on stdout, which -o - uses for the lines: choose one', {}, { exitCode: 2 });
      }
      if (flags.out === '-' && flags.mltable) {
        throw new ConversionError('USAGE', '--mltable writes files next to the JSONL files, which -o - does not write: choose one', {}, { exitCode: 2 });
      }
      if (flags.out === undefined && !flags.dryRun) {
        throw new ConversionError('USAGE', 'an output is required: -o <dir>, or -o - for stdout, or --dry-run', {}, { exitCode: 2 });
      }
      const options: ConvertOptions = {
        out: flags.out,
        validationRatio: flags.validationRatio,
        seed: flags.seed,
        stratify: flags.stratify ?? false,
        baseUrl: flags.baseUrl,
        root: flags.root,
        imageDetails: flags.imageDetails !== false,
        mltable: flags.mltable ?? false,
        onError: flags.onError,
        dryRun: flags.dryRun ?? false,
        force: flags.force ?? false,
        precision: flags.precision,
        onProgress: (d, t) => reporter.progress(d, t),
        onDiagnostic: (d) => reporter.diagnostic(d),
        signal,
        stdout: io.stdout,
      };
      for (const o of converter.options) options[o.key] = flags[o.key];
      let summary: Summary;
      try {
        summary = await convert(converter.name, input, options);
      } catch (e) {
        reporter.clearBar();
        const failed = summaryOf(e);
        if (e instanceof ConversionError && failed) {
          for (const line of reporter.hidden()) reporter.info(color.dim(line));
          reporter.error(e);
          if (flags.json) io.stdout.write(jsonSummary(failed));
          setExitCode(e.exitCode);
          return;
        }
        throw e;
      }
      reporter.clearBar();
      for (const line of reporter.hidden()) reporter.info(color.dim(line));
      if (flags.json) io.stdout.write(jsonSummary(summary));
      else if (summary.dryRun) {
        // A dry run's report is its output: what would be written, and where.
        const planned = flags.out !== undefined && flags.out !== '-' ? plannedOutputs(resolve(flags.out), options as { mltable: boolean; validationRatio: number }) : [];
        io.stdout.write(describe(summary, flags.out === '-') + planned.map((p) => `\n  ${displayPath(p)}`).join('') + '\n');
      } else {
        reporter.info(color.green(describe(summary, flags.out === '-')) + (summary.outputs.length ? `\n  ${summary.outputs.join('\n  ')}` : ''));
      }
      setExitCode(0);
    });
  }
  for (const register of COMMANDS) register(program, { io, setExitCode, signal, colorFor });
  return program;
}

/** How {@link main} runs. */
export interface MainOptions {
  /** Aborts the run from outside (in-process callers, tests): the command ends with exit 130. */
  signal?: AbortSignal | undefined;
  /**
   * Handle SIGINT/SIGTERM: abort, remove temporary files, print one line, exit 130.
   * Default: true when `io` is the real process's (the bin), false otherwise.
   */
  handleSignals?: boolean | undefined;
}

/** True when `--json` is among the options (before a `--` that ends them). */
function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * What `--json` prints for wrong usage (exit 2), whatever the command: no summary exists yet, so a
 * pipeline reading stdout still gets one object, `ok` false and the error with its code `USAGE`.
 */
function usageJson(message: string): string {
  return JSON.stringify({ ok: false, errors: [{ code: 'USAGE', severity: 'error', message }] }) + '\n';
}

/** Sets `exitOverride` on a command and all its subcommands (usage errors become exceptions). */
function overrideExits(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) overrideExits(sub);
}

/**
 * Runs the CLI: returns the exit code (0 done, 1 bad input, 2 wrong usage, 130 interrupted).
 * Known errors print one plain line each; unknown ones are rethrown so their stack shows.
 */
export async function main(argv: readonly string[], io?: CliIo, options: MainOptions = {}): Promise<number> {
  const handleSignals = options.handleSignals ?? io === undefined;
  const streams: CliIo = io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const controller = new AbortController();
  const outer = options.signal;
  const abortFromOuter = () => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', abortFromOuter, { once: true });
  let exitCode = 0;
  const onSignal = () => {
    controller.abort();
    removeTempFilesSync();
    streams.stderr.write('\ninterrupted: nothing written\n');
    process.exit(130);
  };
  if (handleSignals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const program = createProgram(streams, (c) => (exitCode = c), controller.signal);
  overrideExits(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (asksForJson(argv)) streams.stdout.write(usageJson(e.message.replace(/^error: /, '')));
      return 2;
    }
    if (e instanceof ConversionError) {
      if (e.exitCode === 2 && asksForJson(argv)) streams.stdout.write(usageJson(e.message));
      const color = new Chalk({ level: (streams.env['NO_COLOR'] ?? '') !== '' || streams.stderr.isTTY !== true || argv.includes('--no-color') ? 0 : 1 });
      streams.stderr.write(`${color.red('error')}: ${e.message} ${color.dim(`[${e.code}]`)}\n`);
      return e.exitCode;
    }
    throw e;
  } finally {
    outer?.removeEventListener('abort', abortFromOuter);
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
