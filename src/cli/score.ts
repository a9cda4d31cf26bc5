/**
 * `automl-img score <scoring-uri> <image|dir|file.jsonl...> -o predictions.jsonl`: sends images to a
 * deployed Azure ML endpoint and writes predictions JSONL (SPEC §7); the work is `score()` in
 * `../score/index.ts`. The key comes from the environment or a file, never from an option.
 *
 * @example
 *   AZUREML_ENDPOINT_KEY=... automl-img score https://fridge.eastus.inference.ml.azure.com/score data/images -o preds.jsonl --batch-size 8
 *   → preds.jsonl, one line per image in input order; a summary on stderr; exit 1 when any image has no prediction
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConversionError, type ErrorCode } from '../errors.js';
import { BODY_KINDS } from '../score/body.js';
import type { ScoreFailure, ScoreProgress, ScoreSummary } from '../score/index.js';
import type { CommandEnv } from './env.js';

/** The environment variable the key is read from unless `--key-env` names another. */
export const DEFAULT_KEY_ENV = 'AZUREML_ENDPOINT_KEY';
/** Shows at most this many failures of one code on stderr; the rest are counted. */
const MAX_SHOWN_PER_CODE = 20;

interface ScoreFlags {
  out?: string;
  keyEnv?: string;
  keyFile?: string;
  deployment?: string;
  body?: 'input-data' | 'octet-stream';
  batchSize?: number;
  maxBytes?: string;
  concurrency?: number;
  timeout?: number;
  retries?: number;
  imagesRoot?: string;
  baseUrl?: string;
  resume?: boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** A number for the library to check the range of (commander only rejects what is not a number). */
export function parseNumberFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

/** The key, from `--key-file`, the variable `--key-env` names, or AZUREML_ENDPOINT_KEY. Never echoed. */
function readKey(flags: ScoreFlags, env: NodeJS.ProcessEnv): string {
  if (flags.keyFile !== undefined && flags.keyEnv !== undefined) throw usage('--key-file and --key-env both name the key: choose one');
  if (flags.keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.keyFile, 'utf8');
    } catch (e) {
      throw new ConversionError('INPUT_NOT_FOUND', `cannot read the key file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: flags.keyFile });
    }
    const key = text.trim();
    if (key === '') throw usage(`--key-file ${flags.keyFile} is empty`);
    return key;
  }
  const name = flags.keyEnv ?? DEFAULT_KEY_ENV;
  const key = (env[name] ?? '').trim();
  if (key === '') {
    throw usage(
      `no key: the environment variable ${name} is ${env[name] === undefined ? 'not set' : 'empty'}; set it to the endpoint's key (az ml online-endpoint get-credentials -n <endpoint>), or use --key-env <NAME> or --key-file <path>`,
    );
  }
  return key;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary line (stderr). */
export function describeScore(s: ScoreSummary): string {
  const kept = s.kept ? ` (${s.kept} kept from the earlier run)` : '';
  let text = `scored ${plural(s.images, 'image')}: ${s.predicted} with a prediction in ${s.output}${kept}`;
  if (s.failed) text += `, ${s.failed} without`;
  text += `; ${plural(s.requests, 'request')}, ${plural(s.retries, 'retry').replace('retrys', 'retries')}`;
  if (s.requests) text += `; latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms; ${s.imagesPerSecond} images/s`;
  return text;
}

/** Adds `score <scoring-uri> <inputs...>` to the program. */
export function registerScoreCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('score')
    .description('send images to a deployed Azure ML endpoint and write their predictions JSONL, in input order; exit 1 when any image has no prediction')
    .argument('<scoring-uri>', "the endpoint's scoring URI (studio: Endpoints > your endpoint > Consume; or az ml online-endpoint show -n NAME --query scoring_uri)")
    .argument('<inputs...>', 'image files, folders (walked for images) and JSONL files (their image_urls)')
    .option('-o, --out <file>', 'the predictions JSONL (required); it grows as requests complete')
    .option('--key-env <name>', `the environment variable holding the key (default ${DEFAULT_KEY_ENV})`)
    .option('--key-file <path>', 'a file holding the key (never give the key itself as an option)')
    .option('--deployment <name>', 'the deployment that answers (azureml-model-deployment header)')
    .addOption(
      new Option('--body <kind>', "input-data: MLflow JSON, several images a request; octet-stream: one image's bytes a request (older deployments)").choices(BODY_KINDS).default('input-data'),
    )
    .addOption(new Option('--batch-size <n>', 'images a request (default 1)').argParser(parseNumberFlag))
    .option('--max-bytes <size>', 'body bytes a request at most, e.g. 1.5MB, 400KB, 2MiB')
    .addOption(new Option('--concurrency <n>', 'requests in flight (default 4)').argParser(parseNumberFlag))
    .addOption(new Option('--timeout <s>', 'seconds a try may wait for the answer: its headers, then each chunk of its body (default 90; checked about every half second)').argParser(parseNumberFlag))
    .addOption(new Option('--retries <n>', 'tries after the first on 408/429/5xx/timeouts/connection errors (default 5)').argParser(parseNumberFlag))
    .option('--images-root <dir>', "where JSONL image_urls are looked up (default: the JSONL's folder); what image files' image_url is relative to (default: .)")
    .option('--base-url <prefix>', "the image_url prefix: removed from JSONL image_urls, put before image files' paths")
    .option('--resume', "keep the output's lines and send only the images without one (a torn last line is redone)")
    .option('--force', 'replace an existing output')
    .option('--json', 'print one JSON summary object on stdout')
    .option('-q, --quiet', 'no progress, no summary line (failures are still shown)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      `\nThe key: export ${DEFAULT_KEY_ENV}="$(az ml online-endpoint get-credentials -n NAME --query primaryKey -o tsv)"\n\nExamples:\n  $ automl-img score https://fridge.eastus.inference.ml.azure.com/score data/images -o preds.jsonl --batch-size 8 --concurrency 8\n  $ automl-img score "$URI" out/validation_annotations.jsonl --images-root data -o preds.jsonl --resume\n`,
    )
    .action(async (uri: string, inputs: string[], flags: ScoreFlags) => {
      const color = env.colorFor(flags);
      const key = readKey(flags, io.env);
      const showProgress = io.stderr.isTTY === true && !flags.quiet && !flags.json;
      let bar = '';
      let drawnAt = 0;
      const clearBar = () => {
        if (bar) io.stderr.write('\r\x1b[K');
        bar = '';
      };
      const progress = (p: ScoreProgress) => {
        const now = Date.now();
        if (now - drawnAt < 100) return;
        drawnAt = now;
        const done = p.predicted + p.failed;
        const width = 24;
        const head = p.listingDone && p.listed > 0 ? `[${'#'.repeat(Math.round((done / p.listed) * width)).padEnd(width, '.')}] ${done}/${p.listed} images` : `${done} images`;
        bar = `${head} · ${p.inFlight} in flight · ${plural(p.retries, 'retry').replace('retrys', 'retries')}${p.failed ? ` · ${p.failed} failed` : ''}`;
        io.stderr.write(`\r${color.cyan(bar)}\x1b[K`);
      };
      const shown = new Map<ErrorCode, number>();
      const onFailure = (f: ScoreFailure) => {
        const n = (shown.get(f.code) ?? 0) + 1;
        shown.set(f.code, n);
        if (n > MAX_SHOWN_PER_CODE) return;
        clearBar();
        io.stderr.write(`${color.red('error')}: ${f.message} ${color.dim(`[${f.code}]`)}\n`);
      };
      // Written at once: the bin's signal handler ends the process right after the abort.
      const onInterrupt = () => {
        clearBar();
        io.stderr.write(`interrupted: the finished predictions are kept in ${flags.out}; run the same command with --resume to go on\n`);
      };
      signal?.addEventListener('abort', onInterrupt, { once: true });
      let summary: ScoreSummary;
      try {
        const { score } = await import('../score/index.js');
        summary = await score(uri, inputs, {
          out: flags.out ?? '',
          key,
          deployment: flags.deployment,
          body: flags.body,
          batchSize: flags.batchSize,
          maxBytes: flags.maxBytes,
          concurrency: flags.concurrency,
          timeout: flags.timeout,
          retries: flags.retries,
          imagesRoot: flags.imagesRoot,
          baseUrl: flags.baseUrl,
          resume: flags.resume,
          force: flags.force,
          signal,
          onProgress: showProgress ? progress : undefined,
          onFailure,
        });
      } catch (e) {
        clearBar();
        if (e instanceof ConversionError && e.code === 'INTERRUPTED') {
          if (flags.json) io.stdout.write(JSON.stringify({ ok: false, errors: [e.toDiagnostic()] }) + '\n');
          setExitCode(130);
          return;
        }
        throw e;
      } finally {
        signal?.removeEventListener('abort', onInterrupt);
      }
      clearBar();
      for (const [code, n] of shown) if (n > MAX_SHOWN_PER_CODE) io.stderr.write(color.dim(`${n - MAX_SHOWN_PER_CODE} more ${code} not shown\n`));
      if (flags.json) io.stdout.write(JSON.stringify(summary) + '\n');
      if (!flags.quiet && !flags.json) io.stderr.write((summary.ok ? color.green(describeScore(summary)) : describeScore(summary)) + '\n');
      if (!summary.ok) {
        const names = summary.failures.flatMap((f) => f.images).slice(0, 20);
        io.stderr.write(`${color.red(`${plural(summary.failed, 'image')} without a prediction`)}${names.length ? `: ${names.join(', ')}${summary.failed > names.length ? ', ...' : ''}` : ''}\n`);
      }
      setExitCode(summary.ok ? 0 : 1);
    });
}
