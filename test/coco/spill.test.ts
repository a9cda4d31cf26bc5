/**
 * The grouping of COCO objects by image (src/coco/spill.ts): in memory and through temporary files,
 * records added directly or packed by a RecordBatch (as worker threads send them), the same groups.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { CocoObject } from '../../src/coco/index.js';
import { bucketCountFor, compareObjects, ObjectBuckets, RecordBatch } from '../../src/coco/spill.js';
import { useTempDir } from '../helpers/fs.js';

const tmp = useTempDir('coco-spill-');

describe('ObjectBuckets (src/coco/spill.ts)', () => {
  /** Objects with every kind of id and shape, on random images, in a fixed pseudo-random order. */
  function objects(count: number, images: number): CocoObject[] {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return Array.from({ length: count }, (_, element) => {
      const kind = Math.floor(rand() * 3);
      const id = kind === 0 ? Math.floor(rand() * 50) : kind === 1 ? `é-${Math.floor(rand() * 50)}` : undefined;
      const o: CocoObject = { image: Math.floor(rand() * images), element, id, label: Math.floor(rand() * 4), isCrowd: rand() < 0.1 ? 1 : 0 };
      if (rand() < 0.5) o.box = [rand(), rand(), rand(), rand()];
      else o.rings = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => Array.from({ length: 6 + 2 * Math.floor(rand() * 10) }, rand));
      return o;
    });
  }

  test('through temporary files (a 1 KiB budget), the same groups as in memory, and the files removed', () => {
    const all = objects(5000, 97);
    const inMemory = new ObjectBuckets(97, 1, tmp.path, Infinity);
    const spilled = new ObjectBuckets(97, bucketCountFor(200_000, 20_000), tmp.path, 1024);
    for (const o of all) {
      inMemory.add(o);
      spilled.add(o);
    }
    expect(spilled.bucketCount).toBe(10);
    expect(spilled.spilledBytes).toBeGreaterThan(0);
    expect(inMemory.spilledBytes).toBe(0);
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('.automl-img-coco-'))).toHaveLength(1);
    const a = [...inMemory.groups()];
    const b = [...spilled.groups()];
    expect(b).toEqual(a);
    expect(a.map((g) => g.image)).toEqual(Array.from({ length: 97 }, (_, i) => i));
    expect(a.reduce((n, g) => n + g.objects.length, 0)).toBe(5000);
    for (const g of a) {
      const sorted = [...g.objects].sort(compareObjects);
      expect(g.objects).toEqual(sorted);
    }
    // What went in comes out (ids, shapes, numbers bit for bit).
    const first = all.find((o) => o.rings && typeof o.id === 'string')!;
    const back = a[first.image]!.objects.find((o) => o.element === first.element)!;
    expect(back).toEqual({ element: first.element, id: first.id, label: first.label, isCrowd: first.isCrowd, box: undefined, rings: first.rings });
    inMemory.dispose();
    spilled.dispose();
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('.automl-img-coco-'))).toEqual([]);
  });

  test('records packed by a RecordBatch (as worker threads send them, buffers reused), spilled and recycled: the same groups', () => {
    const all = objects(5000, 97);
    const direct = new ObjectBuckets(97, 10, tmp.path, Infinity);
    const packed = new ObjectBuckets(97, 10, tmp.path, 300_000); // spills, and reuses its 256 KiB chunks
    const batch = new RecordBatch(packed.imagesPerBucket, packed.bucketCount);
    let reuse: ArrayBuffer | undefined;
    const buffers = new Set<ArrayBuffer>();
    for (let k = 0; k < all.length; k++) {
      direct.add(all[k]!);
      batch.add(all[k]!);
      if (k % 700 === 699 || k === all.length - 1) {
        const p = batch.take(reuse);
        packed.addEncoded(p);
        reuse = p.records.buffer as ArrayBuffer;
        buffers.add(reuse);
      }
    }
    expect(buffers.size).toBe(1); // one buffer for every batch
    expect(packed.spilledBytes).toBeGreaterThan(0);
    expect([...packed.groups()]).toEqual([...direct.groups()]);
    direct.dispose();
    packed.dispose();
  });

  test('objects of an image: numeric ids, then string ids, then none; ties by position', () => {
    const o = (element: number, id: number | string | undefined) => ({ element, id, label: 0, isCrowd: 0 as const, box: undefined, rings: undefined });
    const sorted = [o(0, undefined), o(1, 'b'), o(2, 10), o(3, 'a'), o(4, 2), o(5, 10)].sort(compareObjects);
    expect(sorted.map((x) => x.element)).toEqual([4, 2, 5, 3, 1, 0]);
  });
});
