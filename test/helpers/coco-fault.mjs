// Preloaded into the real bin by test/converters/coco-threads.test.ts (`node --import <this> bin/automl-img.js ...`):
// coco-to-jsonl reads in small ranges (COCO_RANGE_BYTES, default 2048) without the pass-1 split, so that
// a small file is read by worker threads, and objects go to temporary files past COCO_MEMORY_BUDGET
// bytes (default: src/coco/spill.ts's). COCO_WORKER_FAULT chooses a fault in the worker threads:
//   throw: every file read throws a TypeError (an unknown error, as a bug would)
//   stall: a read at byte COCO_STALL_AT (default 4096) or later blocks for 60 s (a range that takes long)
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  const converter = pathToFileURL(join(dirname(process.argv[1]), '..', 'dist', 'converters', 'coco-to-jsonl.js'));
  const { tuning } = await import(converter.href);
  tuning.rangeBytes = Number(process.env.COCO_RANGE_BYTES ?? 2048);
  tuning.splitMinBytes = Number.MAX_SAFE_INTEGER;
  if (process.env.COCO_MEMORY_BUDGET) tuning.memoryBudget = Number(process.env.COCO_MEMORY_BUDGET);
} else if (process.env.COCO_WORKER_FAULT === 'throw') {
  fs.readSync = () => {
    throw new TypeError('simulated bug in a coco worker');
  };
  syncBuiltinESMExports();
} else if (process.env.COCO_WORKER_FAULT === 'stall') {
  const readSync = fs.readSync;
  const at = Number(process.env.COCO_STALL_AT ?? 4096);
  fs.readSync = (fd, buffer, offset, length, position) => {
    if (typeof position === 'number' && position >= at) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    return readSync(fd, buffer, offset, length, position);
  };
  syncBuiltinESMExports();
}
