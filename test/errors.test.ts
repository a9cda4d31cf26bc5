import { describe, expect, it } from 'vitest';
import { ConversionError, describeValue, ERROR_CODES, formatLocation, isConversionError } from '../src/errors.js';

describe('ConversionError', () => {
  it('reads "file:line: path: detail" and keeps each part', () => {
    const e = new ConversionError('XML_BAD_VALUE', 'expected a number, got "abc"', { file: 'annotations/104.xml', path: 'object[2]/bndbox/xmax' });
    expect(e.message).toBe('annotations/104.xml: object[2]/bndbox/xmax: expected a number, got "abc"');
    expect(e).toMatchObject({ code: 'XML_BAD_VALUE', file: 'annotations/104.xml', path: 'object[2]/bndbox/xmax', line: undefined, detail: 'expected a number, got "abc"', exitCode: 1 });
    expect(new ConversionError('CSV_PARSE', 'unterminated quote', { file: 'labels.csv', line: 7 }).message).toBe('labels.csv:7: unterminated quote');
    expect(new ConversionError('EMPTY_DATASET', 'nothing').message).toBe('nothing');
    expect(new ConversionError('USAGE', 'bad', {}, { exitCode: 2 }).exitCode).toBe(2);
  });

  it('becomes a diagnostic with only the known location fields', () => {
    expect(new ConversionError('CSV_PARSE', 'x', { file: 'a.csv', line: 3 }).toDiagnostic()).toEqual({ code: 'CSV_PARSE', message: 'a.csv:3: x', severity: 'error', file: 'a.csv', line: 3 });
    expect(new ConversionError('NOT_AN_IMAGE', 'y').toDiagnostic('warning')).toEqual({ code: 'NOT_AN_IMAGE', message: 'y', severity: 'warning' });
  });

  it('is recognised, other errors are not', () => {
    expect(isConversionError(new ConversionError('USAGE', 'x'))).toBe(true);
    expect(isConversionError(new Error('x'))).toBe(false);
  });

  it('every code has a description', () => {
    for (const [code, text] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(text.length).toBeGreaterThan(3);
    }
  });
});

describe('formatLocation and describeValue', () => {
  it('formats what is known', () => {
    expect(formatLocation({})).toBe('');
    expect(formatLocation({ line: 4 })).toBe('line 4');
    expect(formatLocation({ path: 'annotations[12].bbox' })).toBe('annotations[12].bbox');
    expect(formatLocation({ file: 'a.json', path: 'annotations[12].bbox' })).toBe('a.json: annotations[12].bbox');
  });
  it('describes found values briefly', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(null)).toBe('null');
    expect(describeValue('')).toBe('an empty string');
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(57)}..."`);
    expect(describeValue(3.5)).toBe('3.5');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue({})).toBe('an object');
  });
});
