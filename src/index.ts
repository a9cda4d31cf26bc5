/**
 * automl-img as a library: everything a program needs to run a conversion without the CLI.
 *
 * @example
 *   import { convert } from 'automl-img';
 *   const summary = await convert('voc', './odFridgeObjects', { out: 'out/', seed: '1' });
 */
export { convert, summaryOf, resolveOptions, displayPath } from './convert.js';
export { CONVERTERS, findConverter } from './registry.js';
export { ConversionError, ERROR_CODES, isConversionError, type ErrorCode, type Diagnostic, type Location } from './errors.js';
export { splitItems, splitHash, validationCount, type SplitItem, type SplitOptions } from './split.js';
export { splitJsonl, type SplitJsonlOptions } from './commands/split.js';
export { validateJsonl, checkLine, taskOfLabel, FINDING_CODES, type Finding, type FindingCode, type ValidateOptions, type ValidationReport } from './jsonl-check.js';
export { jsonlStats, SIZE_BUCKETS, type StatsReport, type FileStats, type LabelStats, type StatsOptions } from './commands/stats.js';
export { recordToJson } from './format.js';
export { preview, PAGE_MARKER, type PreviewOptions, type PreviewSummary, type PreviewData } from './preview/index.js';
export { writeDataset, TRAIN_FILE, VALIDATION_FILE, TRAIN_MLTABLE_DIR, VALIDATION_MLTABLE_DIR, mltableText } from './writer.js';
export { main } from './cli.js';
export {
  maskToRings,
  labelledMaskToRings,
  rasterizeRings,
  DEFAULT_POLYGON_OPTIONS,
  type PolygonOptions,
  type LabelledMaskOptions,
} from './polygon/index.js';
export { decodeMask, type LabelMask, type MaskEncoding } from './mask/png.js';
export { parseVocAnnotation, readVocAnnotation, parseXml, type VocAnnotation, type VocObject, type VocBox, type VocSize, type XmlElement } from './voc.js';
export type * from './types.js';
