/**
 * The declaration of yolo-to-jsonl (alias `yolo`: Ultralytics / Darknet YOLO → detection or segmentation): its name, help, samples and options,
 * without its implementation (converters/yolo-to-jsonl.ts, loaded when it runs).
 *
 * @example
 *   import YOLO from './declarations/yolo-to-jsonl.js';
 *   export default defineConverter({ ...YOLO, run });
 */
import { choice, flag } from '../../src/options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  task: choice(
    '--task <task>',
    'object-detection: boxes (a polygon line gives its bounding box); instance-segmentation: polygons (a box line gives a rectangle)',
    ['object-detection', 'instance-segmentation'],
    { default: 'object-detection' },
  ),
  keepSplits: flag('--keep-splits', "keep the dataset's own splits: train → train file, val → validation file, test left out; images of no split are split as usual"),
};

export default declareConverter({
  name: 'yolo-to-jsonl',
  alias: 'yolo',
  description: 'Ultralytics / Darknet YOLO → detection or segmentation',
  argument: '<dir|data.yaml|obj.data>',
  example: 'automl-img convert yolo ./dataset/data.yaml -o out/ --keep-splits',
  samples: [{ input: 'samples/yolo' }, { input: 'samples/yolo/data.yaml', options: { task: 'instance-segmentation', keepSplits: true } }],
  task: (own) => own.task,
  options: OPTIONS,
});
