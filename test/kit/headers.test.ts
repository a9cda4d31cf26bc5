/**
 * src/kit/headers.ts: readInOrder gives every item's result in input order, a batch per yield while
 * reads are synchronous, the results before an asynchronous step first, the rest concurrently (at
 * most HEADER_READS_IN_FLIGHT at once) once the reader turns asynchronous, and ends its source when
 * the consumer stops. The HeaderReader policy itself is tested in test/images.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { HEADER_READS_IN_FLIGHT, HeaderReader, readInOrder, type InOrderSteps } from '../../src/kit/headers.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reader that reads synchronously for its first `syncReads` calls of `synchronous`, then not. */
class SwitchingReader extends HeaderReader {
  private asked = 0;
  constructor(private readonly syncReads: number) {
    super();
  }
  override get synchronous(): boolean {
    return this.asked++ < this.syncReads;
  }
}

/** The batches as an async iterable that records whether it was ended. */
function source<T>(batches: T[][]): AsyncIterable<T[]> & { ended: boolean; pulled: number } {
  const state = {
    ended: false,
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      try {
        for (const b of batches) {
          state.pulled++;
          yield b;
        }
      } finally {
        state.ended = true;
      }
    },
  };
  return state;
}

/** Odd numbers settle asynchronously (a slow read), even ones are quick; results name the step. */
function steps(log: string[] = []): InOrderSteps<number, string> {
  return {
    quick: (n) => (n % 2 === 0 ? `q${n}` : undefined),
    settle: async (n) => {
      log.push(`settle ${n}`);
      await tick((7 * n) % 5);
      return `s${n}`;
    },
  };
}

async function collect<R>(gen: AsyncIterable<R[]>): Promise<R[][]> {
  const out: R[][] = [];
  for await (const results of gen) out.push(results);
  return out;
}

describe('readInOrder', () => {
  test('synchronous reads: one yield per batch, every result in input order', async () => {
    const batches = [[0, 2, 4], [6], [8, 10]];
    expect(await collect(readInOrder(source(batches), new HeaderReader(), steps()))).toEqual([['q0', 'q2', 'q4'], ['q6'], ['q8', 'q10']]);
  });

  test('no reader (no header read): every item through quick', async () => {
    const quickOnly: InOrderSteps<number, number> = { quick: (n) => n * 10, settle: () => Promise.reject(new Error('not called')) };
    expect((await collect(readInOrder(source([[1, 2], [3]]), undefined, quickOnly))).flat()).toEqual([10, 20, 30]);
  });

  test('an item quick cannot give is settled, after the results before it are yielded', async () => {
    const batches = [[0, 2, 3, 4, 5, 6]];
    expect(await collect(readInOrder(source(batches), new HeaderReader(), steps()))).toEqual([
      ['q0', 'q2'],
      ['s3', 'q4'],
      ['s5', 'q6'],
    ]);
  });

  test('a consumer that stops at a result settles nothing after it, and ends the source', async () => {
    const log: string[] = [];
    const src = source([
      [0, 2, 3, 4],
      [5, 6],
    ]);
    for await (const results of readInOrder(src, new HeaderReader(), steps(log))) {
      expect(results).toEqual(['q0', 'q2']);
      break;
    }
    expect(log).toEqual([]);
    expect(src.ended).toBe(true);
    expect(src.pulled).toBe(1);
  });

  test('once the reader turns asynchronous, the rest is settled concurrently, in input order, at most HEADER_READS_IN_FLIGHT at once', async () => {
    const items = Array.from({ length: 300 }, (_, i) => i);
    const batches = [items.slice(0, 10), items.slice(10, 150), items.slice(150)];
    let inFlight = 0;
    let most = 0;
    const counting: InOrderSteps<number, string> = {
      quick: (n) => `q${n}`,
      settle: async (n) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await tick(n % 3);
        inFlight--;
        return `s${n}`;
      },
    };
    const results = (await collect(readInOrder(source(batches), new SwitchingReader(5), counting))).flat();
    expect(results).toEqual(items.map((n) => (n < 5 ? `q${n}` : `s${n}`)));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(HEADER_READS_IN_FLIGHT);
  });

  test('a reader asynchronous from the start settles every item', async () => {
    const results = (
      await collect(
        readInOrder(
          source([
            [0, 1],
            [2, 3],
          ]),
          new HeaderReader({ synchronous: false }),
          steps(),
        ),
      )
    ).flat();
    expect(results).toEqual(['s0', 's1', 's2', 's3']);
  });
});
