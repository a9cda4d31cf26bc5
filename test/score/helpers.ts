/**
 * Images for the request/score tests: distinct small PNGs (each a different colour and size, so each
 * has its own bytes and digest), written under a folder, with what a test needs to check answers.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { imageDigest } from '../../bench/score/endpoint.js';
import { writeTree } from '../helpers/fs.js';
import { png } from '../helpers/images.js';

/** A key no output, message or file may contain. */
export const KEY = 'sk-TEST-7f3a9c1e-do-not-print';

export interface TestImage {
  /** Relative to the folder the images were written under, `/`-separated. */
  rel: string;
  bytes: Buffer;
  digest: string;
}

/** Writes `n` distinct PNGs as `<prefix>/<i>.png` (zero-padded, so name order is number order) under `root`. */
export async function writeImages(root: string, n: number, prefix = 'images', pad = 3): Promise<TestImage[]> {
  const images: TestImage[] = [];
  const tree: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++) {
    const bytes = png(2 + (i % 7), 2 + (i % 5), { rgb: [i % 256, (i >> 8) % 256, (i * 37) % 256] });
    const rel = `${prefix}/${String(i).padStart(pad, '0')}.png`;
    tree[rel] = bytes;
    images.push({ rel, bytes, digest: imageDigest(bytes) });
  }
  await writeTree(root, tree);
  return images;
}

/** The lines of a predictions file, parsed. */
export function readPredictions(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The digest a stand-in answer names (the first label, or the first box's label). */
export function answeredDigest(line: Record<string, unknown>): string {
  if (Array.isArray(line['labels'])) return (line['labels'] as string[])[0]!;
  return (line['boxes'] as { label: string }[])[0]!.label;
}

/** Every file's content under `dir` (recursively), to search for the key. */
export function allFileText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out += statSync(p).isDirectory() ? allFileText(p) : readFileSync(p).toString('latin1');
  }
  return out;
}
