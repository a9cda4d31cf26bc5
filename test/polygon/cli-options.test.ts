import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { POLYGON_CLI_OPTIONS, polygonOptionsFrom } from '../../src/polygon/cli-options.js';

describe('POLYGON_CLI_OPTIONS', () => {
  test('define the four shared flags with their keys', () => {
    expect(POLYGON_CLI_OPTIONS.map((o) => [o.flags, o.key])).toEqual([
      ['--tolerance <px>', 'tolerance'],
      ['--max-points <n>', 'maxPoints'],
      ['--min-area <px>', 'minArea'],
      ['--holes <mode>', 'holes'],
    ]);
  });

  test('parsers reject values out of range', () => {
    const parse = (key: string, v: string) => POLYGON_CLI_OPTIONS.find((o) => o.key === key)!.parse!(v);
    expect(parse('tolerance', '0.5')).toBe(0.5);
    expect(() => parse('tolerance', '-1')).toThrow('expected a number of 0 or more');
    expect(() => parse('tolerance', 'abc')).toThrow('expected a number of 0 or more');
    expect(parse('maxPoints', '100')).toBe(100);
    expect(() => parse('maxPoints', '2')).toThrow('expected an integer of 3 or more');
    expect(() => parse('minArea', '')).toThrow('expected a number of 0 or more');
  });
});

describe('polygonOptionsFrom', () => {
  test('passes set values, leaves unset ones to the defaults', () => {
    expect(polygonOptionsFrom({ tolerance: 0.5, holes: 'fill' })).toEqual({ tolerance: 0.5, holes: 'fill' });
    expect(polygonOptionsFrom({ tolerance: '2', maxPoints: '50', minArea: 4 })).toEqual({ tolerance: 2, maxPoints: 50, minArea: 4 });
    expect(polygonOptionsFrom({})).toEqual({});
  });

  test('a bad value from a library caller is a USAGE error naming the flag', () => {
    const err = (extra: Record<string, unknown>) => {
      try {
        polygonOptionsFrom(extra);
      } catch (e) {
        return e as ConversionError;
      }
      throw new Error('no error');
    };
    expect(err({ maxPoints: 2 })).toMatchObject({ code: 'USAGE', exitCode: 2, message: '--max-points: expected an integer >= 3, got 2' });
    expect(err({ tolerance: -1 })).toMatchObject({ code: 'USAGE', message: '--tolerance: expected a finite number >= 0, got -1' });
    expect(err({ tolerance: 'x' })).toMatchObject({ code: 'USAGE', message: '--tolerance must be a number, got "x"' });
    expect(err({ holes: 'open' })).toMatchObject({ code: 'USAGE', message: '--holes must be keep or fill, got "open"' });
  });
});
