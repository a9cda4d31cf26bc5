/**
 * How a converter declares itself. `declareConverter` (in `converters/declarations/<name>.ts`) checks
 * the declaration once, at load time (each option's key is the one commander derives from its flag,
 * and no key shadows a shared option), types `ctx.own` from the option declarations, and freezes it;
 * `defineConverter` (in `converters/<name>.ts`) adds the implementation, `run`; `lazyConverter` (in
 * src/registry.ts) makes the registry's converter from the declaration, its implementation loaded
 * when it first runs, so that a command line lists every converter and loads one.
 *
 * @example
 *   // converters/declarations/folder-to-jsonl.ts
 *   export const OPTIONS = { depth: integer('--depth <n>', 'folder levels searched', { min: 1, default: 1 }) };
 *   export default declareConverter({
 *     name: 'folder-to-jsonl', alias: 'folder', description: '...', argument: '<dir>', example: '...',
 *     samples: [{ input: 'samples/folder' }], task: 'multi-class', options: OPTIONS,
 *   });
 *   // converters/folder-to-jsonl.ts
 *   export default defineConverter({ ...FOLDER, async *run(ctx) { const depth: number = ctx.own.depth; ... } });
 *   // src/registry.ts
 *   lazyConverter(FOLDER, () => import('../converters/folder-to-jsonl.js'))
 */
import { COMMON_KEYS } from '../common-options.js';
import { keyOfFlags, type OptionSpecs, type OptionValues } from '../options.js';
import type { Converter, ConverterContext, ConverterDeclaration, ImageRecord } from '../types.js';

function checked<const S extends OptionSpecs, D extends ConverterDeclaration<S>>(declaration: D & ConverterDeclaration<S>): D {
  for (const [key, spec] of Object.entries(declaration.options)) {
    if (keyOfFlags(spec.flags) !== key) throw new Error(`${declaration.name}: option ${spec.flags} must be declared under the key ${keyOfFlags(spec.flags)}, not ${key}`);
    if (COMMON_KEYS.has(key)) throw new Error(`${declaration.name}: option ${spec.flags} shadows a shared option`);
  }
  return Object.freeze({ ...declaration, options: Object.freeze({ ...declaration.options }) });
}

/** A converter's declaration (everything but `run`), checked and frozen. */
export function declareConverter<const S extends OptionSpecs>(declaration: ConverterDeclaration<S>): ConverterDeclaration<S> {
  return checked<S, ConverterDeclaration<S>>(declaration);
}

/** A converter: its declaration and its `run`, checked and frozen. */
export function defineConverter<const S extends OptionSpecs>(converter: Converter<S>): Converter<S> {
  return checked<S, Converter<S>>(converter);
}

/**
 * The converter of `declaration` whose implementation (the `default` export of the module `load`
 * imports) is loaded when its records are first asked for. It behaves as the implementation's own
 * async generator: steps, `return` and `throw` go to it in the order they are called (a `return`
 * before the first step ends it without loading anything); after the first step, each step costs one
 * more function call, no promise.
 */
export function lazyConverter<S extends OptionSpecs>(declaration: ConverterDeclaration<S>, load: () => Promise<{ default: Converter<S> }>): Converter<S> {
  return Object.freeze({
    ...declaration,
    run(ctx: ConverterContext<OptionValues<S>>): AsyncIterable<ImageRecord> {
      return {
        [Symbol.asyncIterator](): AsyncIterator<ImageRecord> {
          let inner: AsyncIterator<ImageRecord> | undefined;
          let starting: Promise<AsyncIterator<ImageRecord>> | undefined;
          let endedUnstarted = false;
          const done = (value?: unknown): IteratorResult<ImageRecord> => ({ done: true, value: value as undefined });
          const start = () => (starting ??= load().then(({ default: converter }) => (inner = converter.run(ctx)[Symbol.asyncIterator]())));
          return {
            next: () => (inner !== undefined ? inner.next() : endedUnstarted ? Promise.resolve(done()) : start().then((it) => it.next())),
            return: (value?: unknown) => {
              if (starting === undefined) {
                endedUnstarted = true;
                return Promise.resolve(done(value));
              }
              const end = (it: AsyncIterator<ImageRecord>) => (it.return ? it.return(value) : Promise.resolve(done(value)));
              return inner !== undefined ? end(inner) : starting.then(end);
            },
            throw: (error?: unknown) => {
              if (starting === undefined) {
                endedUnstarted = true;
                return Promise.reject(error);
              }
              const raise = (it: AsyncIterator<ImageRecord>) => (it.throw ? it.throw(error) : Promise.reject(error));
              return inner !== undefined ? raise(inner) : starting.then(raise);
            },
          };
        },
      };
    },
  });
}
