/**
 * The declaration of cvat-to-jsonl (alias `cvat`: CVAT for images 1.1 XML → object detection, instance segmentation or multi-label): its name, help, samples and options,
 * without its implementation (converters/cvat-to-jsonl.ts, loaded when it runs).
 *
 * @example
 *   import CVAT from './declarations/cvat-to-jsonl.js';
 *   export default defineConverter({ ...CVAT, run });
 */
import { choice, flag, text } from '../../src/options.js';
import { POLYGON_OPTIONS } from '../../src/polygon/cli-options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  task: choice(
    '--task <task>',
    "object-detection: each shape's box; instance-segmentation: polygons, boxes as rectangles, masks traced into rings; multi-label: the images' <tag>s",
    ['object-detection', 'instance-segmentation', 'multi-label'],
    { default: 'object-detection' },
  ),
  images: text('--images <dir>', 'the folder of the images (default: images/ beside the XML); image_url is relative to its parent'),
  keepSplits: flag('--keep-splits', "an image's subset decides its file: train → train, any other (validation, test...) → validation; default: the usual split"),
  occludedAsCrowd: flag('--occluded-as-crowd', 'write occluded="1" objects with isCrowd 1 (default: ordinary objects)'),
  ...POLYGON_OPTIONS,
};

export default declareConverter({
  name: 'cvat-to-jsonl',
  alias: 'cvat',
  description: 'CVAT for images 1.1 XML → object detection, instance segmentation or multi-label',
  argument: '<xml|dir>',
  example: 'automl-img convert cvat export/annotations.xml -o out/',
  samples: [{ input: 'samples/cvat/annotations.xml' }, { input: 'samples/cvat/annotations.xml', options: { task: 'instance-segmentation' } }],
  task: (own) => own.task,
  options: OPTIONS,
});
