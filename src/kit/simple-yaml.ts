/**
 * The plain YAML of most dataset configs, read without the `yaml` package (whose ~75 modules take
 * ~70 ms to load, more than reading the rest of a 20,000-image YOLO dataset's config costs): a
 * top-level mapping of `key: value` lines, a value being a scalar, a one-line `[a, b]` list, or a
 * block list (`- a`) or block mapping of class numbers (`0: a`) on the lines below; comment lines,
 * comments after a value. A scalar is a plain string of safe characters, a quoted string without
 * escapes or quotes inside, or a plain integer. Anything else (another form, a doubtful scalar, a
 * repeated key, any error) gives undefined: the caller reads the text with the `yaml` package, and
 * what this module reads it reads to the same values (test/kit/simple-yaml.test.ts checks it against it).
 *
 * @example
 *   parseSimpleYaml('path: .\ntrain: images/train\nnames: [cat, dog]\n')
 *   // { data: { path: '.', train: 'images/train', names: ['cat', 'dog'] }, keyLines: Map { 'path' => 1, 'train' => 2, 'names' => 3 } }
 */

/** A document read by {@link parseSimpleYaml}. */
export interface SimpleYaml {
  /** What the `yaml` package's `parseDocument(text).toJS()` gives. */
  data: Record<string, unknown>;
  /** The line (1-based) of each top-level key. */
  keyLines: Map<string, number>;
}

/** Not read here: the caller uses the `yaml` package. */
class NotSimple extends Error {}

const TOP_KEY = /^([A-Za-z_][A-Za-z0-9_]*):(?:[ ]+(.*))?$/;
/** Keys the yaml package reads as null (`toJS()` makes them ""): not read here. */
const NULL_KEY = /^(?:null|Null|NULL)$/;
/** White space of JavaScript's trim() other than the space and the line feed (YAML's only ones here). */
const OTHER_WHITE_SPACE = /[\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
/** Plain scalars read as strings: safe characters only, not starting with an indicator or a digit. */
const PLAIN_STRING = /^[A-Za-z_/.][A-Za-z0-9_./ ()+-]*$/;
/** Plain strings of YAML 1.2's core schema that are not strings. */
const NOT_STRING = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE|\.(?:inf|Inf|INF|nan|NaN|NAN)|\.[0-9].*)$/;
const PLAIN_INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
const SINGLE_QUOTED = /^'([^'\n]*)'$/;
const DOUBLE_QUOTED = /^"([^"\\\n]*)"$/;

/** The value of one scalar (trimmed, comment removed). */
function scalar(text: string): string | number {
  const single = SINGLE_QUOTED.exec(text) ?? DOUBLE_QUOTED.exec(text);
  if (single) return single[1]!;
  if (PLAIN_INTEGER.test(text)) return Number(text);
  // PLAIN_STRING has none of `, [ ] { } : # ' "`: nothing that ends a scalar in a [ ] list or starts a comment.
  if (!PLAIN_STRING.test(text) || NOT_STRING.test(text) || text.endsWith(' ') || text.includes('  ')) throw new NotSimple();
  return text;
}

/** A value without its comment: ` #` starts one outside quotes (a value with both quotes and `#` is not simple). */
function withoutComment(text: string): string {
  const hash = text.indexOf('#');
  if (hash < 0) return text.trim();
  if (text.includes("'") || text.includes('"')) throw new NotSimple();
  if (hash > 0 && text[hash - 1] !== ' ') throw new NotSimple();
  return text.slice(0, hash).trim();
}

/** `[a, b, c]` on one line. */
function flowList(text: string): (string | number)[] {
  if (!text.endsWith(']')) throw new NotSimple();
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items = inner.split(',').map((t) => t.trim());
  if (items.at(-1) === '') items.pop(); // a trailing comma
  return items.map((t) => {
    if (t === '' || t.includes('[') || t.includes('{')) throw new NotSimple();
    // A quoted item holding a comma was cut in two: its halves are not quoted scalars, so they throw.
    return scalar(t);
  });
}

/**
 * Reads `text` (a BOM already removed) when it is in the simple form above.
 * @returns undefined when it is not (read it with the `yaml` package)
 */
export function parseSimpleYaml(text: string): SimpleYaml | undefined {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof NotSimple) return undefined;
    throw e;
  }
}

function parse(text: string): SimpleYaml {
  if (text.includes('\r') || text.includes('\t') || text.startsWith('%') || /^(?:---|\.\.\.)/m.test(text)) throw new NotSimple();
  // What JavaScript's trim() takes for white space and YAML for content (or an error): left to the yaml package.
  if (OTHER_WHITE_SPACE.test(text)) throw new NotSimple();
  const data: Record<string, unknown> = {};
  const keyLines = new Map<string, number>();
  const lines = text.split('\n');
  /** The key whose value is the block below it, while its lines come. */
  let open: { key: string; kind: 'list' | 'map' | undefined; indent: number; list: unknown[]; map: Record<string, unknown> } | undefined;
  const close = () => {
    if (open) data[open.key] = open.kind === undefined ? null : open.kind === 'list' ? open.list : open.map;
    open = undefined;
  };
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (open && (indent > 0 || trimmed.startsWith('- ') || trimmed === '-')) {
      if (trimmed.startsWith('-')) {
        if (!trimmed.startsWith('- ') || (open.kind !== undefined && (open.kind !== 'list' || open.indent !== indent))) throw new NotSimple();
        open.kind = 'list';
        open.indent = indent;
        const value = withoutComment(trimmed.slice(2));
        if (value === '' || value.startsWith('[') || value.startsWith('{') || value.startsWith('-') || /:( |$)/.test(value)) throw new NotSimple();
        open.list.push(scalar(value));
        continue;
      }
      const entry = /^(0|[1-9][0-9]{0,14}):[ ]+(.*)$/.exec(trimmed);
      if (!entry || indent === 0 || (open.kind !== undefined && (open.kind !== 'map' || open.indent !== indent))) throw new NotSimple();
      open.kind = 'map';
      open.indent = indent;
      const value = withoutComment(entry[2]!);
      if (value === '' || value.startsWith('[') || value.startsWith('{') || value.startsWith('-') || /:( |$)/.test(value) || Object.hasOwn(open.map, entry[1]!)) throw new NotSimple();
      open.map[entry[1]!] = scalar(value);
      continue;
    }
    close();
    const top = indent === 0 ? TOP_KEY.exec(line.trimEnd()) : null;
    if (!top) throw new NotSimple();
    const key = top[1]!;
    if (keyLines.has(key) || key === '__proto__' || NULL_KEY.test(key)) throw new NotSimple();
    keyLines.set(key, i + 1);
    const value = withoutComment(top[2] ?? '');
    if (value === '') open = { key, kind: undefined, indent: 0, list: [], map: {} };
    else if (value.startsWith('[')) data[key] = flowList(value);
    else if (value.startsWith('{') || value.startsWith('-') || /:( |$)/.test(value)) throw new NotSimple();
    else data[key] = scalar(value);
  }
  close();
  if (keyLines.size === 0) throw new NotSimple();
  return { data, keyLines };
}
