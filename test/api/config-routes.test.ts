// The config center over REST: variables, versions, diffs and templates through typed routes that run the same
// commands (same RBAC, audit and errors), templates' YAML in the JSON body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(async () => t?.close());

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${t.url}${path}`, {
    method, headers: { authorization: `Bearer ${t.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as { ok: boolean; result?: any; error?: { code: string; message: string } } };
}

describe('config routes', () => {
  it('sets, reads, diffs and unsets variables', async () => {
    await call('POST', '/api/v1/tenants', { name: 'acme' });
    const set = await call('PUT', '/api/v1/config/variables', { tenant: 'acme', values: { 'model.id': 'qwen3-72b', 'model.apiKey': 'sk-rest-00000000abcd' }, message: 'bigger model' });
    expect(set).toMatchObject({ status: 200, body: { ok: true } });
    const version = set.body.result.version as number;
    const list = await call('GET', '/api/v1/config/variables?tenant=acme');
    expect(list.body.result.variables).toEqual([
      expect.objectContaining({ name: 'model.apiKey', shown: '****abcd', secret: true }),
      expect.objectContaining({ name: 'model.id', shown: 'qwen3-72b', since: version }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain('sk-rest');
    expect((await call('GET', '/api/v1/config/variables/model.id?tenant=acme')).body.result.variable).toMatchObject({ shown: 'qwen3-72b' });
    const versions = await call('GET', '/api/v1/config/versions?tenant=acme&limit=5');
    expect(versions.body.result.versions[0]).toMatchObject({ id: version, message: 'bigger model' });
    const bad = await call('PUT', '/api/v1/config/variables', { tenant: 'acme', values: { 'model.maxTokens': 'lots' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_argument' } } });
    const unset = await call('DELETE', '/api/v1/config/variables/model.id?tenant=acme&message=back');
    expect(unset.body.ok).toBe(true);
    const diff = await call('GET', `/api/v1/config/diff?from=v${version - 1}&to=v${unset.body.result.version}`);
    expect(diff.body.result.variables).toEqual([expect.objectContaining({ name: 'model.apiKey', before: null, after: '****abcd' })]);
  });

  it('creates, shows and edits templates from YAML in the body', async () => {
    const yaml = 'name: helpdesk\nextends: default\ndescription: { en: Help desk, zh: 服务台 }\ndefaults:\n  agent.name: Helpdesk\n';
    expect(await call('POST', '/api/v1/templates', { yaml, message: 'new desk' })).toMatchObject({ status: 201, body: { ok: true, result: { name: 'helpdesk' } } });
    expect((await call('GET', '/api/v1/templates')).body.result.templates.map((x: { name: string }) => x.name)).toContain('helpdesk');
    expect((await call('GET', '/api/v1/templates/helpdesk')).body.result).toMatchObject({ yaml, builtin: false });
    const edit = await call('PUT', '/api/v1/templates/helpdesk', { yaml: yaml.replace('Helpdesk', 'Desk') });
    expect(edit.body.ok).toBe(true);
    const broken = await call('PUT', '/api/v1/templates/helpdesk', { yaml: 'name: helpdesk\nextends: nothing\ndescription: { en: x, zh: x }\n' });
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'invalid_template' } } });
    expect((await call('GET', '/api/v1/templates/nothing')).status).toBe(404);
  });
});
