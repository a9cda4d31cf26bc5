/**
 * The declaration of labelme-to-jsonl (alias `labelme`: LabelMe JSON → detection or segmentation): its name, help, samples and options,
 * without its implementation (converters/labelme-to-jsonl.ts, loaded when it runs).
 *
 * @example
 *   import LABELME from './declarations/labelme-to-jsonl.js';
 *   export default defineConverter({ ...LABELME, run });
 */
import { choice, text, OptionValueError } from '../../src/options.js';
import { POLYGON_OPTIONS } from '../../src/polygon/cli-options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  task: choice(
    '--task <task>',
    'object-detection: the box around each object; instance-segmentation: its rings (a rectangle, a circle as a 32-gon, a mask traced)',
    ['object-detection', 'instance-segmentation'],
    { default: 'object-detection' },
  ),
  ...POLYGON_OPTIONS,
  extractImages: text(
    '--extract-images <dir>',
    "write the image a JSON embeds (imageData), when its file is missing, into <dir> (the dataset's folders mirrored: <dir>/<image_url path>); never inside the input",
    {
      check: (dir) => {
        if (dir === '') throw new OptionValueError('expected a folder');
        return dir;
      },
    },
  ),
};

export default declareConverter({
  name: 'labelme-to-jsonl',
  alias: 'labelme',
  description: 'LabelMe JSON → detection or segmentation',
  argument: '<dir|file.json>',
  example: 'automl-img convert labelme ./data_annotated --task instance-segmentation -o out/',
  samples: [{ input: 'samples/labelme' }, { input: 'samples/labelme', options: { task: 'instance-segmentation' } }],
  task: (own) => own.task,
  options: OPTIONS,
});
