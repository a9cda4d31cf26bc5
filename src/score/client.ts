/**
 * The HTTP side of `score`: one connection pool to the endpoint (undici), one POST a batch, retried
 * with exponential backoff and jitter by p-retry on 408, 429, 500, 502, 503, 504, timeouts and
 * connection errors (honouring `Retry-After`), never on the answers retrying cannot change (400,
 * 401, 403, 404, 413, ...), each of which says what to check. The key goes into the
 * `Authorization` header and nowhere else: no message carries a header, and answer text quoted in
 * a message has the key masked.
 *
 * @example
 *   const endpoint = new Endpoint({ uri: new URL('https://x.inference.ml.azure.com/score'), key, body: 'input-data',
 *     timeoutMs: 60_000, retries: 5, concurrency: 4, backoff: { minMs: 500, maxMs: 30_000 } });
 *   const { text, latencyMs } = await endpoint.post(batch, { signal, onRetry: (why) => console.error(why) });
 *   await endpoint.close();
 */
import { Readable } from 'node:stream';
import pRetry, { AbortError } from 'p-retry';
import { createRequire } from 'node:module';
import type { Pool } from 'undici';
import { ConversionError, type ErrorCode } from '../errors.js';
import { IN_MEMORY_BODY, bodyBuffer, bodyChunks, type Batch, type BodyKind } from './body.js';

/** How to reach the endpoint, and how hard to try. */
export interface EndpointOptions {
  uri: URL;
  /** The endpoint key or an Entra token, sent as `Authorization: Bearer <key>`. */
  key: string;
  /** The `azureml-model-deployment` header: which deployment answers. */
  deployment?: string | undefined;
  body: BodyKind;
  /** Per try: until the answer's headers, then between chunks of its body. */
  timeoutMs: number;
  /** Tries after the first. */
  retries: number;
  /** Requests in flight at most (the pool's connections). */
  concurrency: number;
  /** The first backoff and the largest; each is multiplied by a random factor in [1, 2). */
  backoff: { minMs: number; maxMs: number };
}

/** A successful exchange: the answer's text, how long its try took, and the retries before it. */
export interface Exchange {
  text: string;
  latencyMs: number;
  retries: number;
}

/**
 * undici's `Pool`, loaded alone: the package's index also loads fetch, WebSocket, caches and mocks, a
 * tenth of a second of CPU at every start of the command (undici has no `exports` map, so its files
 * can be loaded by path). Should a later undici move the file, the index is loaded instead.
 */
const PoolClass: typeof Pool = (() => {
  const require = createRequire(import.meta.url);
  try {
    const alone = require('undici/lib/dispatcher/pool.js') as unknown;
    if (typeof alone === 'function') return alone as typeof Pool;
  } catch {
    // fall back to the index below
  }
  return (require('undici') as typeof import('undici')).Pool;
})();

/** Statuses worth another try (SPEC §7). */
const RETRY_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** Connection errors that another try can cure (refused while a deployment starts, reset, timed out). */
const RETRY_ERRNO: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED']);
/** The longest `Retry-After` honoured (a larger one is cut to this). */
const MAX_RETRY_AFTER_MS = 120_000;

/** A try that failed: retryable or not, and what to say if it was the last. */
class TryFailure extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** `Retry-After` as milliseconds (seconds, or an HTTP date), when present and sensible. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const seconds = Number(v);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(v) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends batches to one endpoint. */
export class Endpoint {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly options: EndpointOptions) {
    // The timeout of a try: until the answer's headers come, and then between chunks of its body.
    // (undici's own timers: a per-request AbortController and timer cost more than the rest of a small request.)
    this.pool = new PoolClass(options.uri.origin, { connections: options.concurrency, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
    this.path = options.uri.pathname + options.uri.search;
    this.headers = {
      'content-type': options.body === 'input-data' ? 'application/json' : 'application/octet-stream',
      accept: 'application/json',
      authorization: `Bearer ${options.key}`,
      ...(options.deployment ? { 'azureml-model-deployment': options.deployment } : {}),
    };
  }

  /** The headers of every request but its length. */
  private readonly headers: Readonly<Record<string, string>>;

  private closed = false;

  /** Closes the connections: requests in flight fail at once (on Ctrl-C, or when the endpoint refused the key). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }

  /**
   * Posts one batch, retrying as the module comment says.
   * @throws ConversionError with the code of the last failure (ENDPOINT_AUTH, ENDPOINT_UNAVAILABLE...),
   *   one of the batch's image errors when a file changed, or the signal's reason when it aborts
   */
  async post(batch: Batch, hooks: { signal?: AbortSignal | undefined; onRetry?: (reason: string) => void } = {}): Promise<Exchange> {
    const signal = hooks.signal;
    signal?.throwIfAborted();
    // The first try is made here, and only a failed one goes to p-retry, as its first attempt (replayed,
    // not sent again): the same tries, backoff and messages, without p-retry's set-up for each request
    // that succeeds at once (nearly all of them).
    let first: unknown;
    let answer: { text: string; latencyMs: number } | undefined;
    try {
      answer = await this.once(batch, signal);
    } catch (e) {
      first = e;
    }
    if (answer) {
      signal?.throwIfAborted(); // as p-retry does after a try: once stopped, an answer that came in meanwhile is not used
      return { text: answer.text, latencyMs: answer.latencyMs, retries: 0 };
    }
    let retries = 0;
    let lastWasTimeout = false;
    try {
      const result = await pRetry(
        async (attempt) => {
          if (attempt === 1) throw first;
          if (signal?.aborted) throw new AbortError(signal.reason as Error);
          return await this.once(batch, signal);
        },
        {
          retries: this.options.retries,
          factor: 2,
          minTimeout: this.options.backoff.minMs,
          maxTimeout: this.options.backoff.maxMs,
          randomize: true,
          ...(signal ? { signal } : {}),
          shouldRetry: async ({ error }) => {
            if (!(error instanceof TryFailure) || !error.retryable) return false;
            if (error.retryAfterMs !== undefined) await sleep(error.retryAfterMs, signal);
            retries++;
            hooks.onRetry?.(error.message);
            return true;
          },
          onFailedAttempt: ({ error }) => {
            lastWasTimeout = error instanceof TryFailure && error.code === 'ENDPOINT_TIMEOUT';
          },
        },
      );
      return { text: result.text, latencyMs: result.latencyMs, retries };
    } catch (e) {
      if (e instanceof TryFailure) {
        if (!e.retryable) throw new ConversionError(e.code, e.message);
        const tries = `${retries + 1} ${retries === 0 ? 'try' : 'tries'}`;
        const code: ErrorCode = lastWasTimeout ? 'ENDPOINT_TIMEOUT' : 'ENDPOINT_UNAVAILABLE';
        throw new ConversionError(code, `gave up after ${tries} (--retries ${this.options.retries}): ${e.message}`);
      }
      throw e;
    }
  }

  /** One try: the body, the POST, the whole answer. */
  private async once(batch: Batch, runSignal: AbortSignal | undefined): Promise<{ text: string; latencyMs: number }> {
    const { key, body: kind, timeoutMs } = this.options;
    let bodyError: unknown;
    let body: Buffer | Readable;
    if (batch.bytes <= IN_MEMORY_BODY) body = bodyBuffer(kind, batch.images, batch.bytes);
    else {
      body = Readable.from(bodyChunks(kind, batch.images));
      body.on('error', (e) => (bodyError = e));
    }
    const headers: Record<string, string> = { ...this.headers, 'content-length': String(batch.bytes) };
    const started = performance.now();
    try {
      const res = await this.exchange(body, headers);
      const latencyMs = performance.now() - started;
      if (res.statusCode >= 200 && res.statusCode < 300) return { text: res.text, latencyMs };
      throw this.statusFailure(res.statusCode, res.text, batch, retryAfterMs(res.retryAfter));
    } catch (e) {
      if (e instanceof TryFailure) throw e;
      if (bodyError instanceof ConversionError) throw new AbortError(bodyError);
      if (runSignal?.aborted) throw new AbortError(runSignal.reason as Error);
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      const code = err.code ?? '';
      const causeCode = err.cause?.code ?? '';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') throw new TryFailure(`no answer within --timeout ${timeoutMs / 1000} s`, 'ENDPOINT_TIMEOUT', true);
      if (code === 'ENOTFOUND' || causeCode === 'ENOTFOUND') {
        throw new TryFailure(`cannot find the host ${this.options.uri.host}: check the scoring URI`, 'ENDPOINT_NOT_FOUND', false);
      }
      const retryable = code.startsWith('UND_ERR_') || RETRY_ERRNO.has(code) || RETRY_ERRNO.has(causeCode);
      if (!retryable) throw e;
      throw new TryFailure(`connection failed: ${mask(err.message, key)} (${[code, causeCode].filter(Boolean).join(', ')})`, 'ENDPOINT_UNAVAILABLE', true);
    } finally {
      if (body instanceof Readable && !body.destroyed) body.destroy();
    }
  }

  /**
   * One POST and its whole answer, through undici's `dispatch` with a handler that gathers the answer's
   * bytes: what `pool.request()` + `body.text()` do, without a stream and its promises for each answer.
   * Rejects with undici's errors (timeouts, connection errors) as `request()` would.
   */
  private exchange(body: Buffer | Readable, headers: Record<string, string>): Promise<{ statusCode: number; text: string; retryAfter: string | undefined }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let statusCode = 0;
      let retryAfter: string | undefined;
      this.pool.dispatch(
        { path: this.path, method: 'POST', headers, body },
        {
          onConnect: () => {},
          onHeaders: (status, rawHeaders) => {
            if (status < 200) return true; // 100 Continue and other interim answers: the real one follows
            statusCode = status;
            if (status >= 300) retryAfter = headerValue(rawHeaders, 'retry-after');
            return true;
          },
          onData: (chunk) => {
            chunks.push(chunk);
            return true;
          },
          onComplete: () => resolve({ statusCode, text: utf8Text(chunks), retryAfter }),
          onError: reject,
        },
      );
    });
  }

  /** A non-2xx answer: what it means and what to check. */
  private statusFailure(status: number, text: string, batch: Batch, retryAfter: number | undefined): TryFailure {
    const said = snippet(text, this.options.key);
    const answer = `${status}${said ? ` (${said})` : ''}`;
    if (RETRY_STATUS.has(status)) return new TryFailure(`the endpoint answered ${answer}`, 'ENDPOINT_UNAVAILABLE', true, retryAfter);
    const images = `${batch.images.length} image${batch.images.length === 1 ? '' : 's'}, ${batch.bytes} bytes`;
    switch (status) {
      case 401:
        return new TryFailure(
          `the endpoint answered ${answer}: check the key (AZUREML_ENDPOINT_KEY, --key-env or --key-file) is the endpoint's primary or secondary key: az ml online-endpoint get-credentials -n <endpoint>`,
          'ENDPOINT_AUTH',
          false,
        );
      case 403:
        return new TryFailure(`the endpoint answered ${answer}: the key or token is not allowed to call this endpoint: check the key, or the token's role on the workspace`, 'ENDPOINT_AUTH', false);
      case 404:
        return new TryFailure(
          `the endpoint answered ${answer}: check the scoring URI (az ml online-endpoint show -n <endpoint> --query scoring_uri)${this.options.deployment ? ` and --deployment ${this.options.deployment}` : ''}`,
          'ENDPOINT_NOT_FOUND',
          false,
        );
      case 413:
        return new TryFailure(`the endpoint answered ${answer}: the request (${images}) is too large: lower --batch-size or --max-bytes`, 'REQUEST_TOO_LARGE', false);
      case 400:
        return new TryFailure(
          `the endpoint answered ${answer}: it refused the body (${images}): check --body (input-data for MLflow deployments, octet-stream for older ones) and that the model reads these images`,
          'ENDPOINT_REFUSED',
          false,
        );
      default:
        return new TryFailure(`the endpoint answered ${answer} (${images}), which retrying cannot change`, 'ENDPOINT_REFUSED', false);
    }
  }
}

/** The first value of a header in undici's raw headers (`[name, value, name, value...]`), or undefined. */
export function headerValue(raw: (Buffer | string)[] | string[] | null | undefined, name: string): string | undefined {
  if (!raw) return undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toString().toLowerCase() === name) return raw[i + 1]!.toString();
  }
  return undefined;
}

/** The answer's bytes as text: UTF-8, a byte-order mark skipped (as undici's `body.text()` does). */
export function utf8Text(chunks: Buffer[]): string {
  const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const bom = all.length >= 3 && all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf;
  return all.toString('utf8', bom ? 3 : 0);
}

/** `text` with the key masked. */
function mask(text: string, key: string): string {
  return key ? text.split(key).join('***') : text;
}

/** The start of an answer's text for a message: one line, the key masked. */
export function snippet(text: string, key = ''): string {
  const one = mask(text, key).replace(/\s+/g, ' ').trim();
  return one.length > 120 ? JSON.stringify(one.slice(0, 117) + '...') : one === '' ? '' : JSON.stringify(one);
}
