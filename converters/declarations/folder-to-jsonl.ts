/**
 * The declaration of folder-to-jsonl (alias `folder`: class-per-folder → multi-class): its name, help, samples and options,
 * without its implementation (converters/folder-to-jsonl.ts, loaded when it runs).
 *
 * @example
 *   import FOLDER from './declarations/folder-to-jsonl.js';
 *   export default defineConverter({ ...FOLDER, run });
 */
import { integer } from '../../src/options.js';
import { declareConverter } from '../../src/kit/define.js';

/** Its own options (the shared ones are src/common-options.ts). */
export const OPTIONS = {
  depth: integer('--depth <n>', 'folder levels searched for images: 1 = <class>/<image>, 2 also <class>/<sub>/<image>, ... (the class is always the top folder)', { min: 1, default: 1 }),
};

export default declareConverter({
  name: 'folder-to-jsonl',
  alias: 'folder',
  description: 'class-per-folder → multi-class',
  argument: '<dir>',
  example: 'automl-img convert folder ./fridgeObjects -o out/',
  samples: [{ input: 'samples/folder' }],
  task: 'multi-class',
  options: OPTIONS,
});
