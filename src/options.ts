/**
 * Options as a library contract: one declaration per option (its flag, help, default and parser)
 * from which the CLI builds its commander options and the library checks what a program passes.
 * A bad value gets the same `USAGE` error (exit 2), naming the flag, from either side.
 *
 * @example
 *   const OPTIONS = { depth: integer('--depth <n>', 'folder levels searched', { min: 1, default: 1 }) };
 *   const values = checkOptions(OPTIONS, { depth: 'abc' });
 *   // throws ConversionError USAGE: option '--depth <n>' argument 'abc' is invalid. expected an integer of 1 or more
 */
import { ConversionError, describeValue } from './errors.js';

/** Thrown by an option's parser: says what was expected (`expected an integer of 1 or more`). */
export class OptionValueError extends Error {
  override name = 'OptionValueError';
}

/** One option: how it is spelled on the command line, described, defaulted and parsed. */
export interface OptionSpec<T = unknown> {
  /** commander flags: `--depth <n>`, `--one-based`, `--no-image-details`, `-o, --out <dir>`. */
  readonly flags: string;
  /** One line of `--help`. */
  readonly description: string;
  /** Applied when the option is absent (`undefined`). Also shown by `--help`. */
  readonly default?: T;
  /** The allowed values of a choice option (commander lists them in `--help`). */
  readonly choices?: readonly string[];
  /**
   * Turns a value into the option's type: a string from the command line, or what a program passed.
   * Never given `undefined`. @throws OptionValueError saying what was expected
   */
  readonly parse: (value: unknown) => T;
}

/** A set of options, keyed by their camelCase name (`--max-points` → `maxPoints`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;

/** The checked values of a set of options: each present when it has a default, else possibly undefined. */
export type OptionValues<S extends OptionSpecs> = {
  [K in keyof S]: S[K] extends { readonly default: infer D } ? D : S[K] extends OptionSpec<infer T> ? T | undefined : never;
};

interface Bounds {
  min?: number;
  max?: number;
}

function numberFrom(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function rangeText(kind: 'an integer' | 'a number', { min, max }: Bounds): string {
  if (min !== undefined && max !== undefined) return `expected ${kind} from ${min} to ${max}`;
  if (min !== undefined) return `expected ${kind} of ${min} or more`;
  if (max !== undefined) return `expected ${kind} of ${max} or less`;
  return `expected ${kind}`;
}

/** An on/off flag (`--stratify`, or `--no-image-details` for an option that is on by default). */
export function flag(flags: string, description: string, options: { default?: boolean } = {}): OptionSpec<boolean> & { default: boolean } {
  return {
    flags,
    description,
    default: options.default ?? flags.startsWith('--no-'),
    parse(value) {
      if (typeof value !== 'boolean') throw new OptionValueError('expected true or false');
      return value;
    },
  };
}

/** An integer within bounds, from a number or a numeric string. */
export function integer(flags: string, description: string, options: Bounds & { default: number }): OptionSpec<number> & { default: number };
export function integer(flags: string, description: string, options?: Bounds): OptionSpec<number>;
export function integer(flags: string, description: string, options: Bounds & { default?: number } = {}): OptionSpec<number> {
  const expected = rangeText('an integer', options);
  return withDefault(
    {
      flags,
      description,
      parse(value) {
        const n = numberFrom(value);
        if (!Number.isInteger(n) || (options.min !== undefined && n < options.min) || (options.max !== undefined && n > options.max)) throw new OptionValueError(expected);
        return n;
      },
    },
    options.default,
  );
}

/**
 * A finite number within bounds, from a number or a numeric string. `below` is an exclusive upper
 * bound; `expected` overrides the message.
 */
export function decimal(flags: string, description: string, options: Bounds & { below?: number; expected?: string; default: number }): OptionSpec<number> & { default: number };
export function decimal(flags: string, description: string, options?: Bounds & { below?: number; expected?: string }): OptionSpec<number>;
export function decimal(flags: string, description: string, options: Bounds & { below?: number; expected?: string; default?: number } = {}): OptionSpec<number> {
  const expected = options.expected ?? rangeText('a number', options);
  return withDefault(
    {
      flags,
      description,
      parse(value) {
        const n = numberFrom(value);
        const { min, max, below } = options;
        if (!Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max) || (below !== undefined && n >= below)) throw new OptionValueError(expected);
        return n;
      },
    },
    options.default,
  );
}

/** A string; `check` may refuse or rewrite it (throw {@link OptionValueError}). */
export function text(flags: string, description: string, options: { default: string; check?: (s: string) => string }): OptionSpec<string> & { default: string };
export function text(flags: string, description: string, options?: { check?: (s: string) => string }): OptionSpec<string>;
export function text(flags: string, description: string, options: { default?: string; check?: (s: string) => string } = {}): OptionSpec<string> {
  return withDefault(
    {
      flags,
      description,
      parse(value) {
        if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
        if (typeof value !== 'string') throw new OptionValueError('expected a string');
        return options.check ? options.check(value) : value;
      },
    },
    options.default,
  );
}

/** One of a closed set of strings. */
export function choice<const C extends string>(flags: string, description: string, choices: readonly C[], options: { default: C }): OptionSpec<C> & { default: C };
export function choice<const C extends string>(flags: string, description: string, choices: readonly C[]): OptionSpec<C>;
export function choice<const C extends string>(flags: string, description: string, choices: readonly C[], options: { default?: C } = {}): OptionSpec<C> {
  return withDefault(
    {
      flags,
      description,
      choices,
      parse(value) {
        if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw new OptionValueError(`Allowed choices are ${choices.join(', ')}.`);
        return value as C;
      },
    },
    options.default,
  );
}

function withDefault<T>(spec: OptionSpec<T>, value: T | undefined): OptionSpec<T> {
  return value === undefined ? spec : { ...spec, default: value };
}

/** The long flag of an option (`--max-points`), as messages name it. */
export function longFlag(spec: Pick<OptionSpec, 'flags'>): string {
  const long = /--[a-z0-9-]+/i.exec(spec.flags)?.[0];
  return long ?? spec.flags;
}

/** The options key commander gives a flag: `--max-points` → `maxPoints`, `--no-image-details` → `imageDetails`. */
export function keyOfFlags(flags: string): string {
  const long = longFlag({ flags }).replace(/^--(no-)?/, '');
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The message of a bad value, the same as commander's (the CLI prints it with `error: ` before it):
 * `option '--depth <n>' argument 'abc' is invalid. expected an integer of 1 or more`.
 */
export function invalidValueMessage(spec: Pick<OptionSpec, 'flags'>, value: unknown, expected: string): string {
  const shown = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? `'${String(value)}'` : describeValue(value);
  return `option '${spec.flags}' argument ${shown} is invalid. ${expected}`;
}

/** A `USAGE` error (exit code 2). */
export function usageError(message: string): ConversionError {
  return new ConversionError('USAGE', message, {}, { exitCode: 2 });
}

/**
 * Checks one value against its declaration: the default when absent, else the parsed value.
 * @throws ConversionError `USAGE` naming the flag
 */
export function checkOption<T>(spec: OptionSpec<T>, value: unknown): T | undefined {
  if (value === undefined) return spec.default;
  try {
    return spec.parse(value);
  } catch (e) {
    if (e instanceof OptionValueError) throw usageError(invalidValueMessage(spec, value, e.message));
    throw e;
  }
}

/**
 * Checks a program's options against declarations: every known key parsed (defaults applied), and a
 * key that is declared nowhere refused. `alsoKnown` are keys handled elsewhere (callbacks, streams).
 * @throws ConversionError `USAGE` (exit 2) naming the flag or the unknown key
 */
export function checkOptions<S extends OptionSpecs>(specs: S, given: Readonly<Record<string, unknown>>, owner: string, alsoKnown: ReadonlySet<string> = new Set()): OptionValues<S> {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key) && !alsoKnown.has(key) && given[key] !== undefined) {
      throw usageError(`${owner} has no option ${JSON.stringify(key)}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = checkOption(spec, given[key]);
  return out as OptionValues<S>;
}
