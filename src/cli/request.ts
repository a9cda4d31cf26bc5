/**
 * `automl-img request <image|dir|file.jsonl...>`: writes scoring request bodies (SPEC §7); the work
 * is `buildRequests()` in `../score/index.ts`.
 *
 * @example
 *   automl-img request data/images/1.jpg > body.json
 *   automl-img request data/images --batch-size 8 --max-bytes 1.5MB -o requests/
 *   → requests/request-0001.json, ..., requests/manifest.jsonl
 */
import { Option, type Command } from 'commander';
import { ConversionError } from '../errors.js';
import type { RequestSummary } from '../score/index.js';
import type { CommandEnv } from './env.js';
import { parseNumberFlag } from './score.js';

interface RequestFlags {
  out?: string;
  batchSize?: number;
  maxBytes?: string;
  imagesRoot?: string;
  baseUrl?: string;
  onError?: 'fail' | 'skip';
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeRequests(s: RequestSummary, where: string): string {
  const skipped = s.skipped ? `, ${s.skipped} skipped` : '';
  return `wrote ${s.requests === 1 ? '1 request body' : `${s.requests} request bodies`} (${plural(s.images, 'image')}, ${s.bytes} bytes${skipped}) to ${where}`;
}

/** Adds `request <inputs...>` to the program. */
export function registerRequestCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('request')
    .description('write scoring request bodies ({"input_data": {"columns": ["image"], "data": [base64...]}}) for images, folders and JSONL files')
    .argument('<inputs...>', 'image files, folders (walked for images) and JSONL files (their image_urls)')
    .option('-o, --out <file|dir>', "the body's file (default: stdout); with --batch-size or --max-bytes, the folder for request-0001.json... and manifest.jsonl")
    .addOption(new Option('--batch-size <n>', 'images a body at most').argParser(parseNumberFlag))
    .option('--max-bytes <size>', 'bytes a body at most, e.g. 1.5MB, 400KB, 2MiB (an image too large alone is a bad item)')
    .option('--images-root <dir>', "where JSONL image_urls are looked up (default: the JSONL's folder); what image files' image_url is relative to (default: .)")
    .option('--base-url <prefix>', "the image_url prefix: removed from JSONL image_urls, put before image files' paths")
    .addOption(new Option('--on-error <mode>', 'fail: stop at the first bad input, write nothing; skip: leave it out, report it, go on').choices(['fail', 'skip']).default('fail'))
    .option('--force', 'replace existing outputs')
    .option('--json', 'print one JSON summary object on stdout (needs -o)')
    .option('-q, --quiet', 'no summary line')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ automl-img request data/images/1.jpg > body.json\n  $ automl-img request data/images --batch-size 8 --max-bytes 1.5MB -o requests/\n  $ curl -X POST "$URI" -H "Authorization: Bearer $AZUREML_ENDPOINT_KEY" -H "Content-Type: application/json" --data-binary @body.json\n',
    )
    .action(async (inputs: string[], flags: RequestFlags) => {
      const color = env.colorFor(flags);
      const toStdout = flags.out === undefined || flags.out === '-';
      if (toStdout && flags.json) throw new ConversionError('USAGE', '--json prints a summary on stdout, which the body goes to without -o: give -o <file>', {}, { exitCode: 2 });
      const { buildRequests } = await import('../score/index.js');
      const summary = await buildRequests(inputs, {
        out: flags.out,
        batchSize: flags.batchSize,
        maxBytes: flags.maxBytes,
        imagesRoot: flags.imagesRoot,
        baseUrl: flags.baseUrl,
        onError: flags.onError,
        force: flags.force,
        signal,
        stdout: io.stdout,
        onDiagnostic: (d) => {
          if (!flags.quiet) io.stderr.write(`${color.yellow('warning')}: ${d.message} ${color.dim(`[${d.code}]`)}\n`);
        },
      });
      if (flags.json) io.stdout.write(JSON.stringify(summary) + '\n');
      else if (!flags.quiet) io.stderr.write(color.green(describeRequests(summary, toStdout ? 'stdout' : summary.outputs.length > 1 ? `${flags.out} (and manifest.jsonl)` : flags.out!)) + '\n');
      setExitCode(0);
    });
}
