/**
 * commander options made from the library's option declarations (src/options.ts), so a flag is
 * declared once: its parser runs on the command line (commander's own message on a bad value) and
 * again in the library for programs.
 *
 * @example
 *   for (const spec of Object.values(converter.options)) cmd.addOption(commanderOption(spec));
 */
import { InvalidArgumentError, Option } from 'commander';
import { OptionValueError, type OptionSpec } from '../options.js';

/** The commander option of a declaration: its flags, help, choices, parser and (non-boolean) default. */
export function commanderOption(spec: OptionSpec): Option {
  const opt = new Option(spec.flags, spec.description);
  const takesValue = /[<[]/.test(spec.flags);
  if (spec.choices) opt.choices(spec.choices);
  else if (takesValue) {
    opt.argParser((value: string) => {
      try {
        return spec.parse(value);
      } catch (e) {
        if (e instanceof OptionValueError) throw new InvalidArgumentError(e.message);
        throw e;
      }
    });
  }
  if (takesValue && spec.default !== undefined) opt.default(spec.default);
  return opt;
}

/** The values of declared options among commander's parsed flags (absent ones left out). */
export function valuesOf(specs: Readonly<Record<string, OptionSpec>>, flags: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(specs)) if (flags[key] !== undefined) out[key] = flags[key];
  return out;
}
