/**
 * The command line: builds the commander program from the commands of `src/cli/` and runs it
 * (`main`), with exit codes, Ctrl-C and the printing of known errors. The bin calls {@link main}.
 *
 * @example
 *   process.exitCode = await main(process.argv.slice(2));
 */
import { Command, CommanderError } from 'commander';
import { Chalk } from 'chalk';
import { readFileSync } from 'node:fs';
import { ConversionError } from '../errors.js';
import { CONVERTERS } from '../registry.js';
import { registerConvertCommand } from './convert.js';
import { registerEvaluateCommand } from './evaluate.js';
import { registerExportCommand } from './export.js';
import { registerPreviewCommand } from './preview.js';
import { registerRequestCommand } from './request.js';
import { registerScoreCommand } from './score.js';
import { ignoreLoss, wantsColor, type CliIo, type CommandEnv } from './env.js';
import { Interrupts } from './signals.js';
import { registerSplitCommand } from './split.js';
import { registerStatsCommand } from './stats.js';
import { registerValidateCommand } from './validate.js';
export type { CliIo, CommandEnv } from './env.js';

/** Every command, each adding itself to the program. A new command plugs in with one line here. */
const COMMANDS: readonly ((program: Command, env: CommandEnv) => void)[] = [
  registerConvertCommand,
  registerSplitCommand,
  registerValidateCommand,
  registerStatsCommand,
  registerRequestCommand,
  registerScoreCommand,
  registerPreviewCommand,
  registerEvaluateCommand,
  registerExportCommand,
];

/** The package version: package.json is three folders up from dist/src/cli/main.js, two up from src/cli/main.ts (tests). */
const VERSION = ((): string => {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'automl-img' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0';
})();

/** Builds the program. Exit codes: 0 done, 1 bad input, 2 wrong usage, 130 interrupted. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void, signal?: AbortSignal): Command {
  const colorFor = (flags: { color?: boolean }) => new Chalk({ level: wantsColor(io, flags.color === false) ? 1 : 0 });
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
      // Usage errors carry their code like every other problem: `error: unknown option '--x' [USAGE]`.
      outputError: (s, write) => write(s.replace(/^(error: [^\n]*?)(\n|$)/, '$1 [USAGE]$2')),
    })
    .addHelpText('after', `\nConverters (automl-img convert <converter> --help for their options):\n${converterList}\n`);
  for (const register of COMMANDS) register(program, { io, setExitCode, signal, colorFor });
  return program;
}

/** How {@link main} runs. */
export interface MainOptions {
  /** Aborts the run from outside (in-process callers, tests): the command ends with exit 130. */
  signal?: AbortSignal | undefined;
  /**
   * Handle SIGINT/SIGTERM (see src/cli/signals.ts), and make a closed stdout or stderr harmless.
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
  const interrupts = handleSignals ? new Interrupts(controller, streams, asksForJson(argv)) : undefined;
  interrupts?.install();
  if (handleSignals) {
    ignoreLoss(streams.stdout);
    ignoreLoss(streams.stderr);
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
      const color = new Chalk({ level: wantsColor(streams, argv.includes('--no-color')) ? 1 : 0 });
      streams.stderr.write(`${color.red('error')}: ${e.message} ${color.dim(`[${e.code}]`)}\n`);
      return e.exitCode;
    }
    throw e;
  } finally {
    outer?.removeEventListener('abort', abortFromOuter);
    interrupts?.finish();
  }
}
