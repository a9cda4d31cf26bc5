// A preload for tests of interrupts during the commit: the writer's rename of an output into place
// (fs.renameSync of a *.jsonl target) first says "commit" on stderr, then blocks for
// AUTOML_IMG_TEST_COMMIT_MS milliseconds (default 1500): a signal sent after the word arrives while
// the commit is in progress.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const ms = Number(process.env.AUTOML_IMG_TEST_COMMIT_MS ?? 1500);
const renameSync = fs.renameSync;
let said = false;
fs.renameSync = (from, to) => {
  if (!said && String(to).endsWith('.jsonl')) {
    said = true;
    fs.writeSync(2, 'commit\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }
  return renameSync(from, to);
};
syncBuiltinESMExports();
