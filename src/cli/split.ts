/**
 * `automl-img split <file.jsonl>`: flags to options, the library's `splitJsonl`, and what it printed.
 *
 * @example
 *   automl-img split all.jsonl -o out/ --validation-ratio 0.2 --stratify
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ConversionError, type Diagnostic } from '../errors.js';
import { SPLIT_OPTIONS } from '../jsonl/split-options.js';
import { commanderOption, valuesOf } from './options.js';
import { displayPath } from '../paths.js';
import type { Summary } from '../types.js';
import type { CommandEnv } from './env.js';

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

interface SplitFlags {
  out?: string;
  validationRatio?: number;
  mltable?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Adds `split <file.jsonl>` to the program. */
export function registerSplitCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  const cmd = program
    .command('split')
    .description('split an existing JSONL into train and validation files with the same splitter as convert')
    .argument('<file.jsonl>', 'the JSONL to split (image_url is the key)');
  for (const spec of Object.values(SPLIT_OPTIONS)) cmd.addOption(commanderOption(spec));
  cmd
    .option('--json', 'print one JSON summary object on stdout')
    .option('-q, --quiet', 'no progress, no info lines, no warnings; errors are still printed')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText('after', '\nExample:\n  $ automl-img split all_annotations.jsonl -o out/ --validation-ratio 0.1 --stratify\n')
    .action(async (input: string, flags: SplitFlags) => {
      const color = env.colorFor(flags);
      if (flags.out === '-' && flags.json) throw usage('--json prints a summary on stdout, which -o - uses for the lines: choose one');
      const print = (d: Diagnostic) => {
        if (flags.quiet && d.severity === 'warning') return;
        const tag = d.severity === 'error' ? color.red('error') : color.yellow('warning');
        io.stderr.write(`${tag}: ${d.message} ${color.dim(`[${d.code}]`)}\n`);
      };
      const json = (s: Summary) => {
        const { ok, converter, task, train, validation, skipped, errors, warnings, outputs, labels, objects, dryRun } = s;
        io.stdout.write(JSON.stringify({ ok, converter, task, input: s.input, train, validation, skipped, errors, warnings, outputs, labels, objects, dryRun }) + '\n');
      };
      // The splitter and the writer load when the command runs, not at every start.
      const { splitJsonl } = await import('../jsonl/split.js');
      let summary: Summary;
      try {
        summary = await splitJsonl(input, {
          ...valuesOf(SPLIT_OPTIONS, flags as Record<string, unknown>),
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
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
      const lines = summary.train + summary.validation;
      const written =
        flags.out === '-'
          ? summary.stdoutClosed
            ? `stdout was closed by its reader: not every one of the ${plural(lines, 'line')} was read`
            : `${where} ${plural(lines, 'line')} to stdout`
          : `${where} ${plural(summary.train, 'train line')}, ${plural(summary.validation, 'validation line')}`;
      const line = `${written}${summary.skipped ? `, ${summary.skipped} skipped` : ''}`;
      if (flags.json) json(summary);
      else if (summary.dryRun) {
        const { plannedOutputs } = await import('../writer.js');
        const planned = flags.out !== undefined && flags.out !== '-' ? plannedOutputs(resolve(flags.out), { mltable: flags.mltable ?? false, validationRatio: flags.validationRatio ?? 0.2 }) : [];
        io.stdout.write(line + planned.map((p) => `\n  ${displayPath(p)}`).join('') + '\n');
      } else if (!flags.quiet) io.stderr.write(color.green(line) + summary.outputs.map((o) => `\n  ${o}`).join('') + '\n');
      setExitCode(0);
    });
}
