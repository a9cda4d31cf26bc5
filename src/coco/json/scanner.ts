/**
 * A byte-level scanner for the top level of a JSON object, built for COCO files too large to hold as
 * one string (LVIS, Objects365 exceed V8's 512 MiB string limit).
 *
 * The scanner is fed the file's bytes in chunks of any size and finds the elements of the top-level
 * arrays it was asked for (`images`, `annotations`, ...): it tracks strings, escapes and nesting
 * byte by byte without building strings, and hands each wanted element's bytes to `JSON.parse`.
 * Every other top-level member (`info`, `licenses`, an array not wanted in this pass) is stepped
 * over without being decoded. Memory holds one chunk plus the element in progress.
 *
 * What is checked: the top-level structure (an object, keys, `:`, `,`, the brackets of arrays and of
 * skipped values, nothing after the object) and, through `JSON.parse`, every parsed element. The
 * contents of skipped members are checked for their brackets and strings only, and so are elements in
 * `'locate'` mode and deferred members (see {@link ArraySpec.defer}).
 *
 * @example
 *   const scanner = new TopLevelArrayScanner({ images: 'parse', annotations: 'locate' }, { file: 'instances.json' });
 *   const found: JsonArrayElement[] = [];
 *   for (const chunk of chunks) scanner.push(chunk, found);
 *   scanner.end();                                  // throws JSON_PARSE when the file is truncated
 *   scanner.arrays.get('images')?.count;            // undefined when the file has no "images"
 */
import { ConversionError, type ErrorCode } from '../../errors.js';

/**
 * What to do with the elements of a wanted array: `'parse'` yields each element's value;
 * `'locate'` yields only where it is (offset and length), to read it back later (`readJsonAt`);
 * `'count'` yields nothing: the array is checked like in `'locate'` mode, its elements counted, and
 * element boundaries recorded as {@link ArrayInfo.checkpoints} (see {@link ArraySpec.checkpointBytes}),
 * so that ranges of elements can be read later, for example on several threads ({@link TopLevelArrayScanner.resume}).
 */
export type ArrayMode = 'parse' | 'locate' | 'count';

/** How to read one wanted array. */
export interface ArraySpec {
  /** Default `'parse'`. */
  mode?: ArrayMode | undefined;
  /**
   * Members of each element (when it is an object) not to parse: their value is set to `null` and
   * {@link JsonArrayElement.deferred} says where their JSON text is, to read it later if needed. For
   * example `['segmentation']` when only boxes are wanted: polygons are most of a COCO file and most
   * of the time `JSON.parse` spends on it. Only an array or object value of 4 bytes or more is
   * deferred; a value of another kind, a shorter one (`[]`, `{}`, `[1]`) and the value of a key
   * written with escapes are parsed as usual.
   */
  defer?: readonly string[] | undefined;
  /**
   * `'count'` mode: a checkpoint is recorded at the first element, then at the first element that
   * starts this many bytes or more after the last checkpoint. Default 4 MiB.
   */
  checkpointBytes?: number | undefined;
}

/** The wanted top-level arrays: key → mode or spec. Other top-level members are skipped. */
export type WantedArrays = Readonly<Record<string, ArrayMode | ArraySpec>> | ReadonlyMap<string, ArrayMode | ArraySpec>;

/** Where a value lies in the file. */
export interface ByteSpan {
  /** Byte offset of its first byte. */
  offset: number;
  /** Its length in bytes. */
  length: number;
}

/** One element of a wanted top-level array. */
export interface JsonArrayElement {
  /** The top-level key of its array (`images`). */
  key: string;
  /** Its 0-based position in the array: its JSON path is `` `${key}[${index}]` ``. */
  index: number;
  /** Byte offset of its first byte in the file (a BOM counts). */
  offset: number;
  /** Its length in bytes, from its first byte to its last. */
  length: number;
  /** The parsed value (`undefined` in `'locate'` mode). Objects come straight from `JSON.parse`. */
  value: unknown;
  /**
   * The deferred members this element has (see {@link ArraySpec.defer}), by name, on an object without
   * prototype; `undefined` when it has none.
   */
  deferred: Record<string, ByteSpan> | undefined;
}

/** A wanted array that the file has. */
export interface ArrayInfo {
  /** Byte offset of its `[`. */
  offset: number;
  /** Elements seen so far (all of them once the scan is over). */
  count: number;
  /** True once its `]` has been read. */
  complete: boolean;
  /** Byte offset just past its `]`, once read. */
  end?: number | undefined;
  /**
   * `'count'` mode: where elements start, every {@link ArraySpec.checkpointBytes} or so: `index[k]` is
   * the position in the array of the element whose first byte is at `offset[k]` (increasing).
   */
  checkpoints?: { index: number[]; offset: number[] } | undefined;
}

/** Where a range of elements of an array lies (see {@link TopLevelArrayScanner.resume}). */
export interface ElementRange {
  /** Position in the array of the range's first element. */
  index: number;
  /** Byte offset of its first element's first byte. */
  offset: number;
  /** Elements in the range. */
  count: number;
  /** Byte offset where the range ends: the next range's first element, or just past the array's `]`. */
  end: number;
  /** True when the range ends with the array (`end` is just past its `]`). */
  last: boolean;
}

/** The ranges of about {@link ArraySpec.checkpointBytes} each of an array read in `'count'` mode. */
export function elementRanges(info: ArrayInfo): ElementRange[] {
  const cp = info.checkpoints;
  if (!cp || !info.complete || info.end === undefined || cp.index.length === 0) return [];
  const ranges: ElementRange[] = [];
  for (let k = 0; k < cp.index.length; k++) {
    const last = k + 1 === cp.index.length;
    const nextIndex = last ? info.count : cp.index[k + 1]!;
    ranges.push({ index: cp.index[k]!, offset: cp.offset[k]!, count: nextIndex - cp.index[k]!, end: last ? info.end : cp.offset[k + 1]!, last });
  }
  return ranges;
}

/** Options of {@link TopLevelArrayScanner}. */
export interface ScannerOptions {
  /** The file, as messages name it. */
  file?: string | undefined;
  /**
   * Where to keep bytes at first: the {@link TopLevelArrayScanner.buffer} of an earlier scanner, to
   * scan many ranges without allocating (its contents are overwritten).
   */
  buffer?: Buffer | undefined;
}

/** Whether `buf` holds the bytes of `name` from `at` (a short loop: cheaper than Buffer.compare for a member name). */
function sameBytes(buf: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let k = 0; k < name.length; k++) if (buf[at + k] !== name[k]) return false;
  return true;
}

/** The JSON path of an element, as messages give it: `annotations[12]`. */
export function elementPath(key: string, index: number): string {
  return `${key}[${index}]`;
}

/**
 * Parses the UTF-8 bytes of one value (an element or a deferred member read back by its position);
 * malformed bytes throw `JSON_PARSE` at `where` (with the byte range when `where.offset` is given).
 */
export function parseJsonBytes(bytes: Uint8Array, where: { file?: string | undefined; path?: string | undefined; offset?: number } = {}): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch (e) {
    const at = where.offset === undefined ? '' : ` (bytes ${where.offset}–${where.offset + bytes.length})`;
    throw new ConversionError('JSON_PARSE', `malformed JSON${at}: ${(e as Error).message}`, { file: where.file, path: where.path }, { cause: e });
  }
}

// Scanner states: where the next byte is.
const BOM = 0; // at the very start: a UTF-8 BOM may come
const BEFORE_OBJECT = 1; // before the top-level `{`
const FIRST_KEY = 2; // after `{`: a key or `}`
const NEXT_KEY = 3; // after `,`: a key
const KEY = 4; // inside a key string
const COLON = 5; // after a key
const VALUE = 6; // after `:`
const SKIP = 7; // inside a value being skipped
const AFTER_VALUE = 8; // after a member's value: `,` or `}`
const FIRST_ELEMENT = 9; // after `[` of a wanted array: an element or `]`
const NEXT_ELEMENT = 10; // after `,` in a wanted array: an element
const ELEMENT = 11; // inside an element
const AFTER_ELEMENT = 12; // after an element: `,` or `]`
const DONE = 13; // after the top-level `}`: whitespace only

// Kinds of the value being scanned.
const CONTAINER = 1;
const STRING = 2;
const SCALAR = 3;

// Byte classes inside a container.
const QUOTE = 1;
const OPEN = 2;
const CLOSE = 3;
const CLASS = new Uint8Array(256);
CLASS[0x22] = QUOTE;
CLASS[0x5b] = OPEN;
CLASS[0x7b] = OPEN;
CLASS[0x5d] = CLOSE;
CLASS[0x7d] = CLOSE;

const SPACE = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) SPACE[c] = 1;

/** Bytes that end a number, `true`, `false` or `null`. */
const ENDS_SCALAR = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d, 0x5b, 0x7b, 0x22, 0x3a]) ENDS_SCALAR[c] = 1;

/** Bytes a JSON value can start with. */
const STARTS_VALUE = new Uint8Array(256);
for (const c of '{["-0123456789tfn') STARTS_VALUE[c.charCodeAt(0)] = 1;

const INITIAL_CAPACITY = 1 << 16;

/** Default {@link ArraySpec.checkpointBytes}: 4 MiB. */
export const DEFAULT_CHECKPOINT_BYTES = 4 << 20;

interface ResolvedSpec {
  mode: ArrayMode;
  checkpointBytes: number;
  /** Names to defer, as UTF-8 bytes; empty when none. */
  defer: Buffer[];
  deferNames: string[];
}

/** A deferred member found in the element being scanned (file offsets). */
interface MemberSpan {
  name: number;
  start: number;
  end: number;
}

function resolveSpec(spec: ArrayMode | ArraySpec): ResolvedSpec {
  if (typeof spec === 'string') return { mode: spec, defer: [], deferNames: [], checkpointBytes: DEFAULT_CHECKPOINT_BYTES };
  const mode = spec.mode ?? 'parse';
  const deferNames = mode === 'parse' ? [...(spec.defer ?? [])] : [];
  const checkpointBytes = spec.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  if (!(checkpointBytes >= 1)) throw new RangeError(`checkpointBytes must be at least 1, got ${checkpointBytes}`);
  return { mode, defer: deferNames.map((name) => Buffer.from(name, 'utf8')), deferNames, checkpointBytes };
}

/**
 * Finds the elements of wanted top-level arrays in a JSON object fed as bytes. Push the file's chunks
 * in order with {@link push}, then call {@link end}. Problems throw {@link ConversionError}:
 * `JSON_PARSE` for malformed or truncated JSON (located at the element or member being read),
 * `JSON_BAD_VALUE` when the top level is not an object, when a wanted key holds something other than
 * an array, or when a wanted key appears twice. Missing arrays are not an error here: see {@link arrays}.
 */
export class TopLevelArrayScanner {
  /** Wanted arrays found so far, by key, in file order. */
  readonly arrays = new Map<string, ArrayInfo>();

  private readonly wanted: ReadonlyMap<string, ResolvedSpec>;
  private readonly file: string | undefined;

  private buf = newBuffer(INITIAL_CAPACITY);
  /** `buf` as 32-bit words (its byte offset is 0). */
  private words = new Uint32Array(this.buf.buffer, 0, this.buf.length >> 2);
  /** File offset of `buf[0]`. */
  private base = 0;
  /** Bytes of `buf` in use. */
  private len = 0;
  /** Next byte of `buf` to scan. */
  private pos = 0;
  /** File offset of the first byte still needed (a key or a parsed element in progress), or -1. */
  private keepFrom = -1;

  private state = BOM;
  private bomBytes = 0;
  /** The key whose value is being read (or was last read). */
  private key = '';
  private current: ArrayInfo | undefined;
  private mode: ArrayMode = 'parse';
  /** Member names deferred in the current array (empty: none, the fast path). */
  private defer: Buffer[] = [];
  private deferNames: string[] = [];
  private checkpointBytes = DEFAULT_CHECKPOINT_BYTES;
  /** `'count'` mode: the next element starting at or after this offset is a checkpoint. */
  private nextCheckpoint = 0;
  /** File offset where the current key or element started. */
  private tokenStart = 0;

  // The value being scanned.
  private kind = 0;
  private depth = 0;
  private stack = new Uint8Array(64);
  private inString = false;
  private escape = false;

  // Deferred members of the element being scanned.
  /** File offset of the opening quote of the string in progress at depth 1. */
  private stringStart = 0;
  /** True after a string at the top of the element that names a deferred member. */
  private keyPending = false;
  private keyName = 0;
  /** File offset of the deferred value in progress (its `[` or `{`), or -1. */
  private memberStart = -1;
  private members: MemberSpan[] = [];
  private error: ConversionError | undefined;

  constructor(arrays: WantedArrays, options: ScannerOptions = {}) {
    const entries: [string, ArrayMode | ArraySpec][] = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
    this.wanted = new Map(entries.map(([key, spec]) => [key, resolveSpec(spec)]));
    this.file = options.file;
    const given = options.buffer;
    if (given !== undefined && given.byteOffset === 0 && given.length >= 4 && given.length % 4 === 0 && given.length === given.buffer.byteLength) {
      this.buf = given;
      this.words = new Uint32Array(given.buffer, 0, given.length >> 2);
    }
  }

  /** Where bytes are kept (grown as needed): give it to the next scanner ({@link ScannerOptions.buffer}) once this one is done. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.base + this.len;
  }

  /**
   * Scans the next chunk, appending the elements it completes to `out` (when it throws, the elements
   * before the problem are in `out`). After an error, every call throws that error again.
   */
  push(chunk: Uint8Array, out: JsonArrayElement[]): void {
    if (this.error) throw this.error;
    if (this.stopped) throw new Error('push: the scan stopped (see stopBefore); call resumeScan first');
    this.append(chunk);
    this.run(out);
  }

  /** Declares the end of the file; throws `JSON_PARSE` when the object is not complete. */
  end(): void {
    if (this.error) throw this.error;
    if (this.state === DONE) return;
    if (this.base + this.len === 0) this.fail('JSON_PARSE', 'the file is empty', undefined);
    this.fail('JSON_PARSE', `unexpected end of file after ${this.base + this.len} bytes`, this.path());
  }

  /** The keys of `arrays` (as given to the constructor) that the file has not shown so far. */
  missing(): string[] {
    return [...this.wanted.keys()].filter((k) => !this.arrays.has(k));
  }

  /**
   * Starts the scanner inside the wanted array `key` (one of the constructor's), at the first byte of
   * its element number `range.index`, instead of at the start of the file: push the bytes from
   * `range.offset` to `range.end` (found by an earlier `'count'` pass), then call {@link endRange}.
   * Elements, offsets and messages are the same as when the whole file is scanned. Call before any push.
   */
  resume(key: string, range: ElementRange): void {
    const spec = this.wanted.get(key);
    if (spec === undefined) throw new Error(`resume: ${JSON.stringify(key)} is not a wanted array`);
    if (this.base + this.len !== 0 || this.state !== BOM) throw new Error('resume: the scanner has already been fed');
    this.base = range.offset;
    this.key = key;
    this.current = { offset: -1, count: range.index, complete: false };
    if (spec.mode === 'count') this.current.checkpoints = { index: [], offset: [] };
    this.nextCheckpoint = range.offset;
    this.arrays.set(key, this.current);
    this.mode = spec.mode;
    this.defer = spec.defer;
    this.deferNames = spec.deferNames;
    this.checkpointBytes = spec.checkpointBytes;
    this.state = NEXT_ELEMENT;
    this.rangeEnd = range;
  }

  private rangeEnd: ElementRange | undefined;

  private stopAt = -1;
  /** True when the scan stopped before the element at the offset given to {@link stopBefore}. */
  stopped = false;

  /**
   * In a `'count'` array: stop before the element that starts at byte `offset`, if one does (push
   * returns with {@link stopped} set; the bytes after it in the chunk are not scanned). For a scan that
   * another thread does from there. {@link resumeScan} goes on as if nothing had happened.
   */
  stopBefore(offset: number): void {
    this.stopAt = offset;
  }

  /** After a stop: scans the rest of the bytes pushed, and goes on with the next pushes. */
  resumeScan(out: JsonArrayElement[]): void {
    this.stopAt = -1;
    this.stopped = false;
    if (this.error) throw this.error;
    this.run(out);
  }

  /** Where the scan is (for a stop: the first byte of the element it stopped before). */
  get position(): number {
    return this.base + this.pos;
  }

  /**
   * After {@link resume} and the range's bytes: throws `JSON_PARSE` when they did not hold the range's
   * elements, ending as expected (the file changed since the counting pass).
   */
  endRange(): void {
    if (this.error) throw this.error;
    const range = this.rangeEnd!;
    const ended = range.last ? this.state === AFTER_VALUE : this.state === NEXT_ELEMENT && this.len + this.base === range.end;
    if (!ended || this.current!.count !== range.index + range.count) {
      this.fail('JSON_PARSE', `unexpected content between bytes ${range.offset} and ${range.end} (has the file changed since it was first read?)`, this.path());
    }
  }

  private append(chunk: Uint8Array): void {
    const keep = this.keepFrom < 0 ? this.len : this.keepFrom - this.base;
    const kept = this.len - keep;
    const need = kept + chunk.length;
    if (need > this.buf.length) {
      const grown = newBuffer(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, keep, this.len);
      this.buf = grown;
      this.words = new Uint32Array(grown.buffer, 0, grown.length >> 2);
    } else if (keep > 0) {
      this.buf.copyWithin(0, keep, this.len);
    }
    this.base += keep;
    this.pos -= keep;
    this.len = kept;
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private run(out: JsonArrayElement[]): void {
    const buf = this.buf;
    const end = this.len;
    let i = this.pos;
    while (i < end) {
      switch (this.state) {
        case ELEMENT: {
          const j = this.scanValue(buf, i, end);
          if (j < 0) {
            i = end;
            break;
          }
          this.finishElement(j, out);
          i = j;
          this.state = AFTER_ELEMENT;
          break;
        }
        case AFTER_ELEMENT: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c === 0x2c) {
            this.state = NEXT_ELEMENT;
          } else if (c === 0x5d) {
            this.current!.complete = true;
            this.current!.end = this.base + i + 1;
            this.state = AFTER_VALUE;
          } else {
            this.unexpected(c, i, `',' or ']' after the element`, this.path());
          }
          i++;
          break;
        }
        case FIRST_ELEMENT:
        case NEXT_ELEMENT: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c === 0x5d && this.state === FIRST_ELEMENT) {
            this.current!.complete = true;
            this.current!.end = this.base + i + 1;
            this.state = AFTER_VALUE;
            i++;
            break;
          }
          if (!STARTS_VALUE[c]) {
            const what = c === 0x5d ? `a value after ',' (no trailing commas in JSON)` : 'a value';
            this.unexpected(c, i, what, elementPath(this.key, this.current!.count));
          }
          this.tokenStart = this.base + i;
          if (this.tokenStart === this.stopAt && this.mode === 'count') {
            // Stop before this element (see stopBefore); scanning goes on from here after resumeScan.
            this.stopped = true;
            this.pos = i;
            return;
          }
          if (this.mode === 'parse') this.keepFrom = this.tokenStart;
          else if (this.mode === 'count' && this.tokenStart >= this.nextCheckpoint) this.checkpoint();
          i = this.startValue(buf, i, c);
          this.keyPending = false;
          this.memberStart = -1;
          this.state = ELEMENT;
          break;
        }
        case SKIP: {
          const j = this.scanValue(buf, i, end);
          if (j < 0) {
            i = end;
            break;
          }
          i = j;
          this.state = AFTER_VALUE;
          break;
        }
        case AFTER_VALUE: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c === 0x2c) this.state = NEXT_KEY;
          else if (c === 0x7d) this.state = DONE;
          else this.unexpected(c, i, `',' or '}' after the value of ${JSON.stringify(this.key)}`, this.key);
          i++;
          break;
        }
        case FIRST_KEY:
        case NEXT_KEY: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c === 0x7d && this.state === FIRST_KEY) {
            this.state = DONE;
          } else if (c === 0x22) {
            this.tokenStart = this.base + i;
            this.keepFrom = this.tokenStart;
            this.inString = true;
            this.escape = false;
            this.state = KEY;
          } else {
            this.unexpected(c, i, this.state === FIRST_KEY ? `a key or '}'` : `a key after ','`, undefined);
          }
          i++;
          break;
        }
        case KEY: {
          const j = this.continueString(buf, i, end);
          if (j < 0) {
            i = end;
            break;
          }
          this.key = this.parseKey(buf, j);
          this.keepFrom = -1;
          i = j;
          this.state = COLON;
          break;
        }
        case COLON: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c !== 0x3a) this.unexpected(c, i, `':' after the key ${JSON.stringify(this.key)}`, this.key);
          i++;
          this.state = VALUE;
          break;
        }
        case VALUE: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (!STARTS_VALUE[c]) this.unexpected(c, i, `a value for ${JSON.stringify(this.key)}`, this.key);
          const spec = this.wanted.get(this.key);
          if (spec === undefined) {
            i = this.startValue(buf, i, c);
            this.state = SKIP;
            break;
          }
          if (c !== 0x5b) {
            this.fail('JSON_BAD_VALUE', `expected an array, found ${describeStart(c)} at byte ${this.base + i}`, this.key);
          }
          if (this.arrays.has(this.key)) {
            this.fail('JSON_BAD_VALUE', `the key appears a second time at the top level (byte ${this.base + i})`, this.key);
          }
          this.current = { offset: this.base + i, count: 0, complete: false };
          if (spec.mode === 'count') this.current.checkpoints = { index: [], offset: [] };
          this.arrays.set(this.key, this.current);
          this.mode = spec.mode;
          this.defer = spec.defer;
          this.deferNames = spec.deferNames;
          this.checkpointBytes = spec.checkpointBytes;
          this.nextCheckpoint = 0;
          i++;
          this.state = FIRST_ELEMENT;
          break;
        }
        case DONE: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          this.unexpected(buf[i]!, i, 'nothing after the top-level object', undefined);
          break;
        }
        case BOM: {
          const c = buf[i]!;
          const expected = [0xef, 0xbb, 0xbf][this.bomBytes]!;
          if (c === expected) {
            i++;
            if (++this.bomBytes === 3) this.state = BEFORE_OBJECT;
          } else if (this.bomBytes === 0) {
            this.state = BEFORE_OBJECT;
          } else {
            this.unexpected(c, i, 'a UTF-8 byte order mark', undefined);
          }
          break;
        }
        case BEFORE_OBJECT: {
          i = skipSpace(buf, i, end);
          if (i === end) break;
          const c = buf[i]!;
          if (c === 0x7b) {
            this.state = FIRST_KEY;
            i++;
          } else if (STARTS_VALUE[c]) {
            this.fail('JSON_BAD_VALUE', `expected an object at the top level, found ${describeStart(c)}`, undefined);
          } else {
            this.unexpected(c, i, `'{'`, undefined);
          }
          break;
        }
        default:
          throw new Error(`unreachable scanner state ${this.state}`);
      }
    }
    this.pos = i;
  }

  /** Starts scanning the value whose first byte `c` is at `i`; returns the next index to scan. */
  private startValue(buf: Uint8Array, i: number, c: number): number {
    if (c === 0x7b || c === 0x5b) {
      this.kind = CONTAINER;
      this.stack[0] = c;
      this.depth = 1;
      this.inString = false;
    } else if (c === 0x22) {
      this.kind = STRING;
      this.inString = true;
      this.escape = false;
    } else {
      this.kind = SCALAR;
    }
    return i + 1;
  }

  /** Scans the value in progress; returns the index just past it, or -1 when it goes on past `end`. */
  private scanValue(buf: Uint8Array, i: number, end: number): number {
    if (this.kind === CONTAINER) return this.scanContainer(buf, i, end);
    if (this.kind === STRING) return this.continueString(buf, i, end);
    while (i < end && !ENDS_SCALAR[buf[i]!]) i++;
    return i < end ? i : -1;
  }

  private scanContainer(buf: Uint8Array, i: number, end: number): number {
    // Deferred members are looked for among the members of an element that is an object.
    const tracking = this.defer.length > 0 && this.state === ELEMENT && this.stack[0] === 0x7b;
    if (this.inString) {
      i = this.continueString(buf, i, end);
      if (i < 0) return -1;
      if (tracking && this.depth === 1) this.checkKey(this.stringStart, this.base + i);
    }
    let depth = this.depth;
    let stack = this.stack;
    const words = this.words;
    for (;;) {
      // The hot loop: numbers, commas, colons, spaces. Four bytes at a time while all of them are
      // below 0x40 (so none is a bracket) and none is a quote, then byte by byte to the next word.
      let c = 0;
      for (;;) {
        if ((i & 3) === 0) {
          while (i + 4 <= end) {
            const w = words[i >> 2]!;
            if ((w & 0xc0c0c0c0) !== 0) break;
            const q = w ^ 0x22222222;
            if (((q - 0x01010101) & ~q & 0x80808080) !== 0) break;
            i += 4;
          }
        }
        if (i >= end || CLASS[(c = buf[i]!)] !== 0) break;
        i++;
      }
      if (i >= end) break;
      i++;
      const k = CLASS[c]!;
      if (k === QUOTE) {
        const quote = i - 1;
        for (;;) {
          if (i >= end) {
            this.stringStart = this.base + quote;
            this.inString = true;
            this.escape = false;
            this.depth = depth;
            return -1;
          }
          const d = buf[i++]!;
          if (d === 0x22) break;
          if (d === 0x5c) {
            if (i >= end) {
              this.stringStart = this.base + quote;
              this.inString = true;
              this.escape = true;
              this.depth = depth;
              return -1;
            }
            i++;
          }
        }
        if (tracking && depth === 1) this.checkKey(this.base + quote, this.base + i);
      } else if (k === OPEN) {
        if (tracking && depth === 1 && this.keyPending) {
          // The value of a deferred member. (Were anything but `:` and spaces between the name and
          // this bracket, the element would be invalid, and stays so with `null` in place of the value.)
          this.memberStart = this.base + i - 1;
          this.keyPending = false;
        }
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          stack = this.stack = grown;
        }
        stack[depth++] = c;
      } else {
        const open = stack[--depth]!;
        // `]` is `[` + 2 and `}` is `{` + 2.
        if (open !== c - 2) this.unexpected(c, i - 1, `'${String.fromCharCode(open + 2)}'`, this.path());
        if (depth === 1 && this.memberStart >= 0) {
          this.members.push({ name: this.keyName, start: this.memberStart, end: this.base + i });
          this.memberStart = -1;
        }
        if (depth === 0) {
          this.depth = 0;
          return i;
        }
      }
    }
    this.depth = depth;
    return -1;
  }

  /** After a string at the top of an element (file offsets of its quotes): is it a deferred member's name? */
  private checkKey(start: number, end: number): void {
    this.keyPending = false;
    const length = end - start - 2;
    const from = start + 1 - this.base;
    for (let n = 0; n < this.defer.length; n++) {
      const name = this.defer[n]!;
      if (name.length === length && sameBytes(this.buf, from, name)) {
        this.keyPending = true;
        this.keyName = n;
        return;
      }
    }
  }

  /** Goes on with a string whose opening quote has been read; returns the index past its closing quote or -1. */
  private continueString(buf: Uint8Array, i: number, end: number): number {
    if (this.escape) {
      if (i >= end) return -1;
      i++;
      this.escape = false;
    }
    while (i < end) {
      const d = buf[i++]!;
      if (d === 0x22) {
        this.inString = false;
        return i;
      }
      if (d === 0x5c) {
        if (i >= end) {
          this.escape = true;
          return -1;
        }
        i++;
      }
    }
    return -1;
  }

  private parseKey(buf: Buffer, j: number): string {
    try {
      return JSON.parse(buf.toString('utf8', this.tokenStart - this.base, j)) as string;
    } catch (e) {
      this.fail('JSON_PARSE', `malformed key at byte ${this.tokenStart}: ${(e as Error).message}`, undefined, e);
    }
  }

  /** Records the element starting at {@link tokenStart} as a checkpoint (`'count'` mode). */
  private checkpoint(): void {
    const cp = this.current!.checkpoints;
    if (cp === undefined) return;
    cp.index.push(this.current!.count);
    cp.offset.push(this.tokenStart);
    this.nextCheckpoint = this.tokenStart + this.checkpointBytes;
  }

  private finishElement(j: number, out: JsonArrayElement[]): void {
    const current = this.current!;
    if (this.mode === 'count') {
      current.count++;
      return;
    }
    const index = current.count++;
    const offset = this.tokenStart;
    const length = this.base + j - offset;
    let value: unknown;
    let deferred: Record<string, ByteSpan> | undefined;
    if (this.mode === 'parse') {
      const start = offset - this.base;
      let text: string;
      if (this.members.length > 0) ({ text, deferred } = this.withoutMembers(start, j));
      else text = this.buf.toString('utf8', start, j);
      try {
        value = JSON.parse(text);
      } catch (e) {
        let error = e;
        if (deferred) {
          // Report what JSON.parse says about the element as written.
          try {
            JSON.parse(this.buf.toString('utf8', start, j));
          } catch (asWritten) {
            error = asWritten;
          }
        }
        this.fail('JSON_PARSE', `malformed element (bytes ${offset}–${offset + length}): ${(error as Error).message}`, elementPath(this.key, index), error);
      }
      this.members.length = 0;
      this.keepFrom = -1;
    }
    out.push({ key: this.key, index, offset, length, value, deferred });
  }

  /**
   * The element's text (bytes `start` to `end` of the buffer) with the values of its deferred members
   * replaced by `null`, so that JSON.parse neither reads nor builds them (the buffer is left as is),
   * and their spans. A value shorter than `null` is left as written (and not deferred).
   */
  private withoutMembers(start: number, end: number): { text: string; deferred: Record<string, ByteSpan> | undefined } {
    let deferred: Record<string, ByteSpan> | undefined;
    let text = '';
    let from = start;
    for (const m of this.members) {
      const a = m.start - this.base;
      const b = m.end - this.base;
      if (b - a < 4) continue;
      text += this.buf.toString('utf8', from, a) + 'null';
      from = b;
      deferred ??= Object.create(null) as Record<string, ByteSpan>;
      deferred[this.deferNames[m.name]!] = { offset: m.start, length: m.end - m.start };
    }
    if (deferred === undefined) return { text: this.buf.toString('utf8', start, end), deferred };
    return { text: text + this.buf.toString('utf8', from, end), deferred };
  }

  /** The JSON path of what is being read, for messages. */
  private path(): string | undefined {
    switch (this.state) {
      case ELEMENT:
      case NEXT_ELEMENT:
        return elementPath(this.key, this.current!.count);
      case AFTER_ELEMENT:
        return elementPath(this.key, this.current!.count - 1);
      case FIRST_ELEMENT:
      case SKIP:
      case COLON:
      case VALUE:
      case AFTER_VALUE:
        return this.key;
      default:
        return undefined;
    }
  }

  private unexpected(c: number, i: number, expected: string, path: string | undefined): never {
    this.fail('JSON_PARSE', `expected ${expected}, found ${describeByte(c)} at byte ${this.base + i}`, path);
  }

  private fail(code: ErrorCode, detail: string, path: string | undefined, cause?: unknown): never {
    this.error = new ConversionError(code, detail, { file: this.file, path }, cause === undefined ? undefined : { cause });
    throw this.error;
  }
}

/** A buffer at offset 0 of its own memory, so that it can be read as aligned 32-bit words. */
function newBuffer(size: number): Buffer {
  return Buffer.from(new ArrayBuffer(size));
}

function skipSpace(buf: Uint8Array, i: number, end: number): number {
  while (i < end && SPACE[buf[i]!]) i++;
  return i;
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/** What a value starting with byte `c` is, for messages. */
function describeStart(c: number): string {
  switch (c) {
    case 0x7b:
      return 'an object';
    case 0x5b:
      return 'an array';
    case 0x22:
      return 'a string';
    case 0x74:
    case 0x66:
      return 'a boolean';
    case 0x6e:
      return 'null';
    default:
      return 'a number';
  }
}
