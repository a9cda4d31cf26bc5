/**
 * The one table of the options every converter shares (SPEC §2), and `split` a part of: the CLI makes
 * its flags from it, the library checks a program's options against it.
 *
 * @example
 *   const resolved = resolveOptions({ out: 'out/', validationRatio: 0.1 });  // defaults applied, USAGE on a bad value
 */
import { resolve } from 'node:path';
import { checkOption, choice, decimal, flag, integer, text, usageError, type OptionSpecs, type OptionValues } from './options.js';
import type { ResolvedOptions } from './types.js';

/** The shared options of every converter, in `--help` order. */
export const COMMON_OPTIONS = Object.freeze({
  out: text('-o, --out <dir>', 'output folder for train_annotations.jsonl and validation_annotations.jsonl; "-" writes every line, unsplit, to stdout'),
  validationRatio: decimal('--validation-ratio <r>', 'share of images for validation; 0 writes everything to train', {
    min: 0,
    below: 1,
    expected: 'expected a number from 0 up to (not including) 1',
    default: 0.2,
  }),
  seed: text('--seed <s>', 'changes which images are drawn for validation', { default: '0' }),
  stratify: flag('--stratify', "keep each label's share in both files"),
  baseUrl: text('--base-url <prefix>', 'prefix for image_url, e.g. azureml://datastores/workspaceblobstore/paths/fridge/'),
  root: text('--root <dir>', 'the dataset root that image_url paths are relative to'),
  imageDetails: flag('--no-image-details', 'do not open image files; write image_details only from the annotations'),
  verifyImages: flag('--no-verify-images', 'do not check that each image file is whole (its end marker, its pixels inside the file): read headers only'),
  mltable: flag('--mltable', 'also write the MLTable files Azure ML needs (each JSONL moves into its own folder)'),
  onError: choice('--on-error <mode>', 'fail: stop at the first bad item, write nothing; skip: leave it out, report it, go on', ['fail', 'skip'], { default: 'fail' }),
  dryRun: flag('--dry-run', 'read and check everything, print what would be written, write nothing'),
  force: flag('--force', 'overwrite existing output files'),
  precision: integer('--precision <digits>', 'decimal places for coordinates', { min: 0, max: 15, default: 6 }),
} satisfies OptionSpecs);

/** The shared options as a program passes them (each may be absent). */
export type CommonOptionValues = OptionValues<typeof COMMON_OPTIONS>;

/** Keys of the shared options. */
export const COMMON_KEYS: ReadonlySet<string> = new Set(Object.keys(COMMON_OPTIONS));

/**
 * The rules between the output options: an output unless a dry run; `-o -` writes no MLTable.
 * @throws ConversionError `USAGE` (exit 2)
 */
export function checkOutputRules(values: { out: string | undefined; dryRun: boolean; mltable: boolean }): void {
  if (values.out === undefined && !values.dryRun) throw usageError('an output is required: -o <dir>, or -o - for stdout, or --dry-run');
  if (values.out === '-' && values.mltable) throw usageError('--mltable writes files next to the JSONL files, which -o - does not write: choose one');
}

/**
 * Applies defaults to the shared options and checks them: each value against its declaration, and
 * the rules between them (an output unless a dry run; `-o -` writes no MLTable).
 * @throws ConversionError `USAGE` (exit 2) naming the flag
 */
export function resolveOptions(options: Readonly<Record<string, unknown>>): ResolvedOptions {
  const v = {} as Record<string, unknown>;
  for (const [key, spec] of Object.entries(COMMON_OPTIONS)) v[key] = checkOption(spec as OptionSpecs[string], options[key]);
  const values = v as CommonOptionValues;
  checkOutputRules(values);
  return {
    out: values.out === undefined || values.out === '-' ? values.out : resolve(values.out),
    validationRatio: values.validationRatio,
    seed: values.seed,
    stratify: values.stratify,
    baseUrl: values.baseUrl ?? '',
    root: values.root === undefined ? undefined : resolve(values.root),
    imageDetails: values.imageDetails,
    verifyImages: values.verifyImages,
    mltable: values.mltable,
    onError: values.onError,
    dryRun: values.dryRun,
    force: values.force,
    precision: values.precision,
  };
}
