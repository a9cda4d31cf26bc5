/**
 * The options contract (src/options.ts): one declaration per option gives the CLI's flag and the
 * library's check, with the same USAGE message from either side.
 */
import { describe, expect, test } from 'vitest';
import { COMMON_OPTIONS } from '../src/common-options.js';
import { convert } from '../src/convert.js';
import { ConversionError } from '../src/errors.js';
import { checkOptions, choice, decimal, flag, integer, keyOfFlags, text, type OptionSpecs } from '../src/options.js';
import { POLYGON_OPTIONS, polygonOptionsFrom } from '../src/polygon/cli-options.js';
import { CONVERTERS } from '../src/registry.js';
import { runCli } from './helpers/cli.js';

function usage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConversionError);
    expect([(e as ConversionError).code, (e as ConversionError).exitCode]).toEqual(['USAGE', 2]);
    return (e as ConversionError).message;
  }
  throw new Error('no error');
}

async function usageAsync(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  return usage(() => {
    if (e) throw e;
  });
}

describe('declarations', () => {
  const specs = {
    depth: integer('--depth <n>', 'd', { min: 1, default: 1 }),
    ratio: decimal('--ratio <r>', 'r', { min: 0, below: 1 }),
    mode: choice('--mode <m>', 'm', ['a', 'b'], { default: 'a' }),
    loud: flag('--loud', 'l'),
    imageDetails: flag('--no-image-details', 'i'),
    name: text('--name <s>', 'n'),
  } satisfies OptionSpecs;

  test('defaults apply when absent; CLI strings and program values parse alike', () => {
    expect(checkOptions(specs, {}, 'x')).toEqual({ depth: 1, ratio: undefined, mode: 'a', loud: false, imageDetails: true, name: undefined });
    expect(checkOptions(specs, { depth: '3', ratio: '0.5', name: 7 }, 'x')).toMatchObject({ depth: 3, ratio: 0.5, name: '7' });
    expect(checkOptions(specs, { depth: 3, ratio: 0, loud: true, imageDetails: false }, 'x')).toMatchObject({ depth: 3, ratio: 0, loud: true, imageDetails: false });
  });

  test.each([
    [{ depth: 'abc' }, "option '--depth <n>' argument 'abc' is invalid. expected an integer of 1 or more"],
    [{ depth: 1.5 }, "option '--depth <n>' argument '1.5' is invalid. expected an integer of 1 or more"],
    [{ depth: [] }, "option '--depth <n>' argument an array of 0 is invalid. expected an integer of 1 or more"],
    [{ ratio: 1 }, "option '--ratio <r>' argument '1' is invalid. expected a number of 0 or more"],
    [{ ratio: Number.NaN }, "option '--ratio <r>' argument 'NaN' is invalid. expected a number of 0 or more"],
    [{ mode: 'c' }, "option '--mode <m>' argument 'c' is invalid. Allowed choices are a, b."],
    [{ loud: 'yes' }, "option '--loud' argument 'yes' is invalid. expected true or false"],
    [{ name: {} }, "option '--name <s>' argument an object is invalid. expected a string"],
    [{ nmae: 'x' }, 'x has no option "nmae"'],
  ])('a bad value is a USAGE error naming the flag: %j', (given, message) => {
    expect(usage(() => checkOptions(specs, given, 'x'))).toBe(message);
  });

  test('keys are what commander derives from the flags', () => {
    expect(['--depth <n>', '--max-points <n>', '--no-image-details', '-o, --out <dir>'].map(keyOfFlags)).toEqual(['depth', 'maxPoints', 'imageDetails', 'out']);
    for (const [key, spec] of Object.entries(COMMON_OPTIONS)) expect(keyOfFlags(spec.flags)).toBe(key);
    for (const c of Object.values(CONVERTERS)) for (const [key, spec] of Object.entries(c.options)) expect([c.name, keyOfFlags(spec.flags)]).toEqual([c.name, key]);
  });
});

describe('polygon options', () => {
  test('checked values become PolygonOptions', () => {
    expect(polygonOptionsFrom(checkOptions(POLYGON_OPTIONS, { tolerance: '2', maxPoints: '50', minArea: 4 }, 'x'))).toEqual({ tolerance: 2, maxPoints: 50, minArea: 4, holes: 'keep' });
    expect(usage(() => checkOptions(POLYGON_OPTIONS, { maxPoints: 2 }, 'x'))).toBe("option '--max-points <n>' argument '2' is invalid. expected an integer of 3 or more");
    expect(usage(() => checkOptions(POLYGON_OPTIONS, { tolerance: -1 }, 'x'))).toBe("option '--tolerance <px>' argument '-1' is invalid. expected a number of 0 or more");
    expect(usage(() => checkOptions(POLYGON_OPTIONS, { holes: 'open' }, 'x'))).toBe("option '--holes <mode>' argument 'open' is invalid. Allowed choices are keep, fill.");
  });
});

describe('a program gets the errors of the command line', () => {
  test.each([
    [['folder', 'samples/folder', '--depth', 'abc'], { depth: 'abc' }],
    [['folder', 'samples/folder', '--validation-ratio', '1'], { validationRatio: 1 }],
    [['folder', 'samples/folder', '--precision', '16'], { precision: 16 }],
    [['folder', 'samples/folder', '--on-error', 'maybe'], { onError: 'maybe' }],
    [['voc-mask', 'samples/voc-mask', '--jobs', '0'], { jobs: 0 }],
    [['coco', 'samples/coco/annotations.json', '--task', 'segmentation'], { task: 'segmentation' }],
    [['csv', 'samples/csv/labels.csv', '--delimiter', '""'], { delimiter: '""' }],
  ] as [string[], Record<string, unknown>][])('%j', async (args, options) => {
    const [name, input] = args as [string, string];
    const fromLibrary = await usageAsync(convert(name, input, { out: 'never-written', ...options }));
    const cli = await runCli(['convert', ...args, '-o', 'never-written']);
    expect(cli.code).toBe(2);
    expect(cli.stderr.split('\n')[0]).toBe(`error: ${fromLibrary} [USAGE]`);
  });

  test('rules between options hold for programs too', async () => {
    expect(await usageAsync(convert('folder', 'samples/folder', { out: '-', mltable: true }))).toBe('--mltable writes files next to the JSONL files, which -o - does not write: choose one');
    expect(await usageAsync(convert('folder', 'samples/folder', {}))).toBe('an output is required: -o <dir>, or -o - for stdout, or --dry-run');
    expect(await usageAsync(convert('folder', 'samples/folder', { dryRun: true, task: 'x' }))).toBe('the folder-to-jsonl converter has no option "task"');
  });
});
