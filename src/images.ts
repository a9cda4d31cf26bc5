/**
 * Image files: which names count as images, and reading format, width and height from a header
 * (image-size on the first bytes; more bytes only when a JPEG's frame header lies further in).
 */
import { open } from 'node:fs/promises';
import { imageSize } from 'image-size';
import { ConversionError } from './errors.js';
import type { ImageDetails } from './types.js';

/** Extensions AutoML for Images reads (SPEC §4), lower case, without the dot. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'jpe', 'jfif', 'png', 'bmp', 'tif', 'tiff']);

/** The lower-case extension of a file name, without the dot (`''` when none). */
export function extensionOf(name: string): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** True when the name has an image extension (any case). */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(name));
}

const FIRST_READ = 4096;
const SECOND_READ = 256 * 1024;

/** Normalises image-size's type names to the ones AutoML writes. */
function formatName(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const t = type.toLowerCase();
  return t === 'jpeg' ? 'jpg' : t === 'tif' ? 'tiff' : t;
}

/**
 * Reads `{format, width, height}` from an image's header.
 * @param absPath the file to read
 * @param display the file as messages should name it
 * @throws ConversionError `IMAGE_NOT_FOUND` or `IMAGE_UNREADABLE`
 */
export async function readImageDetails(absPath: string, display: string): Promise<Required<ImageDetails>> {
  let fh;
  try {
    fh = await open(absPath, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConversionError('IMAGE_NOT_FOUND', 'image not found', { file: display });
    throw new ConversionError('IMAGE_UNREADABLE', `cannot open image: ${(e as Error).message}`, { file: display });
  }
  try {
    let size = FIRST_READ;
    let lastError = '';
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      let bytesRead;
      try {
        ({ bytesRead } = await fh.read(buf, 0, size, 0));
      } catch (e) {
        throw new ConversionError('IMAGE_UNREADABLE', `cannot read image: ${(e as Error).message}`, { file: display });
      }
      if (bytesRead === 0) throw new ConversionError('IMAGE_UNREADABLE', 'not an image: the file is empty', { file: display });
      const data = buf.subarray(0, bytesRead);
      try {
        const r = imageSize(data);
        const format = formatName(r.type);
        if (format && r.width !== undefined && r.height !== undefined && r.width > 0 && r.height > 0) {
          return { format, width: r.width, height: r.height };
        }
        lastError = 'no width and height in the header';
      } catch (e) {
        lastError = (e as Error).message;
        if (/unsupported file type/i.test(lastError)) {
          throw new ConversionError('IMAGE_UNREADABLE', 'not an image: unrecognised file header', { file: display });
        }
      }
      if (bytesRead < size) break; // the whole file was read
      if (size === FIRST_READ) size = SECOND_READ;
      else {
        const { size: full } = await fh.stat();
        if (full <= size) break;
        size = full;
      }
    }
    throw new ConversionError('IMAGE_UNREADABLE', `not a readable image: ${lastError}`, { file: display });
  } finally {
    await fh.close();
  }
}
