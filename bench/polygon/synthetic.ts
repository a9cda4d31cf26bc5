/**
 * Realistic synthetic instance masks in the official VOC layout (Annotations/*.xml +
 * SegmentationObject/*.png, greyscale, pixel k = k-th object, 255 = void band), for measuring
 * mask → polygon quality and speed on more objects than the real samples have.
 *
 * Each 500×375 image holds 2–20 objects: wobbly blobs from 5 to 120 px across, some with holes, some
 * with 1–3 px thin limbs, some in two parts, a few specks; later objects occlude earlier ones, so
 * objects touch. Most images get a VOC-like void band of 1–2 px on every object boundary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { prng } from '../prng.js';

export const SYNTHETIC_WIDTH = 500;
export const SYNTHETIC_HEIGHT = 375;
const NAMES = ['person', 'dog', 'cat', 'car', 'chair', 'bottle'];

interface Blob {
  cx: number;
  cy: number;
  radius: number;
  harmonics: { amplitude: number; phase: number; order: number }[];
}

function randomBlob(random: () => number, cx: number, cy: number, radius: number): Blob {
  const harmonics = [];
  for (let order = 2; order <= 6; order++) {
    harmonics.push({ order, amplitude: (random() * 0.3) / Math.sqrt(order), phase: random() * 2 * Math.PI });
  }
  return { cx, cy, radius, harmonics };
}

function insideBlob(blob: Blob, x: number, y: number): boolean {
  const dx = x - blob.cx;
  const dy = y - blob.cy;
  const angle = Math.atan2(dy, dx);
  let r = 1;
  for (const h of blob.harmonics) r += h.amplitude * Math.cos(h.order * angle + h.phase);
  return dx * dx + dy * dy <= (blob.radius * r) ** 2;
}

/** One labelled mask with `count` objects. */
export function syntheticMask(random: () => number, count: number): Uint8Array {
  const width = SYNTHETIC_WIDTH;
  const height = SYNTHETIC_HEIGHT;
  const mask = new Uint8Array(width * height);
  const paint = (label: number, shapeAt: (x: number, y: number) => boolean, box: [number, number, number, number]) => {
    const [x0, y0, x1, y1] = box.map(Math.round) as [number, number, number, number];
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) {
        if (shapeAt(x + 0.5, y + 0.5)) mask[y * width + x] = label;
      }
    }
  };
  for (let label = 1; label <= count; label++) {
    const speck = random() < 0.1;
    const radius = speck ? 2 + random() * 3 : Math.exp(Math.log(6) + random() * (Math.log(60) - Math.log(6)));
    const cx = random() * width;
    const cy = random() * height;
    const parts = [randomBlob(random, cx, cy, radius)];
    if (!speck && random() < 0.2) {
      const angle = random() * 2 * Math.PI;
      const distance = radius * (2 + random());
      parts.push(randomBlob(random, cx + distance * Math.cos(angle), cy + distance * Math.sin(angle), radius * (0.3 + 0.4 * random())));
    }
    const holes: Blob[] = [];
    if (!speck && radius > 10 && random() < 0.35) {
      const n = 1 + Math.floor(random() * 2);
      for (let i = 0; i < n; i++) {
        holes.push(randomBlob(random, cx + (random() - 0.5) * 0.8 * radius, cy + (random() - 0.5) * 0.8 * radius, radius * (0.12 + 0.25 * random())));
      }
    }
    const limbs: { ax: number; ay: number; bx: number; by: number; halfWidth: number }[] = [];
    if (!speck && random() < 0.3) {
      const n = 1 + Math.floor(random() * 3);
      for (let i = 0; i < n; i++) {
        const angle = random() * 2 * Math.PI;
        const length = radius + 10 + random() * 50;
        limbs.push({ ax: cx, ay: cy, bx: cx + length * Math.cos(angle), by: cy + length * Math.sin(angle), halfWidth: (1 + Math.floor(random() * 3)) / 2 });
      }
    }
    const onLimb = (x: number, y: number) =>
      limbs.some(({ ax, ay, bx, by, halfWidth }) => {
        const dx = bx - ax;
        const dy = by - ay;
        const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
        return Math.hypot(ax + t * dx - x, ay + t * dy - y) <= halfWidth;
      });
    const reach = radius * 3.2 + 70;
    paint(label, (x, y) => (parts.some((p) => insideBlob(p, x, y)) && !holes.some((h) => insideBlob(h, x, y))) || onLimb(x, y), [cx - reach, cy - reach, cx + reach, cy + reach]);
  }
  if (random() < 0.7) addVoidBand(mask, width, height, random() < 0.5 ? 1 : 2);
  return mask;
}

/** Marks 255 on every pixel within `radius` (Chebyshev) of a boundary between two different values. */
function addVoidBand(mask: Uint8Array, width: number, height: number, radius: number): void {
  const boundary = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = mask[y * width + x];
      if ((x + 1 < width && mask[y * width + x + 1] !== v) || (y + 1 < height && mask[(y + 1) * width + x] !== v)) {
        boundary[y * width + x] = 1;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!boundary[y * width + x]) continue;
      for (let dy = -radius + 1; dy <= radius; dy++) {
        for (let dx = -radius + 1; dx <= radius; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx >= 0 && ny >= 0 && nx < width && ny < height) mask[ny * width + nx] = 255;
        }
      }
    }
  }
}

function annotationXml(stem: string, names: string[]): string {
  const objects = names.map((name) => `\t<object>\n\t\t<name>${name}</name>\n\t\t<difficult>0</difficult>\n\t</object>\n`).join('');
  return (
    `<annotation>\n\t<filename>${stem}.jpg</filename>\n\t<size>\n\t\t<width>${SYNTHETIC_WIDTH}</width>\n` +
    `\t\t<height>${SYNTHETIC_HEIGHT}</height>\n\t\t<depth>3</depth>\n\t</size>\n${objects}</annotation>\n`
  );
}

/**
 * The header of a baseline JPEG of `width` × `height` (SOI, JFIF APP0, SOF0, EOI, no pixel data): enough
 * for the converter to read the image's format and size, as it does for real images.
 */
export function jpegHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xe0,
    0,
    16,
    0x4a,
    0x46,
    0x49,
    0x46,
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    0xff,
    0xc0,
    0,
    17,
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x11,
    0,
    2,
    0x11,
    0,
    3,
    0x11,
    0,
    0xff,
    0xd9,
  ]);
}

/**
 * Writes `count` images' annotations and masks under `dir`, and `JPEGImages/` with a header-only JPEG of
 * each (the converter reads image headers; the reference reads no image).
 */
export function writeSyntheticDataset(dir: string, count: number, seed = 1): void {
  const random = prng(seed);
  mkdirSync(join(dir, 'Annotations'), { recursive: true });
  mkdirSync(join(dir, 'SegmentationObject'), { recursive: true });
  mkdirSync(join(dir, 'JPEGImages'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const stem = `synthetic_${String(i).padStart(4, '0')}`;
    writeFileSync(join(dir, 'JPEGImages', `${stem}.jpg`), jpegHeader(SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT));
    const objects = 2 + Math.floor(random() * 19);
    const mask = syntheticMask(random, objects);
    const names = Array.from({ length: objects }, () => NAMES[Math.floor(random() * NAMES.length)]!);
    writeFileSync(join(dir, 'Annotations', `${stem}.xml`), annotationXml(stem, names));
    const png = encode({ width: SYNTHETIC_WIDTH, height: SYNTHETIC_HEIGHT, data: mask, channels: 1, depth: 8 });
    writeFileSync(join(dir, 'SegmentationObject', `${stem}.png`), png);
  }
}
