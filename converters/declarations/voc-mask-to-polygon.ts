/**
 * The declaration of voc-mask-to-polygon (alias `voc-mask`: VOC XML + instance masks → instance segmentation): its name, help, samples and options,
 * without its implementation (converters/voc-mask-to-polygon.ts, loaded when it runs).
 *
 * @example
 *   import VOC_MASK from './declarations/voc-mask-to-polygon.js';
 *   export default defineConverter({ ...VOC_MASK, run });
 */
import { POLYGON_OPTIONS } from '../../src/polygon/cli-options.js';
import { jobsOption } from '../../src/jobs.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  ...POLYGON_OPTIONS,
  jobs: jobsOption('masks decoded and traced on n worker threads (1: on this thread, which also reads the XML)'),
};

export default declareConverter({
  name: 'voc-mask-to-polygon',
  alias: 'voc-mask',
  description: 'VOC XML + instance masks → instance segmentation',
  argument: '<dir>',
  example: 'automl-img convert voc-mask ./odFridgeObjectsMask -o out/',
  samples: [{ input: 'samples/voc-mask' }],
  task: 'instance-segmentation',
  options: OPTIONS,
});
