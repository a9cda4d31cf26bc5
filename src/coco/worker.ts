/** Worker-thread entry of coco-to-jsonl's pass 2 (see src/coco/pass2.ts): one {@link RangeReader} per thread. */
import { parentPort } from 'node:worker_threads';
import { bugOf } from '../kit/workers.js';
import { RangeReader, scanRest, type FromWorker, type ToWorker } from './pass2.js';

let reader: RangeReader | undefined;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

parentPort?.on('message', (m: ToWorker) => {
  try {
    if ('rest' in m) post({ rest: scanRest(m.rest) });
    else if ('setup' in m) reader = new RangeReader(m.setup);
    else if ('range' in m) {
      const result = reader!.read(m.range, m.at, m.reuse);
      post({ result }, [result.records.records.buffer as ArrayBuffer]);
    } else {
      const flags = reader!.finish();
      post({ flags }, [flags.hasAnnotations.buffer as ArrayBuffer, flags.hasObjects.buffer as ArrayBuffer]);
    }
  } catch (e) {
    post({ bug: bugOf(e) });
  }
});
