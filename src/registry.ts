/**
 * The one registry of converters. The CLI's subcommands, aliases and `--help` come from it;
 * a new converter plugs in by adding one line here. It loads each converter's declaration only
 * (converters/declarations/): a converter's implementation loads when it runs (src/kit/define.ts's
 * `lazyConverter`), so a command line starts without loading every converter.
 *
 * @example
 *   await convert(findConverter('yolo')!, 'dataset/', { out: 'out/' });
 */
import { lazyConverter } from './kit/define.js';
import COCO from '../converters/declarations/coco-to-jsonl.js';
import CSV from '../converters/declarations/csv-multilabel.js';
import CVAT from '../converters/declarations/cvat-to-jsonl.js';
import FOLDER from '../converters/declarations/folder-to-jsonl.js';
import LABELME from '../converters/declarations/labelme-to-jsonl.js';
import VOC from '../converters/declarations/voc-detection.js';
import VOC_MASK from '../converters/declarations/voc-mask-to-polygon.js';
import YOLO from '../converters/declarations/yolo-to-jsonl.js';
import type { Converter } from './types.js';

/** Every converter, by name, in the order `--help` lists them. */
export const CONVERTERS: Readonly<Record<string, Converter>> = Object.freeze({
  [FOLDER.name]: lazyConverter(FOLDER, () => import('../converters/folder-to-jsonl.js')),
  [CSV.name]: lazyConverter(CSV, () => import('../converters/csv-multilabel.js')),
  [VOC.name]: lazyConverter(VOC, () => import('../converters/voc-detection.js')),
  [VOC_MASK.name]: lazyConverter(VOC_MASK, () => import('../converters/voc-mask-to-polygon.js')),
  [COCO.name]: lazyConverter(COCO, () => import('../converters/coco-to-jsonl.js')),
  [YOLO.name]: lazyConverter(YOLO, () => import('../converters/yolo-to-jsonl.js')),
  [LABELME.name]: lazyConverter(LABELME, () => import('../converters/labelme-to-jsonl.js')),
  [CVAT.name]: lazyConverter(CVAT, () => import('../converters/cvat-to-jsonl.js')),
});

/** A converter by name or alias. */
export function findConverter(nameOrAlias: string): Converter | undefined {
  if (Object.hasOwn(CONVERTERS, nameOrAlias)) return CONVERTERS[nameOrAlias];
  return Object.values(CONVERTERS).find((c) => c.alias === nameOrAlias);
}
