/**
 * The conversion the bench times, through the library instead of the CLI: `convert('coco', FILE, ...)`
 * with the same options as `convert coco FILE -o OUT --no-image-details --force -q`, and no AbortSignal.
 * It shows the converter and writer without the CLI (see RESULTS.md for why that differs).
 *
 *   node dist/bench/coco/lib-run.js FILE.json OUT [--task instance-segmentation]
 */
import { convert } from '../../src/convert.js';

const [file, out, flag, task] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: lib-run.js FILE.json OUT [--task object-detection|instance-segmentation]');
  process.exitCode = 2;
} else {
  await convert('coco', file, { out, force: true, imageDetails: false, task: flag === '--task' && task ? task : 'object-detection' });
}
