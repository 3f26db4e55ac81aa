// Authentication by the matched route, deny by default: every route needs a bearer token unless it declares itself
// public, and a client address whose credentials keep failing is refused before any database work.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { isIPv6 } from 'node:net';
import { ClawError } from '../errors/claw-error.js';
import type { IdentityResolver } from '../pipeline/identity.js';
import type { Principal } from '../model/principal.js';
import { RateLimiter } from '../util/rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Served without a token: probes, the metrics scrape, webhooks that verify their own signatures, the page's static
     * files. Every other route is authenticated, so a route added later is too unless it says so here.
     */
    public?: boolean;
  }
}

export interface AuthenticationOptions {
  identity: IdentityResolver;
  /** Requests per token; refused with CLAW_RATE_LIMITED. */
  rateLimit: { perMinute: number; burst: number };
  /** Failed authentications per client address; past the burst, refused with CLAW_AUTH_TOO_MANY_FAILURES. */
  failureLimit: { perMinute: number; burst: number };
  /** Records a refused attempt (`who` names the credential and address) and returns the 401 error to answer. */
  reject(request: FastifyRequest, who: string): Promise<ClawError>;
  send(request: FastifyRequest, reply: FastifyReply, error: ClawError): FastifyReply;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Adds authentication to every route registered after it, in any encapsulated context, by the route fastify matched,
 * never by the URL text: `/%61pi/v1/commands` is `/api/v1/commands` to the router and so to this check. Call it before
 * any route is registered. A route whose schema says `security: []` must be public and the reverse, so the OpenAPI
 * document cannot call an authenticated route open (or hide that one is): a mismatch stops the start.
 */
export function authenticateRoutes(app: FastifyInstance, o: AuthenticationOptions): void {
  const perToken = new RateLimiter(o.rateLimit.perMinute, o.rateLimit.burst);
  const failures = new RateLimiter(o.failureLimit.perMinute, o.failureLimit.burst);

  // onRequest, before the body is even read: an address that used up its failures costs a map lookup, no query.
  const refuseFlood: Hook = async (request, reply) => {
    const waitMs = failures.waitMs(addressKey(request.ip));
    if (waitMs === 0) return undefined;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    reply.header('retry-after', String(seconds));
    return o.send(request, reply, new ClawError('CLAW_AUTH_TOO_MANY_FAILURES', { seconds }));
  };

  // preValidation: after the body is parsed (the audit shows the command text that was refused), before the schema is
  // checked, so an unauthenticated caller learns nothing about the body rules.
  const authenticate: Hook = async (request, reply) => {
    const header = request.headers.authorization;
    const token = bearer(header);
    const principal = token ? await o.identity.fromToken(token) : null;
    if (!principal) {
      failures.take(addressKey(request.ip));
      return o.send(request, reply, await o.reject(request, `${credentialOf(header, token)} @${request.ip}`));
    }
    const limit = perToken.take(limitKey(principal));
    if (!limit.allowed) {
      reply.header('retry-after', String(limit.retryAfterSeconds));
      return o.send(request, reply, new ClawError('CLAW_RATE_LIMITED', { seconds: limit.retryAfterSeconds }));
    }
    request.principal = principal;
    return undefined;
  };

  app.addHook('onRoute', (route) => {
    const open = route.config?.public === true;
    const schema = route.schema as { security?: unknown; hide?: boolean } | undefined;
    const saysOpen = Array.isArray(schema?.security) && schema.security.length === 0;
    if (!schema?.hide && open !== saysOpen) {
      throw new Error(open
        ? `${route.method} ${route.url} is public: say \`security: []\` in its schema so the OpenAPI document shows it`
        : `${route.method} ${route.url} says \`security: []\` but is authenticated: add \`config: { public: true }\` or drop it`);
    }
    if (open) return;
    prepend(route, 'onRequest', refuseFlood);
    prepend(route, 'preValidation', authenticate);
  });
}

/** Puts the hook first among the route's own hooks of that kind (once: fastify may pass a route's options again). */
function prepend(route: RouteOptions, kind: 'onRequest' | 'preValidation', hook: Hook): void {
  const existing = route[kind] as Hook | Hook[] | undefined;
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  if (list.includes(hook)) return;
  (route as unknown as Record<string, Hook[]>)[kind] = [hook, ...list];
}

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** What was presented, for the audit: enough to tell attempts apart, never the token itself. */
function credentialOf(header: string | undefined, token: string | null): string {
  if (token) return `token:${token.slice(0, 8)}…`;
  if (!header) return 'anonymous';
  const scheme = /^[A-Za-z][\w-]{0,19}/.exec(header.trim())?.[0]?.toLowerCase();
  return `authorization:${scheme ?? 'malformed'}`;
}

function limitKey(principal: Principal): string {
  return `token:${principal.identity.kind === 'token' ? principal.identity.tokenId : principal.memberId}`;
}

/**
 * The bucket of a client address: IPv4 as is, IPv6 by its /64, since one host commonly holds a whole /64 and could
 * otherwise take a fresh bucket for every request.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
