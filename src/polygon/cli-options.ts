/**
 * The mask → polygon options as converter options (`--tolerance`, `--max-points`, `--min-area`,
 * `--holes`), shared by every converter that traces masks (voc-mask-to-polygon, coco-to-jsonl RLE).
 *
 * @example
 *   defineConverter({ ..., options: { ...POLYGON_OPTIONS, jobs: jobsOption('...') }, async *run(ctx) {
 *     const rings = maskToRings(mask, width, height, polygonOptionsFrom(ctx.own));
 *   } });
 */
import { choice, decimal, integer, type OptionValues } from '../options.js';
import { DEFAULT_POLYGON_OPTIONS, type PolygonOptions } from './options.js';

/** The four options, in `--help` order. */
export const POLYGON_OPTIONS = Object.freeze({
  tolerance: decimal('--tolerance <px>', 'simplify rings: no dropped vertex lies farther than this from the ring (small objects get less); 0 keeps rings exact', {
    min: 0,
    default: DEFAULT_POLYGON_OPTIONS.tolerance,
  }),
  maxPoints: integer('--max-points <n>', 'at most n points per ring (default: no cap)', { min: 3 }),
  minArea: decimal('--min-area <px>', 'drop rings enclosing fewer pixels than this (specks, pinholes)', { min: 0, default: DEFAULT_POLYGON_OPTIONS.minArea }),
  holes: choice('--holes <mode>', 'keep: each hole is one more ring (AutoML combines rings with exclusive-or); fill: leave holes out', ['keep', 'fill'], {
    default: DEFAULT_POLYGON_OPTIONS.holes,
  }),
});

/** The {@link PolygonOptions} of a converter's checked own options. */
export function polygonOptionsFrom(own: OptionValues<typeof POLYGON_OPTIONS>): PolygonOptions {
  const options: PolygonOptions = { tolerance: own.tolerance, minArea: own.minArea, holes: own.holes };
  if (own.maxPoints !== undefined) options.maxPoints = own.maxPoints;
  return options;
}
