/**
 * Streaming access to large JSON files (COCO): the elements of chosen top-level arrays, in bounded
 * memory, each with its JSON path and byte position. See `scanner.ts` for the engine and `read.ts`
 * for files.
 */
export {
  DEFAULT_CHECKPOINT_BYTES,
  elementPath,
  elementRanges,
  parseJsonBytes,
  TopLevelArrayScanner,
  type ArrayInfo,
  type ArrayMode,
  type ArraySpec,
  type ByteSpan,
  type ElementRange,
  type JsonArrayElement,
  type ScannerOptions,
  type WantedArrays,
} from './scanner.js';
export {
  DEFAULT_CHUNK_SIZE,
  readJsonAt,
  readJsonAtSync,
  readRangeSync,
  guessElementStart,
  scanRestSync,
  type RestOfFile,
  readTopLevelArrays,
  TopLevelArrays,
  type JsonLocation,
  type ReadArraysOptions,
} from './read.js';
