/**
 * The options of `split`, in a module of their own so that the CLI can declare its flags (and
 * `validate` its `--max-line-bytes`) without loading the splitter and the writer (src/jsonl/split.ts
 * re-exports them).
 *
 * @example
 *   import { SPLIT_OPTIONS } from './split-options.js';
 *   SPLIT_OPTIONS.maxLineBytes.default; // 256 MiB
 */
import { COMMON_OPTIONS } from '../common-options.js';
import { integer } from '../options.js';
import { DEFAULT_MAX_LINE_BYTES } from './read.js';

/** The options of `split`: the output options of `convert`, from the same table (src/common-options.ts). */
export const SPLIT_OPTIONS = Object.freeze({
  out: { ...COMMON_OPTIONS.out, description: 'output folder for train_annotations.jsonl and validation_annotations.jsonl; "-" writes every line, sorted, to stdout' },
  validationRatio: { ...COMMON_OPTIONS.validationRatio, description: 'share of lines for validation; 0 writes everything to train' },
  seed: { ...COMMON_OPTIONS.seed, description: 'changes which lines are drawn for validation' },
  stratify: COMMON_OPTIONS.stratify,
  mltable: COMMON_OPTIONS.mltable,
  onError: { ...COMMON_OPTIONS.onError, description: 'fail: stop at the first bad line, write nothing; skip: leave it out, report it, go on' },
  dryRun: COMMON_OPTIONS.dryRun,
  force: COMMON_OPTIONS.force,
  maxLineBytes: integer('--max-line-bytes <n>', 'longest line read, in bytes: a longer one is a bad line (LINE_TOO_LONG), skipped unread', { min: 1, default: DEFAULT_MAX_LINE_BYTES }),
});
