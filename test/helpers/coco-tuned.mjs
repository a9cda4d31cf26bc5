// Preloaded into the real bin by test/coco/threads.slow.test.ts (`node --import <this> bin/automl-img.js ...`):
// a module hook (coco-tuned-hooks.mjs) gives the bin's registry coco-to-jsonl as built by
// `cocoConverter(tuning)` (coco-tuned-converter.mjs) instead of the default one: reads in small ranges
// (COCO_RANGE_BYTES, default 2048) without the pass-1 split, so that a small file is read by worker
// threads; objects go to temporary files past COCO_MEMORY_BUDGET bytes (default: src/coco/spill.ts's);
// with COCO_TEST_WORKER, the threads run the stand-in test/helpers/coco-test-worker.mjs in that mode.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(new URL('./coco-tuned-hooks.mjs', import.meta.url));
