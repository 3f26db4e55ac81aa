// Authentication by matched route, deny by default: every route in the server's own route table, however its path is
// spelled, is refused without a token unless declared public; failed-login floods are refused cheaply and audited once.
import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticateRoutes, addressKey } from '../../src/api/authentication.js';
import { repeatedRefusalTiming } from '../../src/engines/audit/repeated-refusals.js';
import { ClawError } from '../../src/errors/claw-error.js';
import type { IdentityResolver } from '../../src/pipeline/identity.js';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { eventually } from '../e2e/chat-harness.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

/** What the server serves without a token; everything else must answer 401. */
const PUBLIC = new Set(['GET /', 'GET /web/console.js', 'GET /web/console.css', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /webhooks/feishu'].flatMap((r) => (r.startsWith('GET ') ? [r, `HEAD ${r.slice(4)}`] : [r])));

interface Route {
  method: string;
  url: string;
}

/**
 * Every (method, url) fastify routes, read back from its router (`printRoutes`), so a route added later is covered
 * without touching this test. Each line is `<indent>├── <segment> (METHODS)`; a segment extends its parent's path.
 */
function routeTable(t: TestControlPlane): Route[] {
  const routes: Route[] = [];
  const paths: string[] = [];
  for (const line of t.plane.server.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.replace(/\s+$/, ''));
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const path = (depth === 0 ? '' : paths[depth - 1]!) + m[2]!;
    paths[depth] = path;
    paths.length = depth + 1;
    for (const method of m[3]?.split(', ') ?? []) routes.push({ method, url: path });
  }
  return routes;
}

/** A concrete path for a route: each `:param` becomes a value every param schema accepts. */
const concrete = (url: string) => url.replace(/:\w+/g, '1');

/** The same route spelled the ways a raw-URL check would miss: percent-encoded, doubled slashes, case, suffixes. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const encodeFirst = (s: string) => `%${s.charCodeAt(0).toString(16)}${s.slice(1)}`;
  const last = segments.length - 1;
  return [
    path,
    `/${encodeFirst(segments[0]!)}/${segments.slice(1).join('/')}`, // /%61pi/v1/commands
    `/${[...segments.slice(0, last), encodeFirst(segments[last]!)].join('/')}`, // /api/v1/%63ommands
    `/${segments.map((s) => s.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/')}`, // every letter encoded
    `/${path}`, // //api/v1/commands
    path.replace('/v1/', '//v1/'), // /api//v1/commands
    path.toUpperCase(), // /API/V1/COMMANDS
    `/${segments.map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('/')}`, // /Api/V1/Commands
    path.replace('/api/', '/API/'),
    `${path}/`,
    `${path};jsessionid=1`,
    `${path}%2f`,
    `${path}?x=1`,
  ];
}

/** One request without a token from a chosen local address (loopback has them all), answering status and body. */
function send(base: string, method: string, path: string, options: { from?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, method, path, localAddress: options.from ?? '127.0.0.1', agent: false,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bodyFor = (method: string) => (method === 'POST' || method === 'PUT' ? { text: 'claw tenant list' } : undefined);

describe('every route of the server', () => {
  let t: TestControlPlane;
  beforeAll(async () => {
    t = await startTestControlPlane();
  });
  afterAll(async () => t?.close());

  it('reads a route table that holds the API, the probes and the page', () => {
    const table = routeTable(t).map((r) => `${r.method} ${r.url}`);
    for (const route of ['POST /api/v1/commands', 'GET /api/v1/openapi.json', 'DELETE /api/v1/tenants/:tenant/members/:member/roles/:role', 'GET /healthz', 'GET /']) {
      expect(table).toContain(route);
    }
    expect(table.filter((r) => r.includes(' /api/')).length).toBeGreaterThan(40);
  });

  it('answers 401 without a token on every route not declared public, and serves the public ones', async () => {
    const answers = new Map<string, number>();
    for (const route of routeTable(t)) {
      answers.set(`${route.method} ${route.url}`, (await send(t.url, route.method, concrete(route.url), { body: bodyFor(route.method) })).status);
    }
    const open = [...answers].filter(([, status]) => status !== 401).map(([route]) => route);
    expect(open.filter((route) => !PUBLIC.has(route))).toEqual([]);
    expect(answers.get('GET /healthz')).toBe(200);
    expect(answers.get('GET /')).toBe(200);
  });

  it('never reaches an /api handler without a token, however the path is spelled', async () => {
    const reached: string[] = [];
    for (const route of routeTable(t).filter((r) => r.url.startsWith('/api/'))) {
      for (const path of spellings(concrete(route.url))) {
        const r = await send(t.url, route.method, path, { body: bodyFor(route.method) });
        // 401: the route matched and was refused; 404: the router matched nothing. Anything else ran the handler.
        if (r.status !== 401 && r.status !== 404) reached.push(`${route.method} ${path} -> ${r.status}`);
        if (route.method !== 'HEAD') {
          const code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;
          if (code !== (r.status === 401 ? 'unauthorized' : 'not_found')) reached.push(`${route.method} ${path} -> ${r.status} ${code}`);
        }
      }
    }
    expect(reached).toEqual([]);
    // The spellings the router does decode are the route itself, so they are refused as such, not missed.
    for (const [method, path] of [['POST', '/%61pi/v1/commands'], ['POST', '/api/v1/%63ommands'], ['GET', '/%61pi/v1/openapi.json']] as const) {
      expect((await send(t.url, method, path, { body: bodyFor(method) })).status, path).toBe(401);
    }
  });

  it('still serves an encoded path to a caller with a token, as the same route', async () => {
    const r = await send(t.url, 'POST', '/%61pi/v1/commands', { token: t.adminToken, body: { text: 'claw whoami' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, result: { member: 'admin' } });
  });
});

describe('deny by default', () => {
  const identity = { fromToken: async () => null } as unknown as IdentityResolver;
  const app = () => {
    const server = Fastify();
    server.decorateRequest('principal', null);
    authenticateRoutes(server, {
      identity, rateLimit: { perMinute: 600, burst: 60 }, failureLimit: { perMinute: 600, burst: 60 },
      reject: async () => new ClawError('CLAW_AUTH_UNAUTHENTICATED'),
      send: (_request, reply, error) => reply.status(error.status).send({ code: error.apiCode }),
    });
    return server;
  };

  it('authenticates a route added later, in any plugin, that says nothing; serves one declared public', async () => {
    const server = app();
    const handled: string[] = [];
    await server.register(async (child) => {
      child.get('/brand/new', async () => handled.push('new'));
      child.get('/open', { config: { public: true }, schema: { security: [] } }, async () => handled.push('open'));
    }, { prefix: '/later' });
    await server.ready();
    expect((await server.inject({ method: 'GET', url: '/later/brand/new' })).statusCode).toBe(401);
    expect((await server.inject({ method: 'GET', url: '/later/%62rand/new' })).statusCode).toBe(401);
    expect((await server.inject({ method: 'GET', url: '/later/open' })).statusCode).toBe(200);
    expect(handled).toEqual(['open']);
    await server.close();
  });

  it('stops the start when the OpenAPI security and the route disagree about being public', async () => {
    const saysOpen = app();
    expect(() => saysOpen.get('/x', { schema: { security: [] } }, async () => 'x')).toThrow(/says `security: \[\]` but is authenticated/);
    const isOpen = app();
    expect(() => isOpen.get('/y', { config: { public: true } }, async () => 'y')).toThrow(/is public: say `security: \[\]`/);
  });

  it('keys IPv6 clients by their /64', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('failed-login floods', () => {
  let t: TestControlPlane;
  const window = repeatedRefusalTiming.windowMs;
  beforeAll(async () => {
    // A short window, so the count row of repeated refusals can be awaited here.
    repeatedRefusalTiming.windowMs = 2000;
    t = await startTestControlPlane({ settings: { authFailureLimit: { perMinute: 1, burst: 3 } } });
  });
  afterAll(async () => {
    repeatedRefusalTiming.windowMs = window;
    await t?.close();
  });

  const unauthenticated = () => t.plane.store.dataSource.getRepository(AuditEventEntity).find({ where: { decision: 'unauthenticated' }, order: { seq: 'ASC' } });

  it('refuses an address past its failures with 429 and Retry-After, before looking the token up; other addresses go on', async () => {
    const lookups = vi.spyOn(t.plane.identity, 'fromToken');
    const attempt = (from: string) => send(t.url, 'POST', '/api/v1/commands', { from, token: 'claw_guess-0000000000', body: { text: 'claw tenant list' } });
    // At once, so all three fall in one window of the audit's coalescing (the next test reads the rows).
    expect((await Promise.all([attempt('127.0.0.1'), attempt('127.0.0.1'), attempt('127.0.0.1')])).map((r) => r.status)).toEqual([401, 401, 401]);
    expect(lookups).toHaveBeenCalledTimes(3);
    const refused = await attempt('127.0.0.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('failed authentications') });
    // Refused on the address alone: no token lookup, even for a good token, and no audit row.
    expect((await send(t.url, 'GET', '/api/v1/whoami', { token: t.adminToken })).status).toBe(429);
    expect(lookups).toHaveBeenCalledTimes(3);
    // Another client address has its own allowance.
    expect((await send(t.url, 'GET', '/api/v1/whoami', { from: '127.0.0.2', token: t.adminToken })).status).toBe(200);
    expect((await attempt('127.0.0.2')).status).toBe(401);
    lookups.mockRestore();
  });

  it('audits identical refusals as one row, then one row with their count, and the chain still verifies', async () => {
    const mine = (rows: Awaited<ReturnType<typeof unauthenticated>>) => rows.filter((r) => r.identity === 'token:claw_gue… @127.0.0.1');
    // The three 401s above: the first has its row at once; the two after it are counted when the window closes.
    const first = mine(await unauthenticated());
    expect(first[0]).toMatchObject({ text: 'claw tenant list', attempts: 1 });
    const rows = await eventually(async () => {
      const now = mine(await unauthenticated());
      return now.length >= 2 ? now : undefined;
    }, 10_000, 'the count of repeated refusals');
    expect(rows.map((r) => [r.text, r.attempts])).toEqual([['claw tenant list', 1], ['claw tenant list', 2]]);
    // Another credential is another row.
    expect((await unauthenticated()).filter((r) => r.identity === 'token:claw_gue… @127.0.0.2')).toHaveLength(1);

    const admin = await t.principal(t.adminToken);
    const audit = await t.run(admin, 'claw audit --decision unauthenticated');
    expect(audit.ok && (audit.result as { events: Array<{ attempts: number }> }).events.map((e) => e.attempts)).toContain(2);
    expect(audit.ok && audit.view.kind === 'table' && JSON.stringify(audit.view.rows)).toContain('claw tenant list ×2');
    expect(await t.plane.engines.audit.verify()).toMatchObject({ ok: true });
  });
});
