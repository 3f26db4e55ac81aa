// Shared plumbing for the loopback platform emulators: HTTP helpers, fault injection, waitFor, ids.
import type { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/** One recorded OpenAPI call, kept so tests can assert on what the product sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** HTTP status the emulator answered with. */
  status: number;
  at: number;
}

/** A canned answer used instead of the normal handler (429 / 5xx / anything). */
export interface InjectedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface FaultRule extends InjectedResponse {
  remaining: number;
}

/**
 * Per-route fault queue and latency table. Routes are the emulator's own short names
 * (e.g. 'message.create'); '*' matches every route.
 */
export class FaultPlan {
  private readonly rules = new Map<string, FaultRule[]>();
  private readonly latency = new Map<string, number>();

  add(route: string, response: InjectedResponse, times: number): void {
    const list = this.rules.get(route) ?? [];
    list.push({ ...response, remaining: times });
    this.rules.set(route, list);
  }

  /** Consumes one injected answer for the route, if any is queued. */
  take(route: string): InjectedResponse | undefined {
    for (const key of [route, '*']) {
      const list = this.rules.get(key);
      const rule = list?.[0];
      if (list && rule) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) list.shift();
        return { status: rule.status, body: rule.body, headers: rule.headers };
      }
    }
    return undefined;
  }

  setLatency(ms: number, route = '*'): void {
    if (ms <= 0) this.latency.delete(route);
    else this.latency.set(route, ms);
  }

  latencyFor(route: string): number {
    return this.latency.get(route) ?? this.latency.get('*') ?? 0;
  }

  clear(): void {
    this.rules.clear();
    this.latency.clear();
  }
}

/** Fixed-window counter: `limit` hits per `windowMs` per key. Used for platform rate limits. */
export class WindowLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records a hit; returns false when the key is over its limit (the hit is not counted). */
  allow(key: string, now = Date.now()): boolean {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    return true;
  }

  /** Seconds until the oldest hit of the key leaves the window (for reset headers). */
  resetSeconds(key: string, now = Date.now()): number {
    const oldest = this.hits.get(key)?.[0];
    if (oldest === undefined) return 0;
    return Math.max(1, Math.ceil((this.windowMs - (now - oldest)) / 1000));
  }
}

export async function readBody(req: IncomingMessage): Promise<{ raw: string; json: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.length === 0) return { raw, json: undefined };
  try {
    return { raw, json: JSON.parse(raw) as unknown };
  } catch {
    // Kept as text so a malformed request is still recorded and answered, not dropped.
    return { raw, json: raw };
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function parseUrl(req: IncomingMessage): { path: string; query: Record<string, string> } {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return { path: url.pathname, query: Object.fromEntries(url.searchParams.entries()) };
}

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const uuid = (): string => randomUUID();

/**
 * Condition wait: re-checks `predicate` every time the emulator reports a change, plus
 * every 20 ms so predicates over client-side state (e.g. an SDK flag) work too. Tests
 * wait for a state, never for a fixed time.
 */
export function waitForChange<T>(
  emitter: EventEmitter,
  predicate: () => T | undefined | false | null,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = (): boolean => {
      let value: T | undefined | false | null;
      try {
        value = predicate();
      } catch (err) {
        cleanup();
        reject(err instanceof Error ? err : new Error(String(err)));
        return true;
      }
      if (value !== undefined && value !== false && value !== null) {
        cleanup();
        resolve(value);
        return true;
      }
      return false;
    };
    const onChange = (): void => {
      check();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`waitFor timed out after ${timeoutMs} ms: ${what}`));
    }, timeoutMs);
    const poll = setInterval(onChange, 20);
    const cleanup = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      emitter.off('change', onChange);
    };
    emitter.on('change', onChange);
    check();
  });
}

/**
 * Owns every timer an emulator starts (ack timeouts, injected latency, intervals) so
 * stop() can cancel them all: nothing outlives the emulator.
 */
export class TimerBag {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly intervals = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();

  timeout(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  interval(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    // An emulator's periodic work must never keep a test process alive on its own.
    t.unref();
    this.intervals.add(t);
    return t;
  }

  /** A delay that stop() cuts short (resolves early) instead of leaving a live timer. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.sleepers.delete(done);
        resolve();
      };
      this.sleepers.add(done);
      this.timeout(done, ms);
    });
  }

  clearAll(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.intervals) clearInterval(t);
    this.timers.clear();
    this.intervals.clear();
    for (const wake of [...this.sleepers]) wake();
  }
}

/** Normalises ws RawData (Buffer | ArrayBuffer | Buffer[]) into one Buffer. */
export function rawToBuffer(raw: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(raw)) return Buffer.concat(raw);
  if (raw instanceof ArrayBuffer) return Buffer.from(raw);
  return raw;
}

/**
 * Starts an emulator's HTTP server on a free loopback port. A handler that throws answers 500 with `errorBody(err)`
 * (each platform's own error shape); upgrades go to `onUpgrade`.
 */
export async function listenOnLoopback(
  onRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  errorBody: (err: unknown) => unknown,
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(err));
    });
  });
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Drops every websocket and HTTP connection of an emulator and closes its server. */
export async function closeLoopback(wss: WebSocketServer, server: Server | undefined): Promise<void> {
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => {
    wss.close(() => resolve());
  });
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
  });
}

/** Answers an HTTP upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  headers: Record<string, string> = {},
): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('Connection: close', 'Content-Length: 0', '', '');
  socket.end(lines.join('\r\n'));
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};
