/**
 * The declaration of voc-detection (alias `voc`: Pascal VOC XML → object detection): its name, help, samples and options,
 * without its implementation (converters/voc-detection.ts, loaded when it runs).
 *
 * @example
 *   import VOC from './declarations/voc-detection.js';
 *   export default defineConverter({ ...VOC, run });
 */
import { flag } from '../../src/options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  oneBased: flag('--one-based', 'read VOC pixel coordinates as 1-based inclusive indices: topX = (xmin - 1) / width, bottomX = xmax / width (off: xmin / width, as the Azure scripts)'),
};

export default declareConverter({
  name: 'voc-detection',
  alias: 'voc',
  description: 'Pascal VOC XML → object detection',
  argument: '<dir>',
  example: 'automl-img convert voc ./odFridgeObjects -o out/',
  samples: [{ input: 'samples/voc', options: { oneBased: true } }],
  task: 'object-detection',
  options: OPTIONS,
});
