// Preloaded into the real bin by test/converters/coco-threads.test.ts (`node --import <this> bin/automl-img.js ...`):
// coco-to-jsonl reads in small ranges (COCO_RANGE_BYTES, default 2048) without the pass-1 split, so that
// a small file is read by worker threads; COCO_WORKER_FAULT=throw makes every file read in a worker
// thread throw a TypeError (an unknown error, as a bug would).
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
} else if (process.env.COCO_WORKER_FAULT === 'throw') {
  fs.readSync = () => {
    throw new TypeError('simulated bug in a coco worker');
  };
  syncBuiltinESMExports();
}
