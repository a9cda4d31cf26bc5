/**
 * Scoring request bodies (SPEC §7): images checked and measured, cut into batches by count and by
 * body bytes, and each body produced from the files, base64 streamed chunk by chunk (an image is
 * never whole in memory unless its body is small), byte for byte the length planned.
 *
 * input-data: `{"input_data":{"columns":["image"],"data":["<base64>","<base64>"]}}` (JSON, MLflow)
 * octet-stream: the one image's bytes, unchanged (older deployments; one image a request)
 *
 * @example
 *   for await (const batch of planBatches(listImages(['imgs/']), { body: 'input-data', batchSize: 8, maxBytes: 1_500_000 }, onBad)) {
 *     for await (const chunk of bodyChunks('input-data', batch.images)) out.write(chunk); // batch.bytes bytes in all
 *   }
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { displayPath } from '../paths.js';
import { ConversionError, type Location } from '../errors.js';
import { interruptedError } from '../writer.js';
import type { ImageInput, InputItem } from './inputs.js';
import { probeFile, type ProbeResult } from './probe.js';
import { probedChunks } from './readahead.js';

/** The two request bodies of SPEC §7. */
export type BodyKind = 'input-data' | 'octet-stream';
export const BODY_KINDS: readonly BodyKind[] = ['input-data', 'octet-stream'];

/** What comes before the images of an input-data body, and after them. */
export const INPUT_DATA_HEAD = '{"input_data":{"columns":["image"],"data":[';
export const INPUT_DATA_TAIL = ']}}';

/** Bytes read from an image at a time: a multiple of 3, so that each chunk's base64 stands alone. */
const READ_CHUNK = 3 * 64 * 1024;
/** Bodies up to this size are built in memory in one go (fewer steps a request); larger ones stream. */
export const IN_MEMORY_BODY = 1024 * 1024;

/** An image with its size in bytes, as measured before it is sent. */
export interface SizedImage extends ImageInput {
  size: number;
  /** The file's bytes, when it is small enough that the probe read it whole (saves a second open). */
  data?: Buffer;
}

/** Images that go into one request, in input order. */
export interface Batch {
  /** 0-based, in input order. */
  index: number;
  images: SizedImage[];
  /** The body's exact length in bytes. */
  bytes: number;
}

/** An input that is not sent: its error and, when known, its `image_url`. */
export interface BadItem {
  error: ConversionError;
  imageUrl: string | undefined;
}

/** How images are cut into batches. */
export interface BatchLimits {
  body: BodyKind;
  /** At most this many images a request (`Infinity`: one body for all). */
  batchSize: number;
  /** At most this many body bytes a request. */
  maxBytes?: number | undefined;
}

/** The length of the base64 text of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/** The exact length of a body holding images of these sizes. */
export function bodyLength(kind: BodyKind, sizes: readonly number[]): number {
  if (kind === 'octet-stream') return sizes.reduce((a, b) => a + b, 0);
  let n = INPUT_DATA_HEAD.length + INPUT_DATA_TAIL.length;
  sizes.forEach((s, i) => (n += base64Length(s) + 2 + (i > 0 ? 1 : 0)));
  return n;
}

/** Where messages about an image point: the image, or the JSONL line that names it. */
function imageLocation(image: ImageInput): Location {
  const file = image.origin.file ?? displayPath(image.path);
  return image.origin.line === undefined ? { file } : { file, line: image.origin.line, path: 'image_url' };
}

function imageError(image: ImageInput, code: 'IMAGE_NOT_FOUND' | 'IMAGE_UNREADABLE', detail: string): ConversionError {
  const named = image.origin.line === undefined ? detail : `${JSON.stringify(image.imageUrl)}: ${detail}`;
  return new ConversionError(code, named, imageLocation(image));
}

/** The image measured by its probe, or its error (naming the image, or its JSONL line). */
export function sizedImage(image: ImageInput, probe: ProbeResult): SizedImage {
  if (!('failure' in probe)) {
    const sized: SizedImage = { path: image.path, imageUrl: image.imageUrl, origin: image.origin, size: probe.size };
    if (probe.data) sized.data = probe.data;
    return sized;
  }
  switch (probe.failure) {
    case 'missing':
      throw imageError(image, 'IMAGE_NOT_FOUND', image.origin.line === undefined ? 'image not found' : `no such file ${image.path}`);
    case 'open':
      throw imageError(image, 'IMAGE_UNREADABLE', `cannot open the image: ${probe.detail}`);
    case 'empty':
      throw imageError(image, 'IMAGE_UNREADABLE', 'not an image: the file is empty');
    case 'header':
      throw imageError(image, 'IMAGE_UNREADABLE', 'not an image: unrecognised file header');
    case 'device':
      throw imageError(image, 'IMAGE_UNREADABLE', 'expected an image file, got a device');
    case 'read':
      throw imageError(image, 'IMAGE_UNREADABLE', `cannot read the image: ${probe.detail}`);
  }
}

/**
 * The image's size, after checking that it is a readable file whose first bytes are an image's
 * (see {@link probeFile}); a small file comes with its bytes.
 * @throws ConversionError `IMAGE_NOT_FOUND` or `IMAGE_UNREADABLE`, naming the image or its JSONL line
 */
export function probeImage(image: ImageInput): SizedImage {
  return sizedImage(image, probeFile(image.path));
}

/** The item's image, probed (or measured by `probe`, when it was probed already); or undefined after telling `onBad` why it cannot be sent. */
export function sendable(item: InputItem, onBad: (bad: BadItem) => void, probe?: ProbeResult): SizedImage | undefined {
  if (!item.ok) {
    onBad(item);
    return undefined;
  }
  try {
    return probe ? sizedImage(item.image, probe) : probeImage(item.image);
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    onBad({ error: e, imageUrl: item.image.imageUrl });
    return undefined;
  }
}

/**
 * Cuts the images into batches in input order: a batch closes when one more image would pass
 * `batchSize` or `maxBytes`. Inputs that cannot be sent (and an image too large alone) go to `onBad`.
 */
export async function* planBatches(
  items: AsyncIterable<InputItem>,
  limits: BatchLimits,
  onBad: (bad: BadItem) => void,
  signal?: AbortSignal,
  readAhead: { thread: boolean } = { thread: false },
): AsyncGenerator<Batch> {
  const { body, batchSize, maxBytes } = limits;
  let index = 0;
  let images: SizedImage[] = [];
  let bytes = 0;
  const overhead = body === 'input-data' ? INPUT_DATA_HEAD.length + INPUT_DATA_TAIL.length : 0;
  const costOf = (size: number, first: boolean) => (body === 'input-data' ? base64Length(size) + 2 + (first ? 0 : 1) : size);
  for await (const chunk of probedChunks(items, readAhead)) {
    for (const { item, probe } of chunk) {
      if (signal?.aborted) throw interruptedError();
      const image = sendable(item, onBad, probe);
      if (!image) continue;
      const alone = overhead + costOf(image.size, true);
      if (maxBytes !== undefined && alone > maxBytes) {
        const detail = `its request body would be ${alone} bytes, more than --max-bytes ${maxBytes} (the image is ${image.size} bytes${body === 'input-data' ? ', base64 adds a third' : ''})`;
        onBad({
          error: new ConversionError('IMAGE_TOO_LARGE', image.origin.line === undefined ? detail : `${JSON.stringify(image.imageUrl)}: ${detail}`, imageLocation(image)),
          imageUrl: image.imageUrl,
        });
        continue;
      }
      if (images.length > 0 && (images.length >= batchSize || (maxBytes !== undefined && bytes + costOf(image.size, false) > maxBytes))) {
        yield { index: index++, images, bytes };
        images = [];
      }
      bytes = images.length === 0 ? alone : bytes + costOf(image.size, false);
      images.push(image);
    }
  }
  if (images.length > 0) yield { index: index++, images, bytes };
}

function changedError(image: SizedImage, now: number): ConversionError {
  return imageError(image, 'IMAGE_UNREADABLE', `the file changed while being sent: ${now} bytes, ${image.size} when it was listed`);
}

/** An image's bytes (`base64`: as base64 text), chunk by chunk, read from the file as it goes. */
export async function* imageChunks(image: SizedImage, base64: boolean): AsyncGenerator<Buffer> {
  let handle;
  try {
    handle = await open(image.path, 'r');
  } catch (e) {
    throw imageError(image, 'IMAGE_UNREADABLE', `cannot open the image: ${(e as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size !== image.size) throw changedError(image, size);
    let position = 0;
    while (position < size) {
      const want = Math.min(READ_CHUNK, size - position);
      const chunk = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(chunk, got, want - got, position + got);
        if (bytesRead === 0) throw changedError(image, position + got);
        got += bytesRead;
      }
      position += want;
      yield base64 ? Buffer.from(chunk.toString('base64'), 'latin1') : chunk;
    }
  } finally {
    await handle.close();
  }
}

/** The body of a batch, chunk by chunk, read from the files as it goes (exactly {@link bodyLength} bytes). */
export async function* bodyChunks(kind: BodyKind, images: readonly SizedImage[]): AsyncGenerator<Buffer> {
  if (kind === 'octet-stream') {
    for (const image of images) yield* imageChunks(image, false);
    return;
  }
  yield Buffer.from(INPUT_DATA_HEAD);
  for (let i = 0; i < images.length; i++) {
    yield Buffer.from(i === 0 ? '"' : ',"');
    yield* imageChunks(images[i]!, true);
    yield Buffer.from('"');
  }
  yield Buffer.from(INPUT_DATA_TAIL);
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/** The whole file into a shared scratch buffer (valid until the next call). */
function readWhole(image: SizedImage): Buffer {
  let fd: number;
  try {
    fd = openSync(image.path, 'r');
  } catch (e) {
    throw imageError(image, 'IMAGE_UNREADABLE', `cannot open the image: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size !== image.size) throw changedError(image, size);
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
    let got = 0;
    while (got < size) {
      const n = readSync(fd, scratch, got, size - got, got);
      if (n === 0) throw changedError(image, got);
      got += n;
    }
    return scratch;
  } finally {
    closeSync(fd);
  }
}

/**
 * A small body (at most {@link IN_MEMORY_BODY} bytes) in one buffer, the files read synchronously:
 * the same bytes as {@link bodyChunks}, in a fraction of the steps.
 */
export function bodyBuffer(kind: BodyKind, images: readonly SizedImage[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = kind === 'input-data' ? out.write(INPUT_DATA_HEAD, 0, 'latin1') : 0;
  for (let i = 0; i < images.length; i++) {
    const image = images[i]!;
    if (kind === 'input-data') at += out.write(i === 0 ? '"' : ',"', at, 'latin1');
    const bytes = image.data ?? readWhole(image);
    if (kind === 'input-data') at += out.write(bytes.toString('base64', 0, image.size), at, 'latin1');
    else at += bytes.copy(out, at, 0, image.size);
    if (kind === 'input-data') at += out.write('"', at, 'latin1');
  }
  if (kind === 'input-data') at += out.write(INPUT_DATA_TAIL, at, 'latin1');
  if (at !== bytes) throw new Error(`body length ${at}, planned ${bytes}`);
  return out;
}
