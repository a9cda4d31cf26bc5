/**
 * The Pascal VOC colour map: index k is painted with the colour whose bits interleave k's bits
 * (0 black, 1 (128, 0, 0), 2 (0, 128, 0), ..., 255 (224, 224, 192) for the void band). RGB masks
 * painted with it are read back to indices through {@link colourIndex}.
 */

/** `[r, g, b]` of index k, for k in 0..255. */
export function vocColour(k: number): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = k;
  for (let j = 0; j < 8; j++) {
    r |= (c & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return [r, g, b];
}

/** 24-bit colour (`r << 16 | g << 8 | b`) → VOC index; the 256 colours are distinct. */
const INDEX_OF_COLOUR: ReadonlyMap<number, number> = new Map(
  Array.from({ length: 256 }, (_, k) => {
    const [r, g, b] = vocColour(k);
    return [(r << 16) | (g << 8) | b, k] as const;
  }),
);

/** The VOC index painted with colour `rgb` (`r << 16 | g << 8 | b`), or -1 when no index has it. */
export function colourIndex(rgb: number): number {
  return INDEX_OF_COLOUR.get(rgb) ?? -1;
}
