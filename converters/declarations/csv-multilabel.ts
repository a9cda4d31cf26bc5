/**
 * The declaration of csv-multilabel (alias `csv`: labels CSV + images → multi-label): its name, help, samples and options,
 * without its implementation (converters/csv-multilabel.ts, loaded when it runs).
 *
 * @example
 *   import CSV from './declarations/csv-multilabel.js';
 *   export default defineConverter({ ...CSV, run });
 */
import { flag, text, OptionValueError } from '../../src/options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Header names taken as the filename column, in order of preference (case-insensitive). */
export const FILENAME_NAMES = ['filename', 'file_name', 'file', 'image', 'image_name', 'image_path', 'image_url', 'path', 'img', 'name'];
/** Header names taken as the labels column of the list form, in order of preference (case-insensitive). */
export const LABELS_NAMES = ['labels', 'label', 'tags', 'tag', 'label_names', 'label_name', 'classes', 'class', 'categories', 'category'];
function parseDelimiter(value: string): string {
  const v = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if (v.length !== 1 || v === '"' || v === '\n' || v === '\r') throw new OptionValueError('expected one character (or "tab"), not a quote or a newline');
  return v;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new OptionValueError('expected a non-empty value');
  return value;
}

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  images: text('--images <dir>', 'the folder the CSV file names are relative to (default: images/ beside the CSV)'),
  filenameColumn: text('--filename-column <name>', `header of the file name column (default: the first of ${FILENAME_NAMES.slice(0, 5).join(', ')}, ..., else the first column)`, { check: nonEmpty }),
  labelsColumn: text(
    '--labels-column <name>',
    `header of the space-separated labels column (default: the first of ${LABELS_NAMES.slice(0, 4).join(', ')}, ..., or the other column of a two-column CSV)`,
    { check: nonEmpty },
  ),
  oneHot: flag('--one-hot', 'one 0/1 column per label (detected when there is no labels column and more than two columns)'),
  labelSeparator: text('--label-separator <s>', 'split the labels cell on this string instead of runs of whitespace (e.g. ";")'),
  delimiter: text('--delimiter <c>', 'the CSV field delimiter (one character, or "tab")', { default: ',', check: parseDelimiter }),
};

export default declareConverter({
  name: 'csv-multilabel',
  alias: 'csv',
  description: 'labels CSV + images → multi-label',
  argument: '<csv>',
  example: 'automl-img convert csv ./multilabelFridgeObjects/labels.csv -o out/',
  samples: [{ input: 'samples/csv/labels.csv' }],
  task: 'multi-label',
  options: OPTIONS,
});
