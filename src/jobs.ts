/**
 * `--jobs <n>`, shared by the converters that use worker threads: parsed on the command line, and
 * checked again for library callers (who pass `jobs` in the options).
 */
import { InvalidArgumentError } from 'commander';
import { ConversionError } from './errors.js';
import type { ConverterContext } from './types.js';

/** Commander's parser for `--jobs <n>`: an integer of 1 or more. */
export function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer of 1 or more');
  return n;
}

/**
 * The run's thread count: `jobs` as given (library callers included), else `fallback`.
 * @throws ConversionError USAGE (exit 2) when it is not an integer of 1 or more
 */
export function jobsOf(ctx: Pick<ConverterContext, 'extra'>, fallback: number): number {
  const jobs = (ctx.extra['jobs'] as number | undefined) ?? fallback;
  if (!Number.isInteger(jobs) || jobs < 1) throw new ConversionError('USAGE', `--jobs must be an integer of 1 or more, got ${String(jobs)}`, {}, { exitCode: 2 });
  return jobs;
}
