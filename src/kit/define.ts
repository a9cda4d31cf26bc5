/**
 * `defineConverter`: how a converter module declares itself. It checks the declaration once, at load
 * time (each option's key is the one commander derives from its flag, and no key shadows a shared
 * option), types `ctx.own` from the option declarations, and freezes the result.
 *
 * @example
 *   export default defineConverter({
 *     name: 'folder-to-jsonl', alias: 'folder', description: '...', argument: '<dir>', example: '...',
 *     samples: [{ input: 'samples/folder' }], task: 'multi-class',
 *     options: { depth: integer('--depth <n>', 'folder levels searched', { min: 1, default: 1 }) },
 *     async *run(ctx) { const depth: number = ctx.own.depth; ... },
 *   });
 */
import { COMMON_KEYS } from '../common-options.js';
import { keyOfFlags, type OptionSpecs } from '../options.js';
import type { Converter } from '../types.js';

export function defineConverter<const S extends OptionSpecs>(converter: Converter<S>): Converter<S> {
  for (const [key, spec] of Object.entries(converter.options)) {
    if (keyOfFlags(spec.flags) !== key) throw new Error(`${converter.name}: option ${spec.flags} must be declared under the key ${keyOfFlags(spec.flags)}, not ${key}`);
    if (COMMON_KEYS.has(key)) throw new Error(`${converter.name}: option ${spec.flags} shadows a shared option`);
  }
  return Object.freeze({ ...converter, options: Object.freeze({ ...converter.options }) });
}
