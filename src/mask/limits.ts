/**
 * The size limits of a decoded mask, apart from the PNG decoder (src/mask/png.ts) so that modules
 * checking a size before any decode (COCO RLE) do not load it.
 *
 * @example
 *   if (width * height > MAX_MASK_PIXELS) refuse();
 */

/**
 * The largest mask read: 2^26 pixels (64 Mpx, e.g. 8192×8192) and 2^26 bytes of decoded samples (a
 * 64 MiB decode: an RGB mask stops at about 22 Mpx). Larger masks are refused with `MASK_TOO_LARGE`
 * from their header, before anything is decoded, so that one mask never takes more than about 300 MB
 * (measured: bench/masks/RESULTS.md).
 */
export const MAX_MASK_PIXELS = 2 ** 26;
/** The largest decoded sample data of a mask, in bytes (see {@link MAX_MASK_PIXELS}). */
export const MAX_MASK_BYTES = 2 ** 26;
