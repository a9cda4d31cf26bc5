/**
 * The options of `export coco`, in a module of their own so that the CLI can declare its flags
 * without loading the exporter (src/export/coco.ts re-exports them).
 *
 * @example
 *   import { EXPORT_COCO_OPTIONS } from './options.js';
 *   EXPORT_COCO_OPTIONS.precision.default; // 6
 */
import { flag, integer, text } from '../options.js';

/** The options of `export coco`, declared once: the CLI's flags and the library's checks. */
export const EXPORT_COCO_OPTIONS = Object.freeze({
  out: text('-o, --out <file>', 'the COCO JSON file to write'),
  imagesRoot: text('--images-root <dir>', 'read width and height from the image header (image_url relative to this folder) for lines without image_details'),
  baseUrl: text('--base-url <prefix>', 'a prefix removed from image_url to make file_name (what convert --base-url added)'),
  precision: integer('--precision <digits>', 'decimal places of pixel coordinates and areas (6 keeps 6-decimal JSONL exact)', { min: 0, max: 15, default: 6 }),
  force: flag('--force', 'replace an existing output file'),
});
