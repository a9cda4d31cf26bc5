/**
 * The one registry of converters. The CLI's subcommands, aliases and `--help` come from it;
 * a new converter plugs in by adding one line here.
 */
import folderToJsonl from '../converters/folder-to-jsonl.js';
import csvMultilabel from '../converters/csv-multilabel.js';
import vocDetection from '../converters/voc-detection.js';
import vocMaskToPolygon from '../converters/voc-mask-to-polygon.js';
import cocoToJsonl from '../converters/coco-to-jsonl.js';
import yolo from '../converters/yolo-to-jsonl.js';
import labelme from '../converters/labelme-to-jsonl.js';
import cvatToJsonl from '../converters/cvat-to-jsonl.js';
import type { Converter } from './types.js';

/** Every converter, by name, in the order `--help` lists them. */
export const CONVERTERS: Readonly<Record<string, Converter>> = Object.freeze({
  [folderToJsonl.name]: folderToJsonl,
  [csvMultilabel.name]: csvMultilabel,
  [vocDetection.name]: vocDetection,
  [vocMaskToPolygon.name]: vocMaskToPolygon,
  [cocoToJsonl.name]: cocoToJsonl,
  [yolo.name]: yolo,
  [labelme.name]: labelme,
  [cvatToJsonl.name]: cvatToJsonl,
});

/** A converter by name or alias. */
export function findConverter(nameOrAlias: string): Converter | undefined {
  if (Object.hasOwn(CONVERTERS, nameOrAlias)) return CONVERTERS[nameOrAlias];
  return Object.values(CONVERTERS).find((c) => c.alias === nameOrAlias);
}
