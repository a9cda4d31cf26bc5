import { describe, expect, it } from 'vitest';
import { mapOrdered } from '../src/concurrency.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapOrdered', () => {
  it('yields results in input order while calls finish in any order', async () => {
    const out: number[] = [];
    for await (const v of mapOrdered([5, 1, 4, 2, 3], 3, async (x) => {
      await tick(x);
      return x * 10;
    }))
      out.push(v);
    expect(out).toEqual([50, 10, 40, 20, 30]);
  });

  it('never has more than `limit` calls in flight', async () => {
    let inFlight = 0;
    let max = 0;
    const gen = mapOrdered(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (x) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await tick(x % 3);
        inFlight--;
        return x;
      },
    );
    const seen: number[] = [];
    for await (const v of gen) seen.push(v);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(max).toBeLessThanOrEqual(4);
  });

  it('takes async iterables and passes the index', async () => {
    async function* src() {
      yield 'a';
      yield 'b';
    }
    const out: string[] = [];
    for await (const v of mapOrdered(src(), 2, async (x, i) => `${i}:${x}`)) out.push(v);
    expect(out).toEqual(['0:a', '1:b']);
  });

  it('throws a failed call at its place in the order, without unhandled rejections', async () => {
    const out: number[] = [];
    const run = async () => {
      for await (const v of mapOrdered([1, 2, 3, 4], 4, async (x) => {
        if (x === 3) throw new Error('three');
        await tick(5);
        return x;
      }))
        out.push(v);
    };
    await expect(run()).rejects.toThrow('three');
    expect(out).toEqual([1, 2]);
  });

  it('on early exit, waits for the calls in flight before finishing', async () => {
    let finished = 0;
    for await (const v of mapOrdered([1, 2, 3, 4, 5], 5, async (x) => {
      await tick(x * 2);
      finished++;
      return x;
    })) {
      if (v === 1) break;
    }
    expect(finished).toBe(5);
  });
});
