/**
 * The converter through the library alone (`convert()` of dist/src/convert.js, no CLI: the CLI loads
 * every command's modules at start-up, undici among them, ~0.5 s of CPU on this machine), for bench.ts.
 *
 * @example
 *   node dist/bench/yolo/lib.js <dataset> <out dir> [task]
 */
import { convert } from '../../src/convert.js';

const [input, out, task] = process.argv.slice(2);
if (!input || !out) throw new Error('usage: lib.js <dataset> <out dir> [task]');
const s = await convert('yolo', input, { out, force: true, task: task ?? 'object-detection' });
if (!s.ok) process.exit(1);
