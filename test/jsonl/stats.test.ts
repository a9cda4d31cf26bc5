import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { displayPath } from '../../src/convert.js';
import { describeStats } from '../../src/cli/stats.js';
import { jsonlStats, objectArea } from '../../src/jsonl/stats.js';
import { ConversionError } from '../../src/errors.js';
import { runBin, runCli } from '../helpers/cli.js';
import { useTempDir, writeTree } from '../helpers/fs.js';

const tmp = useTempDir('automl-img-stats-');

const box = (label: string, tx: number, ty: number, bx: number, by: number) => ({ label, topX: tx, topY: ty, bottomX: bx, bottomY: by, isCrowd: 0 });
const line = (url: string, label: unknown) => JSON.stringify({ image_url: url, label });

/** A crafted detection pair: every number below is worked out by hand. */
const TRAIN = [
  line('a.jpg', [box('circle', 0, 0, 0.5, 0.5), box('circle', 0, 0, 0.05, 0.1)]), // areas 0.25, 0.005
  line('b.jpg', []), // background
  line('c.jpg', [box('square', 0, 0, 0.2, 0.3)]), // 0.06
  '',
  line('a.jpg', [box('circle', 0, 0, 1, 1)]), // duplicate in the file; area 1
  'not json',
].join('\n');
const VALIDATION = [line('c.jpg', [box('square', 0.5, 0.5, 1, 1)]), line('d.jpg', [box('circle', 0.2, 0.2, 0.3, 0.3)])].join('\n') + '\n'; // 0.25; 0.01

describe('jsonlStats', () => {
  it('counts images, objects, backgrounds, duplicates and sizes per file and per label', async () => {
    await writeTree(tmp.path, { 'train.jsonl': TRAIN, 'val.jsonl': VALIDATION });
    const r = await jsonlStats([join(tmp.path, 'train.jsonl'), join(tmp.path, 'val.jsonl')]);
    expect(r.files[0]).toEqual({
      file: displayPath(join(tmp.path, 'train.jsonl')),
      task: 'object-detection',
      lines: 6,
      images: 4,
      background: 1,
      objects: 4,
      duplicates: 1,
      unreadable: 1,
      labels: {
        circle: { images: 2, objects: 3, area: { min: 0.005, median: 0.25, max: 1 }, sizes: { small: 1, medium: 0, large: 2 } },
        square: { images: 1, objects: 1, area: { min: 0.06, median: 0.06, max: 0.06 }, sizes: { small: 0, medium: 1, large: 0 } },
      },
    });
    expect(r.files[1]).toMatchObject({ lines: 2, images: 2, background: 0, objects: 2, duplicates: 0, unreadable: 0 });
    expect(r.total).toEqual({
      files: 2,
      lines: 8,
      images: 6,
      background: 1,
      objects: 6,
      duplicates: 1,
      unreadable: 1,
      sharedBetweenFiles: 1,
      labels: {
        // circle areas 0.005, 0.01 (medium: the bucket starts at 1%), 0.25, 1 → median (0.01 + 0.25) / 2
        circle: { images: 3, objects: 4, area: { min: 0.005, median: 0.13, max: 1 }, sizes: { small: 1, medium: 1, large: 2 } },
        square: { images: 2, objects: 2, area: { min: 0.06, median: 0.155, max: 0.25 }, sizes: { small: 0, medium: 1, large: 1 } },
      },
    });
  });

  it('classification: images per label, no object columns; an image counts once per label', async () => {
    await writeFile(join(tmp.path, 'ml.jsonl'), [line('1.jpg', ['a', 'b', 'a']), line('2.jpg', ['b']), line('3.jpg', [])].join('\n'));
    const r = await jsonlStats([join(tmp.path, 'ml.jsonl')]);
    expect(r.files[0]).toMatchObject({ task: 'multi-label', images: 3, background: 1, objects: 0, labels: { a: { images: 1, objects: 0 }, b: { images: 2, objects: 0 } } });
    expect(describeStats(r)).toBe(
      `${displayPath(join(tmp.path, 'ml.jsonl'))}  (multi-label)\n  3 lines, 3 images, 1 background, 0 objects, 0 duplicate image_urls\n  label  images\n  a           1\n  b           2\n`,
    );
  });

  it('a polygon object measures the box around all its rings', () => {
    expect(
      objectArea({
        label: 'x',
        polygon: [
          [0.1, 0.1, 0.5, 0.1, 0.5, 0.3],
          [0.6, 0.6, 0.7, 0.6, 0.7, 0.7],
        ],
      }),
    ).toBe(0.36);
    expect(objectArea({ label: 'x', polygon: [[0.1, 'a', 0.5, 0.1, 0.5, 0.3]] })).toBeUndefined();
    expect(objectArea(box('x', 0.5, 0.5, 0.4, 0.9))).toBe(0);
    expect(objectArea(box('x', -1, 0, 2, 0.5))).toBe(0.5);
    expect(objectArea(box('x', 0.2, 0.2, 0.3, 0.3))).toBe(0.01); // not 0.009999999999999998
  });

  it('"-" reads standard input', async () => {
    const r = await jsonlStats(['-'], { stdin: Readable.from([VALIDATION]) });
    expect(r.files[0]).toMatchObject({ file: '<stdin>', task: 'object-detection', images: 2, objects: 2 });
  });

  it('a missing file: INPUT_NOT_FOUND naming it', async () => {
    const e = (await jsonlStats([join(tmp.path, 'nope.jsonl')]).catch((err: unknown) => err)) as ConversionError;
    expect(e).toBeInstanceOf(ConversionError);
    expect(e.code).toBe('INPUT_NOT_FOUND');
    expect(e.message).toBe(`${displayPath(join(tmp.path, 'nope.jsonl'))}: expected a JSONL file, got nothing (no such file)`);
  });
});

describe('stats command', () => {
  it('prints a table per file and one for all files', async () => {
    await writeTree(tmp.path, { 'train.jsonl': TRAIN, 'val.jsonl': VALIDATION });
    const run = await runCli(['stats', join(tmp.path, 'train.jsonl'), join(tmp.path, 'val.jsonl')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const sections = run.stdout.split('\n\n');
    expect(sections).toHaveLength(3);
    expect(sections[0]).toBe(
      [
        `${displayPath(join(tmp.path, 'train.jsonl'))}  (object-detection)`,
        '  6 lines, 4 images, 1 background, 4 objects, 1 duplicate image_url, 1 unreadable line (run validate)',
        '  label   images  objects  area min  median      max  small  medium  large',
        '  circle       2        3     0.50%  25.00%  100.00%      1       0      2',
        '  square       1        1     6.00%   6.00%    6.00%      0       1      0',
      ].join('\n'),
    );
    expect(sections[2]).toMatch(
      /^all 2 files {2}\(object-detection\)\n {2}8 lines, 6 images, 1 background, 6 objects, 1 duplicate image_url, 1 unreadable line \(run validate\), 1 image_url in more than one file\n/,
    );
  });

  it('--json through the real bin; exit 1 for a missing file', async () => {
    await writeTree(tmp.path, { 'val.jsonl': VALIDATION });
    const ok = await runBin(['stats', join(tmp.path, 'val.jsonl'), '--json']);
    expect(ok.code).toBe(0);
    const r = JSON.parse(ok.stdout) as { files: { labels: Record<string, unknown> }[]; total: { objects: number } };
    expect(r.total.objects).toBe(2);
    expect(Object.keys(r.files[0]!.labels)).toEqual(['circle', 'square']);
    const missing = await runCli(['stats', join(tmp.path, 'nope.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.jsonl: expected a JSONL file, got nothing \(no such file\) \[INPUT_NOT_FOUND\]/);
    expect((await runCli(['stats'])).code).toBe(2);
  });
});
