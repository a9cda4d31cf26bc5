/** End-to-end runs of the real `node bin/automl-img.js` (dist/ is built by test/global-setup.ts). */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, FAULT, runBin, spawnBin, type BinRun } from './helpers/cli.js';
import { listTree, useTempDir, writeTree, writeTreeReversed, type Tree } from './helpers/fs.js';
import { jpeg, png } from './helpers/images.js';

const tmp = useTempDir('automl-img-e2e-');

function fridge(): Tree {
  const tree: Tree = {};
  ['can', 'carton', 'milk_bottle', 'water_bottle'].forEach((label, li) => {
    for (let i = 0; i < 6; i++) tree[`${label}/${li * 10 + i}.${i % 2 ? 'png' : 'jpg'}`] = i % 2 ? png(5 + i, 4) : jpeg(8 + i, 6);
  });
  tree['.DS_Store'] = 'x';
  return tree;
}

/**
 * Waits (polling, no time assertion) until `dir` holds a `.tmp` file; returns its names. Fails at
 * once, with the run's output, when the run ends first.
 */
async function waitForTemp(dir: string, run: Promise<BinRun>, limitMs = 20_000): Promise<string[]> {
  let ended: BinRun | undefined;
  void run.then((r) => (ended = r));
  const end = Date.now() + limitMs;
  for (;;) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const temps = names.filter((n) => n.endsWith('.tmp'));
    if (temps.length > 0) return temps;
    if (ended) throw new Error(`the run ended (exit ${ended.code}) before a temporary file appeared in ${dir}:\n${ended.stderr}`);
    if (Date.now() > end) throw new Error(`no temporary file appeared in ${dir}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bin: convert', () => {
  it('converts a class-folder dataset; two runs and a reversed copy give the same bytes', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    await writeTreeReversed(join(tmp.path, 'ds2'), fridge());
    const a = await runBin(['convert', 'folder', 'ds', '-o', 'a'], { cwd: tmp.path });
    const b = await runBin(['convert', 'folder-to-jsonl', 'ds', '-o', 'b'], { cwd: tmp.path });
    const c = await runBin(['convert', 'folder', 'ds2', '-o', 'c'], { cwd: tmp.path });
    for (const r of [a, b, c]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
    }
    expect(a.stderr).toContain('wrote 19 train lines, 5 validation lines');
    for (const f of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
      const bytes = await readFile(join(tmp.path, 'a', f));
      expect(await readFile(join(tmp.path, 'b', f))).toEqual(bytes);
      expect(await readFile(join(tmp.path, 'c', f))).toEqual(bytes);
    }
    const first = (await readFile(join(tmp.path, 'a', 'train_annotations.jsonl'), 'utf8')).split('\n')[0]!;
    expect(JSON.parse(first)).toMatchObject({ image_url: expect.stringMatching(/^can\//), label: 'can', image_details: { format: expect.stringMatching(/^(jpg|png)$/) } });
    expect(await listTree(join(tmp.path, 'a'))).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
  }, 30_000);

  it('--json prints the summary; -o - prints the lines', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    const j = await runBin(['convert', 'folder', 'ds', '-o', 'out', '--json', '--mltable'], { cwd: tmp.path });
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout) as { train: number; validation: number; outputs: string[] };
    expect(s.train + s.validation).toBe(24);
    expect(s.outputs).toContain('out/training-mltable-folder/MLTable');
    const o = await runBin(['convert', 'folder', 'ds', '-o', '-'], { cwd: tmp.path });
    expect(o.code).toBe(0);
    expect(o.stdout.trim().split('\n')).toHaveLength(24);
  }, 30_000);

  it('a reader that stops early (| head -1) ends the run quietly', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    const child = spawnBin(['convert', 'folder', 'ds', '-o', '-'], { cwd: tmp.path });
    child.stdout!.once('data', () => child.stdout!.destroy());
    const r = await collect(child);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
  }, 30_000);

  it('exit 1 and one plain line for bad input; exit 2 for wrong usage', async () => {
    await writeTree(join(tmp.path, 'ds'), { ...fridge(), 'can/broken.jpg': 'no' });
    const bad = await runBin(['convert', 'folder', 'ds', '-o', 'out'], { cwd: tmp.path });
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual(['error: ds/can/broken.jpg: not an image: unrecognised file header [IMAGE_UNREADABLE]']);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(await listTree(join(tmp.path, 'out'))).toEqual([]);
    const usage = await runBin(['convert', 'folder', 'ds', '-o', 'out', '--validation-ratio', '2'], { cwd: tmp.path });
    expect(usage.code).toBe(2);
    const unknown = await runBin(['convert', 'nope', 'ds'], { cwd: tmp.path });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nope'");
  }, 30_000);

  it('an unknown error (a bug) shows its stack and exits 70', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    const r = await runBin(['convert', 'folder', 'ds', '-o', 'out'], { cwd: tmp.path, nodeArgs: ['--import', FAULT], env: { AUTOML_IMG_TEST_FAULT: 'crash' } });
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('TypeError: simulated bug in a converter');
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(await listTree(join(tmp.path, 'out'))).toEqual([]);
  }, 30_000);
});

describe('bin: interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the middle of a run: exit 130, no output, no temp file, no folder left`, async () => {
      await writeTree(join(tmp.path, 'ds'), fridge());
      const out = join(tmp.path, 'new', 'out');
      const child = spawnBin(['convert', 'folder', 'ds', '-o', out], { cwd: tmp.path, nodeArgs: ['--import', FAULT], env: { AUTOML_IMG_TEST_FAULT: 'hang-images' } });
      const done = collect(child);
      const temps = await waitForTemp(out, done);
      expect(temps[0]).toMatch(/^\.automl-img-spill\.\d+\.[0-9a-f]+\.tmp$/);
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('interrupted: nothing written');
      expect(await listTree(tmp.path)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^new/)]));
      expect((await listTree(tmp.path)).filter((f) => !f.startsWith('ds/'))).toEqual([]);
    }, 30_000);
  }

  it('SIGINT with an existing output folder: the folder and its files are left as they were', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    await writeTree(join(tmp.path, 'out'), { 'train_annotations.jsonl': 'old\n', 'keep.txt': 'k' });
    const child = spawnBin(['convert', 'folder', 'ds', '-o', 'out', '--force'], { cwd: tmp.path, nodeArgs: ['--import', FAULT], env: { AUTOML_IMG_TEST_FAULT: 'hang-images' } });
    const done = collect(child);
    await waitForTemp(join(tmp.path, 'out'), done);
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    expect(await listTree(join(tmp.path, 'out'))).toEqual(['keep.txt', 'train_annotations.jsonl']);
    expect(await readFile(join(tmp.path, 'out', 'train_annotations.jsonl'), 'utf8')).toBe('old\n');
  }, 30_000);
});

describe('bin: split', () => {
  it('splits an existing JSONL with the same splitter as convert', async () => {
    await writeTree(join(tmp.path, 'ds'), fridge());
    expect((await runBin(['convert', 'folder', 'ds', '-o', 'all', '--validation-ratio', '0'], { cwd: tmp.path })).code).toBe(0);
    expect((await runBin(['convert', 'folder', 'ds', '-o', 'direct', '--stratify'], { cwd: tmp.path })).code).toBe(0);
    const r = await runBin(['split', 'all/train_annotations.jsonl', '-o', 'split', '--stratify'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    for (const f of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
      expect(await readFile(join(tmp.path, 'split', f), 'utf8')).toBe(await readFile(join(tmp.path, 'direct', f), 'utf8'));
    }
  }, 30_000);
});
