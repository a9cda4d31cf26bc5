/**
 * Worker-thread entry of score's image reader (see src/score/readahead.ts): probes the files of each
 * message in order and answers with one message: their sizes, which files' bytes it kept, those bytes
 * end to end in one transferred buffer, and the failures.
 */
import { parentPort } from 'node:worker_threads';
import { bugOf } from '../kit/workers.js';
import { probeFile } from './probe.js';
import type { FromProbeThread, ProbeReply } from './readahead.js';

function post(message: FromProbeThread, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

parentPort?.on('message', (paths: string[]) => {
  try {
    const sizes = new Float64Array(paths.length);
    const kept = new Uint8Array(paths.length);
    const failures: ProbeReply['failures'] = [];
    const parts: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < paths.length; i++) {
      const r = probeFile(paths[i]!);
      if ('failure' in r) {
        sizes[i] = -1;
        failures.push([i, r.failure, r.detail]);
        continue;
      }
      sizes[i] = r.size;
      if (r.data) {
        kept[i] = 1;
        parts.push(r.data);
        total += r.data.length;
      }
    }
    const data = new Uint8Array(total);
    let at = 0;
    for (const b of parts) {
      data.set(b, at);
      at += b.length;
    }
    post({ sizes, kept, data: data.buffer, failures }, [sizes.buffer, kept.buffer, data.buffer]);
  } catch (e) {
    post({ bug: bugOf(e) });
  }
});
post({ ready: true });
