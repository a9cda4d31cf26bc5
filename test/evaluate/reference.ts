/**
 * The pycocotools reference for the evaluate tests: built once (from ../shared/reference, with Debian's
 * cython3, python3-dev and python3-numpy) into a cache folder under the OS temp dir keyed by the cocoapi
 * commit, then run through `coco_reference.py`. `referenceUnavailable()` says why it cannot be used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { COCO_STATS } from '../../src/evaluate/coco.js';
import type { EvaluationReport } from '../../src/evaluate/index.js';

/** `../shared/reference` of the repository (in a worktree, of a folder further up). */
const SHARED = ((): string => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tried = [join(root, '../shared/reference'), join(root, '../../shared/reference'), join(root, '../../../shared/reference')];
  return tried.find((d) => existsSync(join(d, 'build-pycocotools.sh'))) ?? tried[0]!;
})();
const SCRIPT = fileURLToPath(new URL('./coco_reference.py', import.meta.url));
const CACHE = join(tmpdir(), 'automl-img-pycocotools-8c9bcc3');
const PYTHON = '/usr/bin/python3';

let built: { path?: string; reason?: string } | undefined;

/** The PYTHONPATH of a built pycocotools, or why there is none. */
export function pycocotools(): { path?: string; reason?: string } {
  if (built) return built;
  const script = join(SHARED, 'build-pycocotools.sh');
  if (!existsSync(PYTHON)) return (built = { reason: `${PYTHON} is missing` });
  const ready = join(CACHE, 'PythonAPI');
  const works = (dir: string) => spawnSync(PYTHON, ['-c', 'import numpy; from pycocotools import _mask'], { env: { ...process.env, PYTHONPATH: dir }, encoding: 'utf8' }).status === 0;
  if (existsSync(join(ready, 'pycocotools')) && works(ready)) return (built = { path: ready });
  if (!existsSync(script)) return (built = { reason: `the reference is not there (${script})` });
  const scratch = mkdtempSync(join(tmpdir(), 'automl-img-pycocotools-build-'));
  const out = join(scratch, 'build');
  const r = spawnSync('bash', [script, out], { encoding: 'utf8' });
  if (r.status !== 0 || !works(join(out, 'PythonAPI'))) {
    rmSync(scratch, { recursive: true, force: true });
    return (built = { reason: `pycocotools could not be built (needs cython3 python3-dev python3-numpy): ${(r.stderr || r.stdout || '').trim().slice(-300)}` });
  }
  try {
    if (!existsSync(join(ready, 'pycocotools'))) renameSync(out, CACHE);
  } catch {
    // another run put it there first
  }
  const path = existsSync(join(ready, 'pycocotools')) ? ready : join(out, 'PythonAPI');
  return (built = { path });
}

/** Runs coco_reference.py with arguments (and input); parses its JSON output. */
export function runReference(args: string[], input?: string): string {
  const ref = pycocotools();
  if (!ref.path) throw new Error(ref.reason);
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { env: { ...process.env, PYTHONPATH: ref.path }, encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`coco_reference.py failed: ${r.stderr}`);
  return r.stdout;
}

/** pycocotools' figures for ground-truth and predictions files. */
export function referenceCoco(iouType: 'bbox' | 'segm', baseUrl: string, predictions: string, gt: string[]): { stats: number[]; per_class: Record<string, number[]> } {
  return JSON.parse(runReference(['eval', iouType, baseUrl, predictions, ...gt])) as { stats: number[]; per_class: Record<string, number[]> };
}

/** Writes lines to a file in a fresh temp folder; returns its path. */
export function writeLines(dir: string, name: string, lines: readonly string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + (lines.length ? '\n' : ''));
  return p;
}

/** Every COCO figure and per-class figure of ours against pycocotools'. */
export function expectSameAsPycocotools(ours: EvaluationReport, ref: { stats: number[]; per_class: Record<string, number[]> }, tolerance: number): void {
  COCO_STATS.forEach((name, i) => {
    const v = ours[name];
    if (v === null) return; // images without size: not reported (pycocotools computes them in image units)
    expect(Math.abs(v! - ref.stats[i]!), `${name}: ours ${v}, pycocotools ${ref.stats[i]}`).toBeLessThanOrEqual(tolerance);
  });
  expect(ours.per_class.map((c) => c.label)).toEqual(Object.keys(ref.per_class));
  for (const c of ours.per_class) {
    const expected = ref.per_class[c.label]!;
    COCO_STATS.forEach((name, i) => {
      const v = (c as Record<string, unknown>)[name] as number | null;
      if (v === null) return;
      expect(Math.abs(v - expected[i]!), `${c.label} ${name}: ours ${v}, pycocotools ${expected[i]}`).toBeLessThanOrEqual(tolerance);
    });
  }
}
