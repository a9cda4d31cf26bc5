/**
 * voc-detection formats its records where it reads them (worker threads included) and hands the writer
 * finished lines (ImageRecord.formatted). These properties pin that the lines are exactly what the writer
 * would have written itself: formatBoxRecord against formatRecord
 * (recordToJson, labelNames, objectCount), and the writer's output with and without `formatted`.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBoxRecord } from '../../converters/voc-detection-items.js';
import { formatNumber, formatRecord } from '../../src/format.js';
import { resolveOptions } from '../../src/convert.js';
import type { BoxLabel, ConvertOptions, ImageRecord, ResolvedOptions } from '../../src/types.js';
import { writeDataset } from '../../src/writer.js';
import { listTree, useTempDir } from '../helpers/fs.js';

const tmp = useTempDir('voc-det-format-');

describe('formatNumber on box coordinates', () => {
  it('keeps the known cases', () => {
    expect([0, 1, 0.5, 0.326, 0.0000005, 0.000001, 0.7973333333, 1 - 1e-12, -0].map((x) => formatNumber(x, 6))).toEqual([
      '0',
      '1',
      '0.5',
      '0.326',
      '0', // 0.0000005 is a little below 5e-7 in binary
      '0.000001',
      '0.797333',
      '1',
      '0',
    ]);
    expect(formatNumber(0.123456789, 9)).toBe('0.123456789');
    expect(formatNumber(1e-9, 9)).toBe('0.000000001');
  });
});

const coordinate = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }));
const box: fc.Arbitrary<BoxLabel> = fc.record({
  label: fc.oneof(fc.constantFrom('can', 'dog', '"quoted"', 'back\\slash', 'tab\there', 'nul\0', 'é', '😀', '__proto__'), fc.string({ unit: 'binary' })),
  topX: coordinate,
  topY: coordinate,
  bottomX: coordinate,
  bottomY: coordinate,
  isCrowd: fc.constantFrom(0 as const, 1 as const),
});
const details = fc.option(
  fc.record(
    { format: fc.constantFrom('jpg', 'png', 'tiff', 'a"b'), width: fc.integer({ min: 1, max: 100_000 }), height: fc.integer({ min: 1, max: 100_000 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const record = fc.record({ path: fc.string({ unit: 'binary', minLength: 1 }), details, label: fc.array(box, { maxLength: 6 }) });
const baseUrl = fc.constantFrom('', 'https://acct.blob.core.windows.net/c/ds', 'azureml://datastores/x/paths/y/', 'a"b\\');

describe('formatBoxRecord = formatRecord', () => {
  it('same line, same label names in the same order, same objects, for any detection record and options', () => {
    fc.assert(
      fc.property(record, baseUrl, fc.integer({ min: 0, max: 15 }), (r, base, p) => {
        expect(formatBoxRecord(r, base, p)).toEqual(formatRecord(r, base, p));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('the writer writes ImageRecord.formatted as it would have written the record', () => {
  const options = (out: string, over: ConvertOptions): ResolvedOptions => resolveOptions({ out, validationRatio: 0.3, stratify: true, ...over });
  async function* gen(records: readonly ImageRecord[]): AsyncGenerator<ImageRecord> {
    yield* records;
  }
  const hooks = { bad: (e: Error) => void e, display: (p: string) => p };
  let n = 0;
  it('same files, same summary counts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ path: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), details, label: fc.array(box, { maxLength: 4 }) }), {
          minLength: 1,
          maxLength: 25,
          selector: (r) => r.path,
        }),
        baseUrl,
        fc.integer({ min: 0, max: 9 }),
        async (records, base, precision) => {
          const finite = records.map((r) => ({ ...r, label: r.label.map((b) => ({ ...b, topX: Math.abs(b.topX) % 1, bottomY: Math.abs(b.bottomY) % 1 })) }));
          const plainDir = join(tmp.path, `plain${n}`);
          const formattedDir = join(tmp.path, `formatted${n++}`);
          const plain = await writeDataset(gen(finite), options(plainDir, { baseUrl: base, precision }), hooks);
          const pre = finite.map((r) => ({ path: r.path, label: [], formatted: formatBoxRecord(r, base, precision) }));
          const formatted = await writeDataset(gen(pre), options(formattedDir, { baseUrl: base, precision }), hooks);
          expect({ ...formatted, outputs: [] }).toEqual({ ...plain, outputs: [] });
          for (const f of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
            expect(readFileSync(join(formattedDir, f))).toEqual(readFileSync(join(plainDir, f)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('formatted records through the rest of the writer (duplicates, stdout, dry run, no validation, MLTable)', () => {
  const options = (out: string, over: ConvertOptions): ResolvedOptions => resolveOptions({ out, validationRatio: 0.5, seed: 's', stratify: true, baseUrl: 'https://h/p', onError: 'skip', precision: 4, ...over });
  let n = 0;
  const b = (label: string, x: number): BoxLabel => ({ label, topX: x, topY: 0.1, bottomX: 0.9, bottomY: 0.95, isCrowd: 0 });
  const records: ImageRecord[] = [
    { path: 'images/b.jpg', details: { format: 'jpg', width: 3, height: 2 }, label: [b('cat', 0.1), b('dog', 0.2), b('cat', 0.3)] },
    { path: 'images/a.jpg', label: [b('dog', 0.123456)] },
    { path: 'images/b.jpg', label: [b('bird', 0.5)] }, // a duplicate key: the writer's own DUPLICATE_IMAGE
    { path: 'images/c.jpg', details: { width: 5, height: 5 }, label: [] },
    { path: 'images/\u00e9\uD800.jpg', label: [b('\uDFFF', 0), b('nul\0', 1)] },
  ];
  async function* gen(rs: readonly ImageRecord[]): AsyncGenerator<ImageRecord> {
    yield* rs;
  }
  it('same files, stdout, summary and reports as the unformatted records', async () => {
    for (const over of [{}, { out: '-' }, { dryRun: true }, { validationRatio: 0 }, { mltable: true }, { stratify: false, precision: 0, baseUrl: '' }] as ConvertOptions[]) {
      const results = [];
      for (const formatted of [false, true]) {
        const dir = join(tmp.path, `${formatted}${n++}`);
        const o = options(over.out ?? dir, over);
        const bad: string[] = [];
        const chunks: Buffer[] = [];
        const stdout = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
        const rs = formatted ? records.map((r) => ({ path: r.path, label: [], formatted: formatBoxRecord(r as { path: string; label: BoxLabel[] }, o.baseUrl, o.precision) })) : records;
        const result = await writeDataset(gen(rs), o, { bad: (e: Error) => void bad.push(e.message), display: (p: string) => p }, stdout);
        const files = (await listTree(dir)).map((f) => [f, f.endsWith('/') ? '' : readFileSync(join(dir, f), 'utf8')]);
        results.push({ result: { ...result, outputs: result.outputs.map((p) => p.split(dir).join('<dir>')) }, bad, stdout: Buffer.concat(chunks).toString('utf8'), files });
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[0]!.bad).toEqual(['images/b.jpg: image "images/b.jpg" appears more than once; the later one is left out']);
      expect(results[0]!.result.labels).toEqual({ cat: 1, dog: 2, 'nul\0': 1, '\uDFFF': 1 });
    }
  });
});
