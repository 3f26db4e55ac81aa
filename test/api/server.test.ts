// The HTTP API over real connections: health, metrics, OpenAPI, authentication, rate limits, errors, REST resources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { startTestControlPlane, seedMember, type CommandAnswer, type TestControlPlane } from '../support/test-control-plane.js';

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(async () => t?.close());

async function call(method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? t.adminToken : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${t.url}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON answers (metrics) stay text.
  }
  return { status: response.status, headers: response.headers, body: body as CommandAnswer & Record<string, unknown> };
}

describe('health, readiness and metrics', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect(await call('GET', '/healthz', { token: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/readyz', { token: null })).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: true } } });
  });

  it('counts requests and commands by name and outcome in Prometheus text', async () => {
    await t.command(t.adminToken, 'claw whoami');
    await t.command(t.adminToken, 'claw tenat list');
    const metrics = await call('GET', '/metrics', { token: null });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = String(metrics.body);
    expect(text).toMatch(/claw_commands_total\{command="whoami",channel="api",decision="allowed",outcome="success"\} \d+/);
    expect(text).toMatch(/claw_commands_total\{command="unknown",channel="api",decision="invalid",outcome="failure"\} \d+/);
    expect(text).toMatch(/claw_http_requests_total\{method="POST",route="\/api\/v1\/commands",status="200"\} \d+/);
    expect(text).toContain('claw_command_duration_seconds_bucket');
  });

  it('reports not ready when the database is gone', async () => {
    const other = await startTestControlPlane();
    try {
      await other.plane.store.dataSource.destroy();
      const response = await fetch(`${other.url}/readyz`);
      expect(response.status).toBe(503);
      // No chat channel is configured in tests by default: the channels map is empty, not missing.
      expect(await response.json()).toMatchObject({ status: 'not ready', checks: { database: false }, channels: {} });
    } finally {
      await other.plane.server.close();
      await other.db.drop();
    }
  });
});

describe('OpenAPI', () => {
  it('documents every route with its responses, behind authentication', async () => {
    expect((await call('GET', '/api/v1/openapi.json', { token: null })).status).toBe(401);
    const { status, body } = await call('GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    const doc = body as unknown as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.0.3');
    for (const path of ['/api/v1/commands', '/api/v1/tenants', '/api/v1/tenants/{tenant}', '/api/v1/tenants/{tenant}/projects', '/api/v1/tenants/{tenant}/members', '/api/v1/tokens', '/api/v1/audit', '/healthz', '/readyz', '/metrics']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) expect(Object.keys(op.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
    }
    expect(doc.paths['/api/v1/commands']!.post!.responses).toHaveProperty('4XX');
    expect(JSON.stringify(doc.paths['/api/v1/commands']!.post!.responses['4XX'])).toContain('#/components/schemas/ErrorEnvelope');
  });

  it('documents a query parameter that is an int flag with the range its command spec declares', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json')).body as unknown as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }> }>>;
    };
    const param = (path: string, name: string) => doc.paths[path]!.get!.parameters!.find((p) => p.in === 'query' && p.name === name)!.schema;
    expect(param('/api/v1/audit', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(param('/api/v1/instances/{id}/logs', 'tail')).toMatchObject({ type: 'integer', minimum: 1, maximum: 5000 });
    expect(param('/api/v1/audit', 'decision')).toMatchObject({ type: 'string', enum: ['allowed', 'denied', 'invalid', 'unauthenticated'] });
  });
});

describe('authentication and rate limits', () => {
  it.each([
    ['no header', null, undefined],
    ['an unknown token', 'claw_this-token-does-not-exist', undefined],
    ['a malformed header', null, { authorization: 'Basic abc' }],
  ])('answers 401 for %s, and audits the attempt', async (_name, token, headers) => {
    const audit = t.plane.store.dataSource.getRepository(AuditEventEntity);
    const attempts = () => audit.find({ where: { decision: 'unauthenticated' }, order: { seq: 'ASC' } });
    const before = (await attempts()).length;
    const r = await call('POST', '/api/v1/commands', { token, headers, body: { text: 'claw tenant list' } });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'unauthorized', message: 'Missing or invalid credentials.' });
    // The attempt is in the trail, once, with no member: what was typed, refused as unauthenticated.
    const after = await attempts();
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ text: 'claw tenant list', memberName: null, decision: 'unauthenticated' });
  });

  it('shows the unauthenticated attempts in the audit trail', async () => {
    const { body } = await t.command(t.adminToken, 'claw audit --decision unauthenticated');
    const events = (body.result as { events: Array<{ text: string; member: string | null }> }).events;
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]).toMatchObject({ text: 'claw tenant list', member: null });
  });

  it('answers 429 with Retry-After per token, leaving other tokens alone', async () => {
    const limited = await startTestControlPlane({ settings: { rateLimit: { perMinute: 60, burst: 3 } } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${limited.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${limited.adminToken}` } });
        statuses.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get('retry-after');
          expect(((await r.json()) as CommandAnswer).error?.code).toBe('rate_limited');
        }
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      const bob = await seedMemberOn(limited);
      expect((await fetch(`${limited.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

/** Seeds directly through the dispatcher so the rate-limited HTTP path is not used up. */
async function seedMemberOn(cp: TestControlPlane): Promise<string> {
  const admin = await cp.principal(cp.adminToken);
  for (const text of ['claw tenant create acme', 'claw member add bob --tenant acme']) await cp.run(admin, text);
  const r = await cp.run(admin, 'claw token create --member bob --tenant acme');
  return String((r.ok && (r.result as { token: string }).token) || '');
}

describe('the first session from the issue, through POST /api/v1/commands', () => {
  let bob: string;

  it('creates a tenant, a project, a member and a token as the admin', async () => {
    expect((await t.command(t.adminToken, 'claw tenant create acme')).body).toMatchObject({ ok: true, result: { tenant: { name: 'acme' } } });
    expect((await t.command(t.adminToken, 'claw project create sales --tenant acme')).body.ok).toBe(true);
    expect((await t.command(t.adminToken, 'claw member add bob --tenant acme --role viewer')).body.ok).toBe(true);
    const token = await t.command(t.adminToken, 'claw token create --member bob --tenant acme');
    expect(token.status).toBe(200);
    bob = String(token.body.result?.token);
    expect(bob).toMatch(/^claw_/);
    expect(token.body.text).toContain(bob);
    expect(token.body.text).toContain('will not be shown again');
  });

  it('shows bob and his roles to bob', async () => {
    const r = await t.command(bob, 'claw whoami');
    expect(r.body).toMatchObject({ ok: true, result: { member: 'bob', tenant: 'acme', roles: [{ role: 'viewer', scope: 'tenant/acme' }] } });
    expect(r.body.text).toContain('viewer@acme');
  });

  it('forbids bob to delete the tenant', async () => {
    const r = await t.command(bob, 'claw tenant delete acme');
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('forbidden');
  });

  it('does not list tenant delete in bob\'s help', async () => {
    const r = await t.command(bob, 'claw help');
    expect(r.body.text).toContain('claw tenant list');
    expect(r.body.text).not.toContain('tenant delete');
    expect(r.body.text).not.toContain('tenant create');
  });

  it('suggests tenant for `claw tenat list` and list for `claw tenant lsit`', async () => {
    const typo = await t.command(bob, 'claw tenat list');
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatchObject({ code: 'unknown_command', suggestions: ['claw tenant list'], hint: 'Did you mean `claw tenant list`?' });
    expect(typo.body.error?.pointer).toBe('claw tenat list\n     ^^^^^');
    const sub = await t.command(bob, 'claw tenant lsit');
    expect(sub.body.error).toMatchObject({ code: 'unknown_command', suggestions: ['claw tenant list'] });
  });

  it('audited the whole session, with the token never in the audit text', async () => {
    const r = await t.command(t.adminToken, 'claw audit --since 1h --member bob');
    const events = (r.body.result as { events: Array<{ command: string | null; decision: string }> }).events;
    expect(events.map((e) => [e.command, e.decision])).toEqual([
      [null, 'invalid'], [null, 'invalid'], ['help', 'allowed'], ['tenant delete', 'denied'], ['whoami', 'allowed'],
    ]);
    const all = await t.command(t.adminToken, 'claw audit --limit 1000');
    expect(JSON.stringify(all.body)).not.toContain(bob);
  });
});

describe('errors', () => {
  it.each([
    ['claw tenant create "acme', 400, 'parse_error'],
    ['claw tenant create acme --displayname x', 400, 'unknown_flag'],
    ['claw tenant create ACME!', 400, 'invalid_argument'],
    ['claw tenant create', 400, 'invalid_argument'],
    ['claw tenant show nope', 404, 'not_found'],
    ['claw tenant create acme', 409, 'conflict'],
    ['claw tenant delete acme', 409, 'conflict'],
  ])('%s -> %i %s', async (text, status, code) => {
    const r = await t.command(t.adminToken, text);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ ok: false, error: { code } });
    expect(r.body.error?.message.length).toBeGreaterThan(5);
    expect(r.body.text).toContain('Error:');
  });

  it('refuses over-long command text as parse_error', async () => {
    const r = await t.command(t.adminToken, `claw tenant list ${'x'.repeat(3000)}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'parse_error', message: 'The command is 3017 characters long; the limit is 2000.' });
  });

  it.each([
    ['a body without text', { other: 1 }, undefined, 400, 'bad_request'],
    ['malformed JSON', undefined, '{"text": ', 400, 'bad_request'],
    ['an oversized body', undefined, JSON.stringify({ text: 'x'.repeat(300_000) }), 413, 'payload_too_large'],
  ])('answers %s with a JSON error', async (_name, body, raw, status, code) => {
    const r = await call('POST', '/api/v1/commands', { body, raw });
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ ok: false, error: { code } });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const r = await call('GET', '/api/v1/nothing-here');
    expect(r).toMatchObject({ status: 404, body: { ok: false, error: { code: 'not_found', message: 'No route GET /api/v1/nothing-here.' } } });
  });

  it('speaks Chinese when asked by Accept-Language, and the body locale wins', async () => {
    const zh = await call('POST', '/api/v1/commands', { body: { text: 'claw tenant show nope' }, headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(zh.body.error?.message).toBe('找不到租户 `nope`。');
    const en = await call('POST', '/api/v1/commands', { body: { text: 'claw tenant show nope', locale: 'en' }, headers: { 'accept-language': 'zh-CN' } });
    expect(en.body.error?.message).toBe('Tenant `nope` not found.');
  });

  it('echoes a request id', async () => {
    const r = await call('GET', '/api/v1/whoami', { headers: { 'x-request-id': 'trace-123' } });
    expect(r.headers.get('x-request-id')).toBe('trace-123');
  });
});

describe('REST resources', () => {
  it('creates, reads and deletes tenants, projects and members', async () => {
    const created = await call('POST', '/api/v1/tenants', { body: { name: 'globex', displayName: 'Globex "Intl" --platform' } });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({ tenant: { name: 'globex', displayName: 'Globex "Intl" --platform' } });
    expect((await call('GET', '/api/v1/tenants/globex')).body.result).toMatchObject({ tenant: { name: 'globex' }, projects: [], members: 0 });
    expect((await call('POST', '/api/v1/tenants/globex/projects', { body: { name: 'ops' } })).status).toBe(201);
    expect((await call('GET', '/api/v1/tenants/globex/projects')).body.result).toMatchObject({ projects: [{ name: 'ops' }] });
    expect((await call('POST', '/api/v1/tenants/globex/members', { body: { name: 'gina', role: 'operator' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/globex/members/gina/roles', { body: { role: 'developer', project: 'ops' } })).status).toBe(201);
    const members = (await call('GET', '/api/v1/tenants/globex/members')).body.result as { members: Array<{ name: string; roles: string[] }> };
    expect(members.members).toEqual([expect.objectContaining({ name: 'gina', roles: ['operator@globex', 'developer@globex/ops'] })]);
    expect((await call('DELETE', '/api/v1/tenants/globex/members/gina/roles/developer?project=ops')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/tenants/globex')).status).toBe(409);
    expect((await call('DELETE', '/api/v1/tenants/globex/projects/ops')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/tenants/globex/members/gina')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/tenants/globex')).status).toBe(200);
    expect((await call('GET', '/api/v1/tenants/globex')).status).toBe(404);
  });

  it('never lets a value become a flag or a command word', async () => {
    const r = await call('POST', '/api/v1/tenants', { body: { name: 'x --platform' } });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('invalid_argument');
    expect(r.body.error?.message).toContain('"x --platform" must be lowercase');
  });

  it('issues, lists and revokes tokens, and reads the audit trail', async () => {
    const token = await call('POST', '/api/v1/tokens', { body: { name: 'ci', ttl: '1h' } });
    expect(token.status).toBe(201);
    const list = (await call('GET', '/api/v1/tokens')).body.result as { tokens: Array<{ name: string }> };
    expect(list.tokens.map((x) => x.name)).toContain('ci');
    expect((await call('DELETE', '/api/v1/tokens/ci')).status).toBe(200);
    expect((await call('GET', '/api/v1/whoami', { token: String(token.body.result?.token) })).status).toBe(401);
    const audit = await call('GET', '/api/v1/audit?limit=5&decision=allowed');
    expect((audit.body.result as { events: unknown[] }).events).toHaveLength(5);
    expect((await call('GET', '/api/v1/audit/verify')).body.result).toMatchObject({ ok: true });
    expect((await call('GET', '/api/v1/audit?limit=abc')).status).toBe(400);
    // Out of the declared range, a limit is brought into it, as it always was: 0 shows one event.
    expect(((await call('GET', '/api/v1/audit?limit=0')).body.result as { events: unknown[] }).events).toHaveLength(1);
  });

  it('applies RBAC to REST exactly as to commands', async () => {
    const viewer = await seedMember(t, { tenant: 'initech', member: 'ivy', role: 'viewer' });
    expect((await call('POST', '/api/v1/tenants/initech/projects', { token: viewer, body: { name: 'p' } })).status).toBe(403);
    expect((await call('GET', '/api/v1/tenants/initech/projects', { token: viewer })).status).toBe(200);
    expect((await call('GET', '/api/v1/tenants/acme', { token: viewer })).status).toBe(403);
  });
});
