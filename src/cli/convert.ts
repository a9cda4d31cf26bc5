/**
 * `automl-img convert <converter> <input>`: one subcommand per converter of the registry, its flags
 * made from the shared options table and the converter's own declarations; calls the library's
 * `convert()` and prints what it did.
 *
 * @example
 *   automl-img convert voc ./odFridgeObjects -o out/ --stratify
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { COMMON_OPTIONS } from '../common-options.js';
import { ConversionError } from '../errors.js';
import { displayPath } from '../paths.js';
import { CONVERTERS } from '../registry.js';
import type { ConvertOptions, Summary } from '../types.js';
import type { CommandEnv } from './env.js';
import { commanderOption, valuesOf } from './options.js';
import { Reporter } from './report.js';

/** Flags of the CLI alone (how to print), beside the shared and the converter's own options. */
interface PrintFlags {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

function addSharedOptions(cmd: Command): Command {
  for (const spec of Object.values(COMMON_OPTIONS)) cmd.addOption(commanderOption(spec));
  return cmd
    .option('--json', 'print one JSON summary object on stdout')
    .option('-q, --quiet', 'no progress, no info lines, no warnings; errors are still printed')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(summary: Summary, toStdout = false): string {
  const where = summary.dryRun ? 'would write' : 'wrote';
  const parts = [
    toStdout
      ? summary.stdoutClosed
        ? `stdout was closed by its reader: not every one of the ${plural(summary.train + summary.validation, 'line')} was read`
        : `${where} ${plural(summary.train + summary.validation, 'line')} to stdout`
      : `${where} ${plural(summary.train, 'train line')}, ${plural(summary.validation, 'validation line')}`,
  ];
  if (summary.objects) parts.push(plural(summary.objects, 'object'));
  parts.push(plural(Object.keys(summary.labels).length, 'label'));
  if (summary.skipped) {
    const { skippedImages: images, skippedObjects: objects } = summary;
    parts.push(`${[images ? plural(images, 'image') : '', objects ? plural(objects, 'object') : ''].filter(Boolean).join(', ') || summary.skipped} skipped`);
  }
  if (summary.warnings.length) parts.push(plural(summary.warnings.length, 'warning'));
  for (const [k, v] of Object.entries(summary.counts)) parts.push(`${k}: ${v}`);
  return parts.join(', ');
}

/** What `--json` prints: the summary, stable keys first. */
function jsonSummary(summary: Summary): string {
  const { converter, task, input, train, validation, skipped, skippedImages, skippedObjects, errors, warnings, outputs, labels, objects, counts, dryRun, ok } = summary;
  return JSON.stringify({ ok, converter, task, input, train, validation, skipped, skippedImages, skippedObjects, errors, warnings, outputs, labels, objects, counts, dryRun }) + '\n';
}

/** Adds `convert <converter>` for every converter of the registry. */
export function registerConvertCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal, colorFor } = env;
  const convertCmd = program
    .command('convert')
    .description('convert a dataset into train_annotations.jsonl and validation_annotations.jsonl')
    .addHelpText(
      'after',
      `\nExamples:\n${Object.values(CONVERTERS)
        .map((c) => `  $ ${c.example}`)
        .join('\n')}\n`,
    );

  for (const converter of Object.values(CONVERTERS)) {
    const sub = convertCmd.command(converter.name).alias(converter.alias).description(converter.description).argument(converter.argument, 'the dataset to convert');
    addSharedOptions(sub);
    for (const spec of Object.values(converter.options)) sub.addOption(commanderOption(spec));
    sub.addHelpText('after', `\nExample:\n  $ ${converter.example}\n`);
    sub.action(async (input: string, flags: PrintFlags & Record<string, unknown>) => {
      const color = colorFor(flags);
      const reporter = new Reporter(io, color, flags.quiet === true, io.stderr.isTTY === true && flags.quiet !== true && flags.json !== true);
      if (flags['out'] === '-' && flags.json) {
        throw new ConversionError('USAGE', '--json prints a summary on stdout, which -o - uses for the lines: choose one', {}, { exitCode: 2 });
      }
      const options: ConvertOptions = {
        ...valuesOf(COMMON_OPTIONS, flags),
        ...valuesOf(converter.options, flags),
        onProgress: (d, t) => reporter.progress(d, t),
        onDiagnostic: (d) => reporter.diagnostic(d),
        signal,
        stdout: io.stdout,
      };
      // The library (the writer and its split) is loaded by the command that runs, not by every start.
      const { convert, summaryOf } = await import('../convert.js');
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
        const out = options.out;
        const { plannedOutputs } = await import('../writer.js');
        const planned = out !== undefined && out !== '-' ? plannedOutputs(resolve(out), { mltable: options.mltable === true, validationRatio: options.validationRatio ?? 0.2 }) : [];
        io.stdout.write(describe(summary, out === '-') + planned.map((p) => `\n  ${displayPath(p)}`).join('') + '\n');
      } else {
        reporter.info(color.green(describe(summary, options.out === '-')) + (summary.outputs.length ? `\n  ${summary.outputs.join('\n  ')}` : ''));
      }
      setExitCode(0);
    });
  }
}
