/**
 * What the csv-multilabel tests share (csv-multilabel.test.ts, csv-multilabel-realdata.slow.test.ts):
 * parsing a run's JSONL, and writing a CSV with its images folder.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeTree, type Tree } from '../helpers/fs.js';

/** A multi-label line as the converter writes it. */
export type CsvLine = { image_url: string; image_details?: unknown; label: string[] };

/** The lines of a JSONL text, parsed. */
export function parse(jsonl: string): CsvLine[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CsvLine);
}

/** Writes `<root>/labels.csv` (exact bytes) and the images under `<root>/images/`; returns the CSV's path. */
export async function writeCsvSet(root: string, csv: string | Buffer, images: Tree = {}): Promise<string> {
  const tree: Tree = { 'labels.csv': csv };
  for (const [name, bytes] of Object.entries(images)) tree[`images/${name}`] = bytes;
  await writeTree(root, tree);
  mkdirSync(join(root, 'images'), { recursive: true });
  return join(root, 'labels.csv');
}
