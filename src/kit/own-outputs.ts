/**
 * What a converter must never read as input: the files the writer writes (this run's and any earlier
 * run's, wherever they lie in the tree) and the output folder itself. Writing the JSONL beside the
 * images (`-o <the dataset>`) or inside it (`-o in/can/out`) then reads the same input every run, so a
 * second run with `--force` writes the same bytes as the first. Converters get it as
 * `ctx.isOwnOutput(abs)` and pass it to `listFolder(dir, { skip })`.
 *
 * @example
 *   const skip = ownOutputFilter('/data/in/can/out');
 *   skip('/data/in/can/out');                        // true: the output folder
 *   skip('/data/in/train_annotations.jsonl');        // true: an earlier run's output
 *   skip('/data/in/can/1.jpg');                      // false
 */
import { basename } from 'node:path';
import { TRAIN_FILE, TRAIN_MLTABLE_DIR, VALIDATION_FILE, VALIDATION_MLTABLE_DIR } from '../writer.js';

const OUTPUT_NAMES: ReadonlySet<string> = new Set([TRAIN_FILE, VALIDATION_FILE, TRAIN_MLTABLE_DIR, VALIDATION_MLTABLE_DIR]);
/** The writer's spill file and its temporaries (`.<target>.<pid>.<8 hex>.tmp|.old`, see src/writer.ts). */
const TEMP_NAME = /^\.(?:automl-img-spill|.+)\.\d+\.[0-9a-f]{8}\.(?:tmp|old)$/;

/** True for a name the writer gives its outputs, output folders (`--mltable`) or temporary files. */
export function isOwnOutputName(name: string): boolean {
  return OUTPUT_NAMES.has(name) || (name.startsWith('.') && TEMP_NAME.test(name));
}

/**
 * The predicate of {@link ownOutputName}s plus the output folder `out` (absolute; `undefined` or `-`
 * for none): true for what a walk over the input leaves out, silently.
 */
export function ownOutputFilter(out: string | undefined): (abs: string) => boolean {
  const outDir = out === undefined || out === '-' ? undefined : out;
  return (abs) => abs === outDir || isOwnOutputName(basename(abs));
}
