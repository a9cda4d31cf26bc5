/**
 * The mask → polygon options as converter options (`--tolerance`, `--max-points`, `--min-area`,
 * `--holes`), shared by every converter that traces masks (voc-mask-to-polygon, coco-to-jsonl RLE).
 *
 * @example
 *   const converter: Converter = { ..., options: [...POLYGON_CLI_OPTIONS], run };
 *   // in run(ctx):
 *   const polygonOptions = polygonOptionsFrom(ctx.extra); // throws USAGE (exit 2) on a bad value
 *   const rings = maskToRings(mask, width, height, polygonOptions);
 */
import { InvalidArgumentError } from 'commander';
import { ConversionError } from '../errors.js';
import type { ConverterOption } from '../types.js';
import { DEFAULT_POLYGON_OPTIONS, resolvePolygonOptions, type PolygonOptions } from './options.js';

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return n;
}

function parseMaxPoints(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 3) throw new InvalidArgumentError('expected an integer of 3 or more');
  return n;
}

/** The four options, in `--help` order. Keys: `tolerance`, `maxPoints`, `minArea`, `holes`. */
export const POLYGON_CLI_OPTIONS: readonly ConverterOption[] = Object.freeze([
  {
    flags: '--tolerance <px>',
    key: 'tolerance',
    description:
      'simplify rings: no dropped vertex lies farther than this from the ring (small objects get less); 0 keeps rings exact',
    defaultValue: DEFAULT_POLYGON_OPTIONS.tolerance,
    parse: parseNonNegative,
  },
  {
    flags: '--max-points <n>',
    key: 'maxPoints',
    description: 'at most n points per ring (default: no cap)',
    parse: parseMaxPoints,
  },
  {
    flags: '--min-area <px>',
    key: 'minArea',
    description: 'drop rings enclosing fewer pixels than this (specks, pinholes)',
    defaultValue: DEFAULT_POLYGON_OPTIONS.minArea,
    parse: parseNonNegative,
  },
  {
    flags: '--holes <mode>',
    key: 'holes',
    description: 'keep: each hole is one more ring (AutoML combines rings with exclusive-or); fill: leave holes out',
    defaultValue: DEFAULT_POLYGON_OPTIONS.holes,
    choices: ['keep', 'fill'],
  },
]);

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

const FLAG_OF: Record<string, string> = { tolerance: '--tolerance', maxPoints: '--max-points', minArea: '--min-area', holes: '--holes' };

/**
 * The {@link PolygonOptions} of a converter's `ctx.extra` (CLI flags already parsed, or values a
 * library caller passed: numbers, or numeric strings). Unset values fall back to the module defaults.
 * @throws ConversionError `USAGE` (exit 2) naming the flag when a value is out of range
 */
export function polygonOptionsFrom(extra: Readonly<Record<string, unknown>>): PolygonOptions {
  const options: PolygonOptions = {};
  const num = (key: 'tolerance' | 'maxPoints' | 'minArea'): number | undefined => {
    const v = extra[key];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || Number.isNaN(n)) throw usage(`${FLAG_OF[key]} must be a number, got ${JSON.stringify(v)}`);
    return n;
  };
  const tolerance = num('tolerance');
  const maxPoints = num('maxPoints');
  const minArea = num('minArea');
  const holes = extra['holes'];
  if (tolerance !== undefined) options.tolerance = tolerance;
  if (maxPoints !== undefined) options.maxPoints = maxPoints;
  if (minArea !== undefined) options.minArea = minArea;
  if (holes !== undefined && holes !== null) {
    if (holes !== 'keep' && holes !== 'fill') throw usage(`--holes must be keep or fill, got ${JSON.stringify(holes)}`);
    options.holes = holes;
  }
  try {
    resolvePolygonOptions(options);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const [key = '', rest = e.message] = e.message.split(/: (.*)/s);
    throw usage(`${FLAG_OF[key] ?? key}: ${rest}`);
  }
  return options;
}
