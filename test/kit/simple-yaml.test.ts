/**
 * src/kit/simple-yaml.ts against the `yaml` package: whatever it reads, it reads to the values (and
 * key lines) `yaml` gives, and it reads the usual dataset configs (else YOLO runs would load `yaml`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { parseSimpleYaml } from '../../src/kit/simple-yaml.js';

/** What the `yaml` package reads, as yolo-to-jsonl uses it: the values, the errors, and the line of each top-level key. */
function byYamlPackage(text: string): { data: unknown; errors: number; keyLines: Map<string, number> } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const keyLines = new Map<string, number>();
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (isScalar(pair.key) && pair.key.range) keyLines.set(String(pair.key.value), lines.linePos(pair.key.range[0]).line);
    }
  }
  return { data: doc.toJS(), errors: doc.errors.length, keyLines };
}

function expectSameAsYaml(text: string): void {
  const ours = parseSimpleYaml(text);
  if (ours === undefined) return;
  const theirs = byYamlPackage(text);
  expect(theirs.errors, text).toBe(0);
  expect(ours.data, text).toStrictEqual(theirs.data);
  expect(ours.keyLines, text).toEqual(theirs.keyLines);
}

const USUAL: Record<string, string> = {
  'the benchmark': 'path: .\ntrain: images/train\nval: images/val\nnames: [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9]\n',
  'Ultralytics style': [
    '# a dataset',
    'path: ../datasets/coco8 # dataset root dir',
    'train: images/train # train images (relative to path)',
    'val: images/val',
    'test: # test images (optional)',
    '',
    '# Classes',
    'names:',
    '  0: person',
    '  1: bicycle',
    '  2: traffic light',
    '',
  ].join('\n'),
  'Roboflow style': "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\nnc: 3\nnames: ['cat', 'dog', 'hot dog']\n",
  'a block list': 'path: data\ntrain:\n  - images/a\n  - images/b\nval: images/val\nnames:\n- cat\n- "dog"\n',
};

describe('parseSimpleYaml', () => {
  for (const [name, text] of Object.entries(USUAL)) {
    it(`reads ${name} as the yaml package does`, () => {
      expect(parseSimpleYaml(text)).toBeDefined();
      expectSameAsYaml(text);
    });
  }

  it('leaves to the yaml package what it does not read for sure', () => {
    for (const text of [
      'names: [a, b]\nnames: [c]\n', // repeated key: yaml's error
      'a: null\n',
      'a: yes\nb: 1.5\n',
      'a: 0x1F\n',
      "a: 'it''s'\n",
      'a: "tab\\there"\n',
      'a: &x b\nc: *x\n',
      'a:\n  b: c\n',
      'a: |\n  text\n',
      'a: [b,\n  c]\n',
      'roboflow:\n  url: https://x\n',
      'a: b\r\n',
      '- a\n- b\n',
      '',
      '# only a comment\n',
      'a: b #c\nd: "e #f"\n',
      // White space to JavaScript's trim() but content (or an error) to YAML:
      'a: cat\u00a0\n',
      'names: [a\u00a0, b]\n',
      'names:\n  - a\u3000\n',
      'a: cat\u000b\n',
      'a: cat\f\n',
      'names:\n\u00a0- a\n',
      'names:\n  - a\n\u00a0\nb: 1\n',
      // Keys the yaml package reads as null:
      'null: x\n',
      'Null: x\nnull: y\n',
    ]) {
      expect(parseSimpleYaml(text), text).toBeUndefined();
    }
  });

  it('reads anything it reads as the yaml package does (drawn documents of scalars, lists, mappings, comments)', () => {
    const tokens = [
      ...['null', 'Null', '~', 'true', 'FALSE', 'yes', 'No', 'on', '.inf', '-.inf', '.nan', '.5', '1.5', '1e3', '0x1F', '0o17', '007', '12', '0', '-3', '+4'],
      ...['a b', 'a  b', 'a #b', 'a#b', 'a: b', 'a:b', 'http://x/y', '[a]', '{a: 1}', '&x', '*x', '!t x', '|', '>', '%x', '@x', '`x`', '-', '- a', '?', '? a'],
      ...["'q'", "'it''s'", '"dq"', '"a\\nb"', '"a#b"', "'a, b'", "'a]'", 'élan', 'a,b', 'a]', '(x)', '.', '..', '../x', './x', '/abs', '_x', 'x.y', 'a-', 'a -b', '1_000', '12abc', '.e3', 'cat'],
    ];
    const usual = fc.constantFrom('cat', 'hot dog', 'images/train', '../valid/images', "'dog'", '"a b"', '3', '(x)');
    const token = fc.oneof({ arbitrary: usual, weight: 2 }, fc.constantFrom(...tokens), fc.stringMatching(/^[ab. \-_/:#,'"[\]{}01]{1,6}$/));
    const comment = fc.constantFrom('', '', ' # note', '  #x', '#x');
    const indent = fc.constantFrom('', ' ', '  ', '    ');
    const key = fc.constantFrom('path', 'train', 'val', 'names', 'nc', 'a_b', 'x');
    const entry = fc.oneof(
      fc.tuple(key, token, comment).map(([k, t, c]) => [`${k}: ${t}${c}`]),
      fc.tuple(key, fc.array(token, { maxLength: 4 }), fc.constantFrom(', ', ',', ' , ', ', ,'), comment).map(([k, ts, sep, c]) => [`${k}: [${ts.join(sep)}]${c}`]),
      fc.tuple(key, indent, fc.array(fc.tuple(token, comment), { minLength: 1, maxLength: 3 })).map(([k, ind, items]) => [`${k}:`, ...items.map(([t, c]) => `${ind}- ${t}${c}`)]),
      fc
        .tuple(key, indent, fc.array(fc.tuple(fc.constantFrom('0', '1', '2', '01', '10', 'a'), token), { minLength: 1, maxLength: 3 }))
        .map(([k, ind, items]) => [`${k}:`, ...items.map(([n, t]) => `${ind}${n}: ${t}`)]),
      key.map((k) => [`${k}:`]),
      fc.constantFrom([''], ['# c'], ['  # c'], ['\t'], ['---']),
    );
    let read = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.boolean(), (entries, finalNewline) => {
        const text = entries.flat().join('\n') + (finalNewline ? '\n' : '');
        if (parseSimpleYaml(text) !== undefined) read++;
        expectSameAsYaml(text);
      }),
      { numRuns: 1500 },
    );
    // Not a vacuous property: many drawn documents are read.
    expect(read).toBeGreaterThan(150);
  });
});
