/**
 * Runs an async function over a stream of items with at most `limit` calls in flight and yields
 * the results in input order (so output stays deterministic while I/O overlaps).
 */
export async function* mapOrdered<T, R>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T, index: number) => Promise<R>): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  let index = 0;
  try {
    for await (const item of items) {
      const p = fn(item, index++);
      p.catch(() => undefined); // awaited in order below; avoid unhandled rejections meanwhile
      queue.push(p);
      if (queue.length >= limit) yield await queue.shift()!;
    }
    while (queue.length > 0) yield await queue.shift()!;
  } finally {
    // On early exit let in-flight calls settle so no work outlives the generator.
    await Promise.allSettled(queue);
  }
}
