/**
 * coco-to-jsonl with --jobs 1, 2 and 3 on the golden cases and generated files read in small ranges
 * (`cocoConverter({ rangeBytes })`): the same output, summary and errors; pass 1 split at a guessed
 * element. Slow (~10 s): test/coco/threads.test.ts keeps 1 against 2 threads in the default run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cocoConverter } from '../../converters/coco-to-jsonl.js';
import { pass2WorkerScript } from '../../src/coco/pass2.js';
import type { ConvertOptions } from '../../src/types.js';
import { CASES, type CocoDoc } from '../fixtures/coco-to-jsonl/datasets.js';
import { useTempDir } from '../helpers/fs.js';
import { failure, FIXTURES, run, stable, withRoot, writeCase, type Run } from './cases.js';

const tmp = useTempDir('coco-threads-');

describe('threads (--jobs): the same output, summary and errors for any number', () => {
  // Small ranges (4 MiB by default) so that small files are read in many ranges, on this thread and
  // two workers (the built dist/src/coco/worker.js, which the global setup builds).
  const THREADS: ConvertOptions = { jobs: 3 };
  const SMALL = cocoConverter({ rangeBytes: 160 });
  test('the worker script is built (else every range would be read on this thread)', () => {
    expect(pass2WorkerScript()).toBeDefined();
  });

  const comparable = (r: Run, root: string) => ({
    train: r.train,
    validation: r.validation,
    summary: stable(JSON.stringify({ counts: r.summary.counts, objects: r.summary.objects, warnings: r.summary.warnings, errors: r.summary.errors, labels: r.summary.labels }), root),
  });

  for (const [name, c] of Object.entries(CASES)) {
    test(`golden case ${name}`, async () => {
      const root = join(tmp.path, 'data');
      const json = writeCase(root, c);
      const one = await run(json, { ...withRoot(root, c.options), jobs: 1 }, SMALL);
      const three = await run(json, { ...withRoot(root, c.options), ...THREADS }, SMALL);
      expect(comparable(three, root)).toEqual(comparable(one, root));
      expect(three.train).toBe(readFileSync(join(FIXTURES, name, 'expected', 'train_annotations.jsonl'), 'utf8'));
    });
  }

  /** 600 annotations on 40 images; the ones at `badAt` have an unknown category, at `emptyAt` an empty box. */
  function many(badAt: number[], emptyAt: number[] = []): CocoDoc {
    return {
      images: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, file_name: `d/${i}.png`, width: 50, height: 40 })),
      annotations: Array.from({ length: 600 }, (_, i) => ({
        id: i % 7 === 0 ? `s${i}` : 1000 - i,
        image_id: 1 + ((i * 13) % 40),
        category_id: badAt.includes(i) ? 99 : i % 4,
        iscrowd: i % 50 === 0 ? 1 : 0,
        bbox: emptyAt.includes(i) ? [1, 1, 0, 3] : [i % 45, i % 35, 1 + (i % 9), 60 - (i % 30)],
        segmentation: [[1, 1, 5, 1, 5, 5 + (i % 3)]],
      })),
      categories: [3, 0, 2, 1].map((id) => ({ id, name: `cat${id}` })),
    };
  }

  test('a generated file, with bad annotations skipped: the same bytes, and errors in file order', async () => {
    const json = writeCase(tmp.path, { doc: many([5, 230, 231, 598], [100, 480]), images: {} });
    const options: ConvertOptions = { imageDetails: false, onError: 'skip' };
    const one = await run(json, { ...options, jobs: 1 }, SMALL);
    const two = await run(json, { ...options, jobs: 2 }, cocoConverter({ rangeBytes: 1000 }));
    const three = await run(json, { ...options, ...THREADS }, SMALL);
    expect(one.summary.errors.map((e) => e.path)).toEqual([
      'annotations[5].category_id',
      'annotations[100].bbox',
      'annotations[230].category_id',
      'annotations[231].category_id',
      'annotations[480].bbox',
      'annotations[598].category_id',
    ]);
    expect(comparable(two, tmp.path)).toEqual(comparable(one, tmp.path));
    expect(comparable(three, tmp.path)).toEqual(comparable(one, tmp.path));
    expect(one.summary.objects).toBe(594);
  });

  test('--on-error fail reports the first bad annotation in the file, whichever thread reads it first', async () => {
    const json = writeCase(tmp.path, { doc: many([450, 590], [420]), images: {} });
    for (const options of [{ jobs: 1 }, THREADS, { jobs: 2 }]) {
      const e = await failure(json, { imageDetails: false, ...options }, SMALL);
      expect([e.code, e.path, e.detail]).toEqual(['EMPTY_BOX', 'annotations[420].bbox', 'expected a box with a positive width and height, got [1, 1, 0, 3]']);
    }
  });

  test('a malformed annotation ends the conversion after the bad ones before it were reported (skip), or at the first bad one (fail)', async () => {
    const text = JSON.stringify(many([30])).replace('"id":800,', '"id":800,,');
    const json = writeCase(tmp.path, { doc: {}, images: {} }, text);
    for (const options of [{ jobs: 1 }, THREADS]) {
      const skipped: string[] = [];
      const e = await failure(json, { imageDetails: false, onError: 'skip', onDiagnostic: (d) => d.severity === 'error' && skipped.push(d.path!), ...options }, SMALL);
      expect([e.code, e.path]).toEqual(['JSON_PARSE', 'annotations[200]']);
      expect(skipped).toEqual(['annotations[30].category_id']);
      const first = await failure(json, { imageDetails: false, ...options }, SMALL);
      expect([first.code, first.path]).toEqual(['UNKNOWN_CATEGORY_ID', 'annotations[30].category_id']);
    }
  });

  // Pass 1 on two threads: the worker scans from what looks like an element start near the middle.
  describe('pass 1 split at a guessed element', () => {
    const withText = (doc: CocoDoc, order: (keyof CocoDoc)[]): string => `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(doc[k])}`).join(',')}}`;
    async function same(text: string, options: ConvertOptions = {}): Promise<void> {
      const json = writeCase(tmp.path, { doc: {}, images: {} }, text);
      const base = { imageDetails: false, onError: 'skip' as const, ...options };
      const one = await run(json, { ...base, jobs: 1 }, SMALL);
      const two = await run(json, { ...base, jobs: 2 }, SMALL);
      expect(comparable(two, tmp.path)).toEqual(comparable(one, tmp.path));
      expect(one.summary.objects).toBeGreaterThan(0);
    }
    test('annotations between images and categories (COCO order)', () => same(withText(many([3, 590]), ['images', 'annotations', 'categories'])));
    test('categories first, images last (the worker half is not used)', () => same(withText(many([3]), ['categories', 'annotations', 'images'])));
    test('a guess inside a string (an annotation member full of "}, {"): read on', async () => {
      const doc = many([]);
      for (const a of doc.annotations as Record<string, unknown>[]) a['note'] = '}, {'.repeat(40);
      await same(withText(doc, ['images', 'annotations', 'categories']));
    });
    test('a bad category after the split: the same first error', async () => {
      const doc = many([]);
      (doc.categories as { name: unknown }[])[2]!.name = 7;
      const json = writeCase(tmp.path, { doc: {}, images: {} }, withText(doc, ['images', 'annotations', 'categories']));
      for (const jobs of [1, 2]) {
        const e = await failure(json, { imageDetails: false, jobs }, SMALL);
        expect([e.code, e.path]).toEqual(['JSON_BAD_VALUE', 'categories[2].name']);
      }
    });
    test('malformed JSON in the second half: the same JSON_PARSE', async () => {
      const text = withText(many([]), ['images', 'annotations', 'categories']).replace('"id":700,', '"id":700,]');
      const json = writeCase(tmp.path, { doc: {}, images: {} }, text);
      const errors = [];
      for (const jobs of [1, 2]) {
        const e = await failure(json, { imageDetails: false, jobs }, SMALL);
        errors.push([e.code, e.path, e.detail]);
      }
      expect(errors[1]).toEqual(errors[0]);
      expect(errors[0]![0]).toBe('JSON_PARSE');
    });
  });

  test('--jobs must be an integer of 1 or more', async () => {
    const json = writeCase(tmp.path, { doc: many([]), images: {} });
    const e = await failure(json, { imageDetails: false, jobs: 0 }, SMALL);
    expect([e.code, e.exitCode]).toEqual(['USAGE', 2]);
  });
});
