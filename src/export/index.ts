/**
 * `export`: AutoML JSONL to other tools' formats (SPEC §10). Today: COCO instances JSON.
 *
 * @example
 *   import { exportCoco } from './export/index.js';
 *   await exportCoco(['out/train_annotations.jsonl'], { out: 'coco.json', imagesRoot: 'data/' });
 */
export { ringsOverlap } from '../polygon/overlap.js';
export { exportCoco, EXPORT_COCO_OPTIONS, type ExportCocoOptions, type ExportCocoSummary } from './coco.js';
