/** Worker-thread entry of the mask pool: runs {@link runMaskJob} on each message, answers with its id. */
import { parentPort } from 'node:worker_threads';
import { runMaskJob, type MaskJob } from './job.js';

parentPort?.on('message', async (message: { id: number; job: MaskJob }) => {
  try {
    parentPort!.postMessage({ id: message.id, outcome: await runMaskJob(message.job) });
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id: message.id, bug: { message: String(err?.message ?? e), stack: err?.stack } });
  }
});
