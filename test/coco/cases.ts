/**
 * Helpers of the coco-to-jsonl tests (test/converters/coco-to-jsonl.test.ts, test/coco/*.test.ts):
 * write a case (its JSON and images), convert it into a fresh folder and read back both files, or
 * get the error it fails with (and check that nothing was written).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { expect } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { BoxLabel, Converter, ConvertOptions, PolygonLabel, Summary } from '../../src/types.js';
import type { CocoCase } from '../fixtures/coco-to-jsonl/datasets.js';
import { listTree, makeTempDir, removeDir } from '../helpers/fs.js';
import { png } from '../helpers/images.js';

/** The golden cases' folder (expected outputs). */
export const FIXTURES = new URL('../fixtures/coco-to-jsonl/', import.meta.url).pathname;
/** The repository's bin. */
export const BIN = new URL('../../bin/automl-img.js', import.meta.url).pathname;

export interface Line {
  image_url: string;
  image_details?: { format?: string; width: number; height: number };
  label: (BoxLabel | PolygonLabel)[];
}

export interface Run {
  summary: Summary;
  train: string;
  validation: string;
}

/** Writes a case under `root`: its JSON and its images. Returns the JSON's path. */
export function writeCase(root: string, c: Pick<CocoCase, 'doc' | 'images' | 'jsonPath'>, text?: string): string {
  const json = join(root, c.jsonPath ?? 'annotations.json');
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, text ?? JSON.stringify(c.doc));
  for (const [rel, [w, h]] of Object.entries(c.images)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), png(w, h));
  }
  return json;
}

/** `--images` relative to the dataset root (as a user would type it from there). */
export function withRoot(root: string, options: ConvertOptions): ConvertOptions {
  const images = options['images'];
  if (typeof images !== 'string' || isAbsolute(images)) return options;
  mkdirSync(join(root, images), { recursive: true });
  return { ...options, images: join(root, images) };
}

/** Converts into a fresh folder; returns the summary and both files. */
export async function run(json: string, options: ConvertOptions = {}, converter: string | Converter = 'coco'): Promise<Run> {
  const out = makeTempDir('coco-out-');
  try {
    const summary = await convert(converter, json, { out, ...options });
    const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left
    return { summary, train: read('train_annotations.jsonl'), validation: read('validation_annotations.jsonl') };
  } finally {
    removeDir(out);
  }
}

/** The error a conversion fails with; checks that nothing was written. */
export async function failure(json: string, options: ConvertOptions = {}, converter: string | Converter = 'coco'): Promise<ConversionError> {
  const out = makeTempDir('coco-fail-');
  try {
    await convert(converter, json, { out, ...options });
  } catch (e) {
    if (e instanceof ConversionError) {
      expect(await listTree(out)).toEqual([]);
      return e;
    }
    throw e;
  } finally {
    removeDir(out);
  }
  throw new Error('expected the conversion to fail');
}

export function parse(jsonl: string): Line[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

/** Every line of a run, train then validation, by image_url. */
export function byUrl(r: Run): Map<string, Line> {
  return new Map([...parse(r.train), ...parse(r.validation)].map((l) => [l.image_url, l]));
}

export const stable = (text: string, root: string) => text.split(root).join('<root>');
