/**
 * automl-img as a library: a small, deliberate list of what a program needs. The command line is not
 * among these exports (it loads commander and chalk): import `automl-img/cli` for `main`.
 *
 * @example
 *   import { convert } from 'automl-img';
 *   const summary = await convert('voc', './odFridgeObjects', { out: 'out/', seed: '1' });
 */
// Converting, and its errors
export { convert, summaryOf } from './convert.js';
export { resolveOptions, COMMON_OPTIONS } from './common-options.js';
export { CONVERTERS, findConverter } from './registry.js';
export { ConversionError, ERROR_CODES, isConversionError, type ErrorCode, type Diagnostic, type Location } from './errors.js';
// The other commands' library code
export { splitJsonl, type SplitJsonlOptions } from './jsonl/split.js';
export { validateJsonl, type ValidateOptions, type ValidationReport } from './jsonl/validate.js';
export { checkLine, taskOfLabel, FINDING_CODES, type Finding, type FindingCode } from './jsonl/check.js';
export { jsonlStats, SIZE_BUCKETS, type StatsReport, type FileStats, type LabelStats, type StatsOptions } from './jsonl/stats.js';
export { exportCoco, EXPORT_COCO_OPTIONS, type ExportCocoOptions, type ExportCocoSummary } from './export/index.js';
export { parsePrediction, type Prediction, type PredictedBox } from './predictions.js';
// The splitter and the writer, for programs that make their own records
export { splitItems, splitHash, validationCount, type SplitItem, type SplitOptions } from './split.js';
export { buildRequests, score, type RequestOptions, type RequestSummary, type ScoreOptions, type ScoreSummary } from './score/index.js';
export { evaluate, type EvaluateOptions, type EvaluationReport } from './evaluate/index.js';
export { preview, PAGE_MARKER, type PreviewOptions, type PreviewSummary, type PreviewData } from './preview/index.js';
export { writeDataset, TRAIN_FILE, VALIDATION_FILE, TRAIN_MLTABLE_DIR, VALIDATION_MLTABLE_DIR, mltableText } from './writer.js';
// Masks to polygons
export { maskToRings, labelledMaskToRings, rasterizeRings, DEFAULT_POLYGON_OPTIONS, type PolygonOptions, type LabelledMaskOptions } from './polygon/index.js';
export type * from './types.js';
