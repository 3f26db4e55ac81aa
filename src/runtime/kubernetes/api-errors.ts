// Classifies failures of Kubernetes API calls and turns them into RuntimeErrors whose messages are safe to show users.
import { RuntimeError } from '../runtime.js';

/** The parts of a `metav1.Status` body we read. */
interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

/** Network-level failures that mean "the apiserver is unreachable right now", not "the request is wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** HTTP status of an ApiException (`code`) or of a watch failure (`statusCode`); undefined for network errors. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The apiserver's Status body, whether the client parsed it or kept it as text. */
function statusBody(err: unknown): StatusBody | undefined {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as StatusBody) : { message: body };
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null ? (body as StatusBody) : undefined;
}

/**
 * The apiserver's own message (e.g. `pods "x" is forbidden: exceeded quota: ...`). Never the client's exception text:
 * that one embeds response headers and bodies verbatim.
 */
export function apiMessage(err: unknown): string {
  const status = statusBody(err);
  if (status?.message) return status.message;
  const code = httpStatus(err);
  if (code !== undefined) return `HTTP ${code}`;
  return networkMessage(err) ?? (err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err));
}

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;

/** Resolves to undefined on 404, so absence is a value rather than an exception. */
export async function readOrAbsent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** 409: AlreadyExists on create, Conflict (stale resourceVersion) on update; both are solved by a fresh read. */
export const isConflict = (err: unknown): boolean => httpStatus(err) === 409;

/** The quota admission plugin refuses writes until the quota controller has computed the quota's usage once. */
export const isQuotaStatusUnknown = (err: unknown): boolean => httpStatus(err) === 403 && /status unknown for quota/i.test(apiMessage(err));

export const isQuotaExceeded = (err: unknown): boolean => httpStatus(err) === 403 && /exceeded quota/i.test(apiMessage(err));

/** A system error code such as ECONNREFUSED, looked up through `cause` chains (node-fetch and undici both nest them). */
function systemCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; errno?: unknown; cause?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.errno === 'string') return e.errno;
    current = e.cause;
  }
  return undefined;
}

/** A short description of a transport failure, or undefined when the error is not one. */
function networkMessage(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = systemCode(err);
  if (code && UNAVAILABLE_CODES.has(code)) return `Kubernetes API unreachable (${code})`;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'Kubernetes API request timed out';
  if (/socket hang up/i.test(err.message)) return 'Kubernetes API connection dropped (socket hang up)';
  if (/ECONNREFUSED|ETIMEDOUT|ECONNRESET/.test(err.message)) return `Kubernetes API unreachable (${/ECONN\w+|ETIMEDOUT/.exec(err.message)![0]})`;
  if ((err as { type?: unknown }).type === 'system') return 'Kubernetes API unreachable';
  return undefined;
}

/**
 * Maps any failure of a call about `what` (e.g. `create pod claw-p-alice in claw-acme`) to a RuntimeError.
 * 404 is mapped too ('unavailable') for the callers that reach here with it: where 404 means "absent", they handle it first.
 */
export function toRuntimeError(err: unknown, what: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const code = httpStatus(err);
  if (code === undefined) {
    const network = networkMessage(err);
    if (network) return new RuntimeError('unavailable', `${what}: ${network}`, err);
    // Anything else thrown by the client (a parse error of an odd response, a programming error) is retried, loudly.
    const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new RuntimeError('unavailable', `${what}: ${text}`, err);
  }
  const message = apiMessage(err);
  if (code === 403 && isQuotaExceeded(err)) return new RuntimeError('quota', quotaMessage(what, message), err);
  if (code === 403 && isQuotaStatusUnknown(err)) {
    return new RuntimeError('unavailable', `${what}: the tenant's quota is still being computed, retry shortly (${message})`, err);
  }
  if (code === 401 || code === 403) return new RuntimeError('forbidden', `${what}: ${message}`, err);
  if (code === 409) return new RuntimeError('conflict', `${what}: ${message}`, err);
  if (code === 400 || code === 422) return new RuntimeError('invalid', `${what}: ${message}`, err);
  if (code === 404) return new RuntimeError('unavailable', `${what}: not found (${message})`, err);
  if (code === 429 || code >= 500) return new RuntimeError('unavailable', `${what}: Kubernetes API answered ${code} (${message})`, err);
  return new RuntimeError('invalid', `${what}: ${message}`, err);
}

/**
 * `pods "claw-p-a" is forbidden: exceeded quota: claw-quota, requested: limits.cpu=2,requests.cpu=2, used: ..., limited: ...`
 * becomes `<what> exceeds the tenant's quota: requested limits.cpu=2,...; already used ...; allowed ...`.
 */
export function quotaMessage(what: string, apiText: string): string {
  const m = /exceeded quota: ([^,]+), requested: (.*?), used: (.*?), limited: (.*)$/.exec(apiText);
  if (!m) return `${what}: exceeds the tenant's quota (${apiText})`;
  return `${what}: exceeds the tenant's quota ${m[1]}: requested ${m[2]}; already used ${m[3]}; allowed ${m[4]}`;
}
