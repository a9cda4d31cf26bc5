// A stand-in for dist/src/coco/worker.js, given to `new Pass2Pool(size, script)` or as the `workerScript`
// of `cocoConverter(tuning)` by test/coco/threads*.test.ts (and by the bin through test/helpers/coco-tuned.mjs).
// COCO_TEST_WORKER (read when the thread starts) chooses:
//   slow:      the real protocol (ranges read by the built RangeReader), but the first range waits 500 ms
//              first (a thread the OS does not run for a while: the calling thread must not read on without bound)
//   exit0:     the thread ends with exit code 0 at its first range (it must not be waited for forever)
//   stall:     the second range waits 60 s first (an abort must not wait for it)
//   mute-rest: pass 1's second half (a `rest` request) is never answered (an abort must not wait for it)
//   throw:     every range answers with a bug (a TypeError, as an unexpected exception in a worker would)
//   bug-later: the first range is read; every later one answers with a bug
import { parentPort } from 'node:worker_threads';
import { RangeReader } from '../../dist/src/coco/pass2.js';
import { bugOf } from '../../dist/src/kit/workers.js';

const mode = process.env.COCO_TEST_WORKER;
let reader;
let first = true;
let reads = 0;

function simulatedBug(range) {
  const bug = bugOf(new TypeError('simulated bug in a coco worker'));
  return { range, records: { records: new Uint8Array(0), ends: [] }, counts: [], events: [], bug };
}

parentPort.on('message', (m) => {
  if ('setup' in m) reader = new RangeReader(m.setup);
  else if ('range' in m) {
    if (mode === 'exit0') process.exit(0);
    if (mode === 'slow' && first) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    if (mode === 'stall' && reads === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    first = false;
    reads++;
    if (mode === 'throw' || (mode === 'bug-later' && reads > 1)) {
      parentPort.postMessage({ result: simulatedBug(m.range) });
      return;
    }
    const result = reader.read(m.range, m.at, m.reuse);
    parentPort.postMessage({ result }, [result.records.records.buffer]);
  } else if ('finish' in m) {
    const flags = reader.finish();
    parentPort.postMessage({ flags }, [flags.hasAnnotations.buffer, flags.hasObjects.buffer]);
  } else if ('rest' in m) {
    if (mode !== 'mute-rest') parentPort.postMessage({ rest: null });
  }
});
