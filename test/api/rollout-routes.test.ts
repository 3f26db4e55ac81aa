// The REST routes of rollouts run the same commands: a dry run and a publish, the list and one rollout, pause and abort,
// a rollback; schemas refuse what they do not declare, and the OpenAPI document lists them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomToken } from '../../src/util/ids.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { waitFor } from '../runtime/runtime-contract.js';
import { rolloutClawAdapter } from '../engines/rollouts/rollout-claw-adapter.js';

let t: TestControlPlane;
const tenant = `rr${randomToken(6).toLowerCase()}`;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.url}${path}`, {
    method, headers: { authorization: `Bearer ${t.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}
async function admin(text: string): Promise<void> {
  const r = await t.command(t.adminToken, text);
  if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
}

beforeAll(async () => {
  t = await startTestControlPlane({ adapters: [rolloutClawAdapter] });
  await admin(`claw tenant create ${tenant}`);
  await admin(`claw project create p --tenant ${tenant}`);
  await admin(`claw tenant policy ${tenant} --approvals 0`);
  for (const name of ['h1', 'h2']) await admin(`claw create ${name} --tenant ${tenant} --project p`);
  await admin(`claw config set agent.name=Rest --tenant ${tenant}`);
}, 60_000);
afterAll(async () => {
  await admin(`claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
  await t?.close();
}, 60_000);

it('publishes, lists, shows, pauses, aborts and rolls back through REST', async () => {
  const dry = await call('POST', '/api/v1/rollouts', { all: true, tenant, canary: '1', dryRun: true });
  expect(dry.status).toBe(200);
  expect(dry.body.result.targets.map((x: { name: string; wave: number }) => [x.name, x.wave])).toEqual([['h1', 0], ['h2', 1]]);
  expect((await call('POST', '/api/v1/rollouts', { all: true, tenant, canary: 1 })).status).toBe(400);

  const created = await call('POST', '/api/v1/rollouts', { names: ['h1', 'h2'], tenant, canary: 'h2', message: 'via REST' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const id = created.body.result.rollout.id as number;
  expect(created.body.result.rollout).toMatchObject({ kind: 'publish', selection: 'h1 h2', message: 'via REST', strategy: { canary: 'h2' } });

  const list = await call('GET', `/api/v1/rollouts?tenant=${tenant}`);
  expect(list.body.result.rollouts.map((r: { id: number }) => r.id)).toEqual([id]);
  await waitFor('the canary to wait for promotion', async () => (await call('GET', `/api/v1/rollouts/${id}?tenant=${tenant}`)).body.result.rollout.state, (s) => s === 'AwaitingPromotion', 60_000);
  expect((await call('POST', `/api/v1/rollouts/${id}/pause`, { tenant })).body.error.code).toBe('conflict');
  const aborted = await call('POST', `/api/v1/rollouts/${id}/abort`, { tenant });
  expect(aborted.body.result).toMatchObject({ moved: 1, untouched: 1, rollout: { state: 'Aborted' } });

  const undo = await call('POST', '/api/v1/config/rollback', { rollout: id, tenant });
  expect(undo.status, JSON.stringify(undo.body)).toBe(200);
  expect(undo.body.result.rollout).toMatchObject({ kind: 'rollback', undoes: id, targets: [{ name: 'h2' }] });

  const doc = (await call('GET', '/api/v1/openapi.json')).body;
  for (const path of ['/api/v1/rollouts', '/api/v1/rollouts/{id}', '/api/v1/rollouts/{id}/pause', '/api/v1/config/rollback']) expect(doc.paths).toHaveProperty([path]);
}, 120_000);
