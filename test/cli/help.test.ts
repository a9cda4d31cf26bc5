/**
 * The help of every command stays as it was: `--help` of the program, of each command and of each
 * subcommand (every converter, by name and by alias; `export coco`), plus `--version` and a few usage
 * errors, compared with test/fixtures/cli-help.txt. The CLI loads a command's library only when the
 * command runs (src/cli/*.ts import it in their actions), so this proves the declarations alone
 * still make the same help. `UPDATE=1 npx vitest run test/cli/help.test.ts` rewrites the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { CaptureStream, runCli } from '../helpers/cli.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'cli-help.txt');

/** Every command path of the program (`['convert', 'folder-to-jsonl']`, ...), with each alias too. */
function commandPaths(cmd: Command, prefix: readonly string[] = []): string[][] {
  const paths: string[][] = [];
  for (const sub of cmd.commands) {
    for (const name of [sub.name(), ...sub.aliases()]) {
      paths.push([...prefix, name]);
      if (name === sub.name()) paths.push(...commandPaths(sub, [...prefix, name]));
    }
  }
  return paths;
}

it('the help of every command, --version and usage errors are as recorded', { timeout: 60_000 }, async () => {
  const program = createProgram({ stdout: new CaptureStream(), stderr: new CaptureStream(), env: {} }, () => undefined);
  const paths = commandPaths(program);
  expect(paths.length).toBeGreaterThan(10);
  const runs: string[][] = [[], ['--help'], ['--version'], ['nope'], ['help', 'convert'], ['convert', 'nope'], ['convert', 'folder', '--nope']];
  for (const path of paths) runs.push([...path, '--help']);
  let text = '';
  for (const argv of runs) {
    const { code, stdout, stderr } = await runCli(argv);
    text += `### automl-img ${argv.join(' ')}\nexit ${code}\n--- stdout\n${stdout}--- stderr\n${stderr}`;
  }
  if (process.env['UPDATE'] === '1') writeFileSync(FIXTURE, text);
  expect(existsSync(FIXTURE), 'test/fixtures/cli-help.txt (UPDATE=1 writes it)').toBe(true);
  expect(text).toBe(readFileSync(FIXTURE, 'utf8'));
});
