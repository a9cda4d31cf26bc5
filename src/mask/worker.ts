/** Worker-thread entry of the mask pool: runs {@link runMaskJob} on each message, answers with its id. */
import { parentPort } from 'node:worker_threads';
import { bugOf } from '../kit/workers.js';
import { runMaskJob, type MaskJob } from './job.js';

parentPort?.on('message', async (message: { id: number; job: MaskJob }) => {
  try {
    parentPort!.postMessage({ id: message.id, outcome: await runMaskJob(message.job) });
  } catch (e) {
    parentPort!.postMessage({ id: message.id, bug: bugOf(e) });
  }
});
