import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { answerKind, parsePrediction } from '../../src/predictions.js';

const box = { box: { topX: 0.1, topY: 0.2, bottomX: 0.3, bottomY: 0.4 }, label: 'can', score: 0.9 };

describe('parsePrediction', () => {
  test('reads the three answer shapes of SPEC §7', () => {
    expect(parsePrediction({ image_url: 'a.jpg', probs: [0.2, 0.8], labels: ['x', 'y'] })).toEqual({ kind: 'classes', imageUrl: 'a.jpg', labels: ['x', 'y'], probs: [0.2, 0.8] });
    expect(parsePrediction({ image_url: 'a.jpg', boxes: [box] })).toEqual({
      kind: 'boxes',
      imageUrl: 'a.jpg',
      boxes: [{ label: 'can', score: 0.9, topX: 0.1, topY: 0.2, bottomX: 0.3, bottomY: 0.4 }],
    });
    const seg = parsePrediction({ image_url: 'a.jpg', boxes: [{ ...box, polygon: [[0, 0, 1, 0, 1, 1]] }] });
    expect(seg.kind === 'boxes' && seg.boxes[0]?.polygon).toEqual([[0, 0, 1, 0, 1, 1]]);
  });

  test.each([
    [{ boxes: [] }, 'image_url', 'expected a non-empty string, got nothing'],
    [{ image_url: 'a', boxes: [{ ...box, score: 'x' }] }, 'boxes[0].score', 'expected a finite number, got "x"'],
    [{ image_url: 'a', boxes: [{ ...box, polygon: [[0, 0, 1]] }] }, 'boxes[0].polygon[0]', 'expected an even count of numbers (x, y pairs), got "3 numbers"'],
    [{ image_url: 'a', probs: [1], labels: ['a', 'b'] }, 'probs', 'expected 2 probabilities (one per label), got "1"'],
    [{ image_url: 'a', visualizations: null }, '', 'expected "boxes" (detection, segmentation) or "probs" and "labels" (classification), got "neither"'],
  ])('a bad line names its JSON path: %j', (value, path, detail) => {
    let error: unknown;
    try {
      parsePrediction(value, { file: 'p.jsonl', line: 3 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConversionError);
    const e = error as ConversionError;
    expect([e.code, e.file, e.line, e.path ?? '', e.detail]).toEqual(['PREDICTION_BAD', 'p.jsonl', 3, path, detail]);
  });

  test('answerKind tells the endpoint answer shapes apart and explains the rest', () => {
    expect(answerKind({ filename: '/tmp/x', probs: [1], labels: ['a'], visualizations: null })).toBe('classes');
    expect(answerKind({ filename: '/tmp/x', boxes: [box] })).toBe('boxes');
    expect(answerKind({ filename: '/tmp/x', boxes: [{ ...box, polygon: [[0, 0, 1, 0, 1, 1]] }] })).toBe('boxes-with-polygons');
    expect(answerKind('<html>')).toBe('expected an object, got "<html>"');
  });
});
