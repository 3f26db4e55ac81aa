// A tenant's approval policy on the real test cluster, through the HTTP API: a required reason, the batch threshold,
// approvals turned off, who may change the numbers, the listing of approvals, and the approval chat (chat only).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';
import { helpers, uniqueTenant, type ApprovalData, type Crew } from './approval-fixture.js';

let t: TestControlPlane;
const h = helpers(() => t);
let crew: Crew;
const tenant = uniqueTenant('apo');

const policyOf = async (token: string) => {
  const r = await h.as(token, `claw tenant policy ${tenant}`);
  expect(r.status, r.body.text).toBe(200);
  return (r.body.result as { policy: { approvals: number; expiryMs: number; reasonRequired: boolean; batchThreshold: number; approvalChat: unknown } }).policy;
};
const listed = async (token: string, all = false) => {
  const r = await h.rest(token, 'GET', `/api/v1/approvals${all ? '?all=true' : ''}`);
  expect(r.status, r.body.text).toBe(200);
  return (r.body.result as { approvals: ApprovalData[] }).approvals;
};

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  crew = await h.crew(tenant);
  await Promise.all([h.running(tenant, 'demo'), h.running(tenant, 'one', '--label team=a'), h.running(tenant, 'two', '--label team=b')]);
});
afterAll(async () => t?.close());

describe('tenant approval policy', () => {
  it('shows the defaults of configs/approvals.yaml to anyone in the tenant', async () => {
    expect(await policyOf(crew.tokens.viewer)).toEqual({ approvals: 1, expiryMs: 30 * 60_000, reasonRequired: false, batchThreshold: 5, independentApprovers: false, rules: [{ command: 'destroy' }, { command: 'stop', flag: 'force' }], approvalChat: null });
    const r = await h.as(crew.tokens.viewer, `claw tenant policy ${tenant}`);
    expect(r.body.text).toMatch(/Needs approval:\s+claw destroy, claw stop --force/);
  });

  it('with a required reason, refuses a held command without one (nothing held) and holds it with one', async () => {
    const set = await h.as(t.adminToken, `claw tenant policy ${tenant} --require-reason on`);
    expect(set.body.result).toMatchObject({ policy: { reasonRequired: true } });

    const refused = await h.as(crew.tokens.op, 'claw stop demo --force');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_argument', message: '`claw stop` needs approval in this tenant, and a reason: add --reason "why".' });
    // A blank reason is no reason (refused while parsing, before the policy is asked).
    const blank = await h.as(crew.tokens.op, 'claw stop demo --force --reason "  "');
    expect(blank.status).toBe(400);
    expect(blank.body.error).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('--reason') });
    expect(await listed(crew.tokens.ap1, true)).toEqual([]);
    const [attempt] = (await h.audit(tenant, 'stop')).filter((e) => e.member === 'op');
    expect(attempt).toMatchObject({ outcome: 'failure', errorCode: 'invalid_argument' });

    // Commands that are not held need no reason.
    expect((await h.as(crew.tokens.op, 'claw restart demo')).status).toBe(200);

    const held = await h.as(crew.tokens.op, 'claw stop demo --force --reason "maint"');
    const id = h.heldId(held);
    expect(held.body.text).toMatch(/Reason:\s+maint/);
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'pending', reason: 'maint', text: 'claw stop demo --force --reason "maint"' });
    await h.must(crew.tokens.ap1, `claw reject ${id} --reason "not now"`);
    await h.must(t.adminToken, `claw tenant policy ${tenant} --require-reason off`);
  });

  it('holds a batch over more instances than the threshold (a dangerous batch), not a single instance', async () => {
    await h.must(t.adminToken, `claw tenant policy ${tenant} --batch-threshold 1`);

    // One instance by name, or a batch that hits only one: not over the threshold, runs at once.
    const single = await h.as(crew.tokens.op, 'claw stop one');
    expect(single.status, single.body.text).toBe(200);
    expect(single.body.result).not.toHaveProperty('approval');
    await h.until(tenant, 'one', 'Stopped');
    expect((await h.as(crew.tokens.op, 'claw start --selector team=a --wait')).status).toBe(200);

    // --all hits every instance of the tenant: three, over the threshold of 1.
    const r = await h.as(crew.tokens.op, 'claw stop --all');
    const id = h.heldId(r);
    const held = await h.approval(crew.tokens.ap1, id);
    expect(held).toMatchObject({ command: 'stop', status: 'pending', scope: `tenant/${tenant}` });
    expect(held.targets.sort()).toEqual(['instance p/demo', 'instance p/one', 'instance p/two']);
    for (const name of ['demo', 'one', 'two']) expect(await h.instance(tenant, name)).toMatchObject({ phase: 'Running', desiredPhase: 'Running' });

    // The risk the dispatcher reports for that batch (not part of the HTTP answer).
    const outcome = await t.run(await t.principal(crew.tokens.op), `claw restart --all --tenant ${tenant}`);
    expect(outcome.ok && outcome.held !== undefined && outcome.risk).toBe('dangerous');
    if (outcome.ok && outcome.held) await h.must(crew.tokens.ap2, `claw reject ${outcome.held.id}`);

    const approved = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(approved.body.result).toMatchObject({ approval: { status: 'executed' } });
    for (const name of ['demo', 'one', 'two']) await h.until(tenant, name, 'Stopped');
    await h.must(t.adminToken, `claw tenant policy ${tenant} --reset`);
  });

  it('lets only a platform admin change the numbers; approvals 0 runs destroy at once', async () => {
    for (const who of ['ta', 'op', 'ap1'] as const) {
      const refused = await h.as(crew.tokens[who], `claw tenant policy ${tenant} --approvals 0`);
      expect(refused.status, who).toBe(403);
      expect(refused.body.error?.message, who).toBe(`You may not run \`claw tenant policy\` on tenant ${tenant} (needs tenant:policy).`);
    }
    expect((await policyOf(crew.tokens.ta)).approvals).toBe(1);

    const off = await h.as(t.adminToken, `claw tenant policy ${tenant} --approvals 0`);
    expect(off.status).toBe(200);
    expect(off.body.text).toMatch(/Approvals needed:\s+0 \(approvals off: everything runs at once\)/);
    const destroyed = await h.as(crew.tokens.op, 'claw destroy two');
    expect(destroyed.status, destroyed.body.text).toBe(200);
    expect(destroyed.body.result).not.toHaveProperty('approval');
    await h.until(tenant, 'two', null);
    expect((await h.audit(tenant, 'destroy')).find((e) => e.member === 'op')).toMatchObject({ outcome: 'success', text: 'claw destroy two' });

    await h.must(t.adminToken, `claw tenant policy ${tenant} --reset`);
    expect(await policyOf(crew.tokens.ta)).toMatchObject({ approvals: 1, batchThreshold: 5, reasonRequired: false });
  });

  it('lists pending approvals, and with --all the decided ones too', async () => {
    const pending = h.heldId(await h.as(crew.tokens.op, 'claw destroy one'));
    const decided = (await listed(crew.tokens.ta, true)).map((a) => a.id);
    expect(decided.length).toBeGreaterThanOrEqual(4);

    expect((await listed(crew.tokens.ta)).map((a) => ({ id: a.id, status: a.status }))).toEqual([{ id: pending, status: 'pending' }]);
    const all = await listed(crew.tokens.ta, true);
    expect(all[0]).toMatchObject({ id: pending, status: 'pending' });
    expect(new Set(all.map((a) => a.status))).toEqual(new Set(['pending', 'rejected', 'executed']));
    // Each row of the list carries its own votes, as its own card shows them.
    for (const a of all) {
      expect(a.approvals.length + a.rejections.length > 0, `#${a.id}`).toBe(a.status !== 'pending');
      expect(await h.approval(crew.tokens.ta, a.id)).toMatchObject({ approvals: a.approvals, rejections: a.rejections });
    }

    const table = await h.as(crew.tokens.ap1, 'claw approvals');
    expect(table.body.text.split('\n')).toEqual([
      expect.stringMatching(/^#\s+COMMAND\s+REQUESTED BY\s+STATUS\s+APPROVALS\s+EXPIRES$/),
      expect.stringMatching(new RegExp(`^${pending}\\s+claw destroy one\\s+op\\s+pending\\s+0/1\\s+`)),
    ]);
    expect((await h.as(crew.tokens.ap1, 'claw approvals --all')).body.text.split('\n').length).toBe(all.length + 1);
    await h.must(crew.tokens.ap1, `claw reject ${pending}`);
    expect((await h.as(crew.tokens.ap1, 'claw approvals')).body.text).toBe('Nothing waits for approval.');
    // A viewer holds no approval:read.
    expect((await h.rest(crew.tokens.viewer, 'GET', '/api/v1/approvals')).status).toBe(403);
  });

  it('sets the approval chat only from a chat group, never from the API', async () => {
    for (const token of [crew.tokens.ta, t.adminToken]) {
      const r = await h.as(token, `claw tenant policy ${tenant} --approval-chat here`);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_argument', message: '`claw tenant policy --approval-chat here` works in a Feishu or DingTalk group chat: type it there, @mentioning the bot.' });
    }
    expect((await policyOf(crew.tokens.ta)).approvalChat).toBeNull();
    // Nothing else of the same command was applied either.
    const mixed = await h.as(t.adminToken, `claw tenant policy ${tenant} --approvals 3 --approval-chat here`);
    expect(mixed.status).toBe(400);
    expect((await policyOf(crew.tokens.ta)).approvals).toBe(1);
  });
});
