/**
 * The declaration of coco-to-jsonl (alias `coco`: COCO JSON → object detection or instance segmentation): its name, help, samples and options,
 * without its implementation (converters/coco-to-jsonl.ts, loaded when it runs).
 *
 * @example
 *   import COCO from './declarations/coco-to-jsonl.js';
 *   export default defineConverter({ ...COCO, run });
 */
import { choice, flag, text } from '../../src/options.js';
import { POLYGON_OPTIONS } from '../../src/polygon/cli-options.js';
import { jobsOption } from '../../src/jobs.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  task: choice('--task <task>', 'object-detection: boxes from bbox; instance-segmentation: polygons from segmentation (RLE traced into rings)', ['object-detection', 'instance-segmentation'], {
    default: 'object-detection',
  }),
  images: text('--images <dir>', 'the folder file_name is relative to; image_url is relative to its parent (default: beside the JSON, then its parent, each also with images/)'),
  dropEmpty: flag('--drop-empty', 'leave out images without annotations (default: written as background images, label [])'),
  ...POLYGON_OPTIONS,
  jobs: jobsOption('annotations read on n threads: this one and n - 1 worker threads, each ~35 MB more'),
};

export default declareConverter({
  name: 'coco-to-jsonl',
  alias: 'coco',
  description: 'COCO JSON → object detection or instance segmentation',
  argument: '<json>',
  example: 'automl-img convert coco coco/annotations/instances_val2017.json --images coco/val2017 -o out/',
  samples: [{ input: 'samples/coco/annotations.json' }, { input: 'samples/coco/annotations.json', options: { task: 'instance-segmentation' } }],
  task: (own) => own.task,
  options: OPTIONS,
});
