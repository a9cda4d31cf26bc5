/**
 * A stand-in for a deployed Azure ML online endpoint (tests and the `score` benchmark): a `node:http`
 * server on 127.0.0.1 that checks the key and the deployment header, decodes the bodies of SPEC §7
 * (input-data JSON or octet-stream), and answers in the task's shapes. Each answer names its image:
 * the label of a classification's first class, or of a detection's box, is the first 16 hex digits
 * of the SHA-256 of the image's bytes ({@link imageDigest}), so a test can tell which image an
 * answer was made for. Faults are asked for per request (429/503/502 with `Retry-After`, a stall past
 * the client's timeout, a closed connection, an answer one item short, an HTML page).
 *
 * @example
 *   const standIn = await startStandIn({ key: 'k', task: 'object-detection', fault: ({ n }) => (n === 1 ? { kind: 'status', status: 503 } : undefined) });
 *   await score(standIn.url, ['imgs/'], { out: 'p.jsonl', key: 'k' });
 *   standIn.answered.get(imageDigest(bytes)); // how many times that image was answered
 *   await standIn.close();
 *
 * As a process (the benchmark): `node dist/bench/score/endpoint.js --latency 2 [--task multi-class]`
 * prints `{"url": ...}` on its first line and serves until killed.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export type StandInTask = 'multi-class' | 'object-detection' | 'instance-segmentation';

/** What one request is answered with instead of predictions. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; contentType?: string }
  | { kind: 'stall'; ms: number }
  | { kind: 'close' }
  | { kind: 'short' }
  | { kind: 'html' };

/** What the fault policy is told about a request. */
export interface RequestInfo {
  /** 1-based count of requests that passed the key and deployment checks. */
  n: number;
  /** The digests of its images, in order. */
  digests: string[];
}

export interface StandInOptions {
  key: string;
  /** When set, requests must carry `azureml-model-deployment: <deployment>` (else 404). */
  deployment?: string;
  task?: StandInTask;
  /** Wait before each answer, ms. */
  latencyMs?: number;
  fault?: (info: RequestInfo) => Fault | undefined;
}

/** A running stand-in. */
export interface StandIn {
  /** The scoring URI: `http://127.0.0.1:<port>/score`. */
  url: string;
  /** Requests received (all, faults and refusals included). */
  requests: number;
  /** Image digest → how many times it was answered with a prediction. */
  answered: Map<string, number>;
  /** Every request's body length, in order of arrival. */
  bodyBytes: number[];
  /** Authorization headers that were refused (to check that no request was sent after a 401). */
  refused: number;
  /** Highest number of requests in flight at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** The name a stand-in answer gives an image: 16 hex digits of the SHA-256 of its bytes. */
export function imageDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function answerFor(task: StandInTask, digest: string): Record<string, unknown> {
  const filename = `/tmp/tmp${digest.slice(0, 8)}`;
  if (task === 'multi-class') return { filename, probs: [0.875, 0.125], labels: [digest, 'other'], visualizations: null, attributions: null };
  const box: Record<string, unknown> = { box: { topX: 0.125, topY: 0.25, bottomX: 0.5, bottomY: 0.625 }, label: digest, score: 0.9375 };
  if (task === 'instance-segmentation') box['polygon'] = [[0.125, 0.25, 0.5, 0.25, 0.5, 0.625]];
  return { filename, boxes: [box] };
}

function decodeImages(req: IncomingMessage, body: Buffer): Buffer[] | string {
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/octet-stream')) return [body];
  if (!type.startsWith('application/json')) return `unsupported content type ${type}`;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  const input = (value as { input_data?: { columns?: unknown; data?: unknown } } | null)?.input_data;
  if (!input || JSON.stringify(input.columns) !== '["image"]' || !Array.isArray(input.data) || !input.data.every((d) => typeof d === 'string')) {
    return 'expected {"input_data": {"columns": ["image"], "data": [<base64>...]}}';
  }
  return (input.data as string[]).map((d) => Buffer.from(d, 'base64'));
}

/** Starts a stand-in on 127.0.0.1, port 0. */
export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const task = options.task ?? 'object-detection';
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let n = 0;
  const state: Omit<StandIn, 'url' | 'close'> = { requests: 0, answered: new Map(), bodyBytes: [], refused: 0, maxInFlight: 0 };
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      const body = Buffer.concat(chunks);
      state.bodyBytes.push(body.length);
      if (req.headers['authorization'] !== `Bearer ${options.key}`) {
        state.refused++;
        return send(res, 401, '{"message":"Unauthorized"}');
      }
      if (options.deployment !== undefined && req.headers['azureml-model-deployment'] !== options.deployment) {
        return send(
          res,
          404,
          '{"message":"No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route."}',
        );
      }
      const images = decodeImages(req, body);
      if (typeof images === 'string') return send(res, 400, JSON.stringify({ message: images }));
      const digests = images.map(imageDigest);
      const fault = options.fault?.({ n: ++n, digests });
      const answer = () => {
        if (fault?.kind === 'status') {
          const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
          if (fault.contentType) headers['content-type'] = fault.contentType;
          return send(res, fault.status, fault.body ?? JSON.stringify({ message: `stand-in fault ${fault.status}` }), headers);
        }
        if (fault?.kind === 'close') return req.socket.destroy();
        if (fault?.kind === 'html') return send(res, 200, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
        if (res.destroyed) return; // the client gave up (timeout) or went away: nothing answered
        const answers = digests.map((d) => answerFor(task, d));
        if (fault?.kind === 'short') answers.pop();
        else for (const d of digests) state.answered.set(d, (state.answered.get(d) ?? 0) + 1);
        const isOctet = String(req.headers['content-type']).startsWith('application/octet-stream');
        send(res, 200, JSON.stringify(isOctet && fault?.kind !== 'short' ? answers[0] : answers));
      };
      const wait = (fault?.kind === 'stall' ? fault.ms : 0) + (options.latencyMs ?? 0);
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const standIn = state as StandIn;
  standIn.url = `http://127.0.0.1:${port}/score`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return standIn;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const standIn = await startStandIn({
    key: arg('--key') ?? 'bench-key',
    latencyMs: Number(arg('--latency') ?? '2'),
    task: (arg('--task') as StandInTask | undefined) ?? 'object-detection',
  });
  process.stdout.write(JSON.stringify({ url: standIn.url }) + '\n');
  process.on('SIGTERM', () => void standIn.close().then(() => process.exit(0)));
}
