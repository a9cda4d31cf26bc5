/**
 * lazyConverter (src/kit/define.ts): the registry's converters load their implementation when their
 * records are first asked for, and then behave as the implementation's own generator.
 */
import { describe, expect, it } from 'vitest';
import { declareConverter, defineConverter, lazyConverter } from '../../src/kit/define.js';
import type { Converter, ConverterContext, ImageRecord } from '../../src/types.js';

const DECLARATION = declareConverter({
  name: 'test-to-jsonl',
  alias: 'test',
  description: 'a test converter',
  argument: '<dir>',
  example: 'automl-img convert test ./x',
  samples: [],
  task: 'multi-class',
  options: {},
});

/** A lazy converter of three records, and what happened: loads, steps run, cleanups. */
function lazyOfThree() {
  const seen = { loads: 0, steps: 0, cleanups: 0 };
  const implementation = defineConverter({
    ...DECLARATION,
    async *run() {
      try {
        for (const path of ['a.jpg', 'b.jpg', 'c.jpg']) {
          seen.steps++;
          yield { path, label: 'x' } satisfies ImageRecord;
        }
      } finally {
        seen.cleanups++;
      }
    },
  });
  const load = async (): Promise<{ default: Converter<Record<string, never>> }> => {
    seen.loads++;
    return { default: implementation };
  };
  return { converter: lazyConverter(DECLARATION, load), seen };
}

const ctx = {} as ConverterContext<Record<string, never>>;

describe('lazyConverter', () => {
  it('has the declaration, and loads the implementation at the first step only', async () => {
    const { converter, seen } = lazyOfThree();
    expect(converter.name).toBe('test-to-jsonl');
    expect(converter.alias).toBe('test');
    const iterator = converter.run(ctx)[Symbol.asyncIterator]();
    expect(seen.loads).toBe(0);
    const records: string[] = [];
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) records.push(step.value.path);
    expect(records).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(seen).toEqual({ loads: 1, steps: 3, cleanups: 1 });
  });

  it('return() before the first step ends it without loading anything; after it, no step runs', async () => {
    const { converter, seen } = lazyOfThree();
    const iterator = converter.run(ctx)[Symbol.asyncIterator]();
    expect(await iterator.return!()).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(seen).toEqual({ loads: 0, steps: 0, cleanups: 0 });
  });

  it('return() in the middle, even while the first step is loading, runs the implementation cleanup after that step', async () => {
    const { converter, seen } = lazyOfThree();
    const iterator = converter.run(ctx)[Symbol.asyncIterator]();
    const first = iterator.next();
    const ended = iterator.return!();
    expect((await first).value).toMatchObject({ path: 'a.jpg' });
    expect(await ended).toEqual({ done: true, value: undefined });
    expect(seen).toEqual({ loads: 1, steps: 1, cleanups: 1 });
  });

  it('after the first step, next, return and next called together end as the generator itself does', async () => {
    const { converter } = lazyOfThree();
    const iterator = converter.run(ctx)[Symbol.asyncIterator]();
    await iterator.next();
    const [a, r, b] = await Promise.all([iterator.next(), iterator.return!(), iterator.next()]);
    expect(a.value).toMatchObject({ path: 'b.jpg' });
    expect(r).toEqual({ done: true, value: undefined });
    expect(b).toEqual({ done: true, value: undefined });
  });

  it('throw() before the first step rejects with its error, loads nothing, and ends it', async () => {
    const { converter, seen } = lazyOfThree();
    const iterator = converter.run(ctx)[Symbol.asyncIterator]();
    await expect(iterator.throw!(new Error('stop'))).rejects.toThrow('stop');
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(seen.loads).toBe(0);
  });

  it('a for await loop over it reads every record once', async () => {
    const { converter, seen } = lazyOfThree();
    const paths: string[] = [];
    for await (const r of converter.run(ctx)) paths.push(r.path);
    expect(paths).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(seen).toEqual({ loads: 1, steps: 3, cleanups: 1 });
  });
});
