/**
 * Bench-only VOC instance-mask reading and the JSON line voc-mask-to-polygon will write, shared by
 * quality.ts and speed.ts. (The real converter lives in converters/; this is a stand-in to measure
 * src/polygon before it exists: XML read with a regular expression, masks must be 8-bit index/grey.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { recordToJson } from '../../src/format.js';
import { labelledMaskToRings, type PolygonOptions } from '../../src/polygon/index.js';
import type { PolygonLabel } from '../../src/types.js';

export const VOID = 255;
const PRECISION = 6;

export interface Image {
  stem: string;
  filename: string;
  names: string[];
  width: number;
  height: number;
  mask: Uint8Array;
}

export function firstDir(root: string, ...names: string[]): string {
  const found = names.map((n) => join(root, n)).find((p) => existsSync(p));
  if (!found) throw new Error(`${root}: none of ${names.join(', ')}`);
  return found;
}

/** Every image of a VOC-layout folder that has an instance mask, in file-name order. */
export function* readImages(dir: string): Generator<Image> {
  const annotations = firstDir(dir, 'annotations', 'Annotations');
  const masks = firstDir(dir, 'segmentation-masks', 'SegmentationObject');
  for (const file of readdirSync(annotations)
    .filter((f) => f.endsWith('.xml'))
    .sort()) {
    const stem = file.slice(0, -4);
    const maskPath = join(masks, `${stem}.png`);
    if (!existsSync(maskPath)) continue;
    const xml = readFileSync(join(annotations, file), 'utf8');
    const names = [...xml.matchAll(/<object>[\s\S]*?<name>([^<]*)<\/name>[\s\S]*?<\/object>/g)].map((m) => m[1]!.trim());
    const filename = /<filename>([^<]*)<\/filename>/.exec(xml)?.[1] ?? `${stem}.jpg`;
    const png = decode(readFileSync(maskPath));
    if (png.channels !== 1 || png.depth !== 8) throw new Error(`${maskPath}: expected an 8-bit index or grey mask`);
    yield { stem, filename, names, width: png.width, height: png.height, mask: png.data as Uint8Array };
  }
}

/** Rings of every object of an image, by label value (0 and the void band are not objects). */
export function traceImage(image: Image, options: PolygonOptions): Map<number, number[][]> {
  return labelledMaskToRings(image.mask, image.width, image.height, { ...options, ignore: [0, VOID] });
}

/**
 * What voc-mask-to-polygon will write for one image (one JSON line, no newline): objects in XML order,
 * object k from pixel value k, objects without pixels (or whose rings were all dropped) left out.
 */
export function jsonLine(image: Image, imageUrl: string, byLabel: Map<number, number[][]>): string {
  const label: PolygonLabel[] = [];
  image.names.forEach((name, i) => {
    const rings = byLabel.get(i + 1);
    if (!rings || rings.length === 0) return;
    const polygon = rings.map((ring) => ring.map((v, j) => v / (j % 2 === 0 ? image.width : image.height)));
    label.push({ label: name, isCrowd: 0, polygon });
  });
  return recordToJson({ path: imageUrl, details: { width: image.width, height: image.height }, label }, '', PRECISION);
}
