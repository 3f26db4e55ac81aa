// Approvals on the real test cluster, through the HTTP API as the people involved: a risky command is held (202) and
// changes nothing; only someone else with approval:approve on its tenant may decide; at the threshold it runs once, as
// its requester; one rejection stops it for good.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';
import { helpers, uniqueTenant, type Crew } from './approval-fixture.js';

let t: TestControlPlane;
const h = helpers(() => t);
let crew: Crew;
let stranger: string;
const tenant = uniqueTenant('ap');
const other = uniqueTenant('ax');

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  crew = await h.crew(tenant);
  // An approver of another tenant: holds approval:read and approval:approve, but not on this tenant.
  await h.must(t.adminToken, `claw tenant create ${other}`);
  await h.must(t.adminToken, `claw member add stranger --tenant ${other} --role approver`);
  stranger = String((await h.must(t.adminToken, `claw token create --member stranger --tenant ${other}`)).result?.token);
  await h.running(tenant, 'demo');
});
afterAll(async () => t?.close());

describe('a risky command waits for approval', () => {
  let id: number;

  it('holds `claw stop --force` by an operator: 202 with the approval, nothing changes, audited as held', async () => {
    const before = await h.instance(tenant, 'demo');
    const r = await h.as(crew.tokens.op, 'claw stop demo --force');
    id = h.heldId(r);
    expect(r.body.ok).toBe(true);
    expect(r.body.result).toEqual({ approval: { id, status: 'pending', required: 1, expiresAt: expect.any(String) } });
    expect(r.body.text).toContain(`Approval #${id}: stop`);
    expect(r.body.text).toMatch(/Status:\s+waiting for approval/);
    expect(r.body.text).toMatch(/Requested by:\s+op \(token:op-laptop\)/);
    expect(r.body.text).toMatch(/Approvals:\s+0\/1/);
    // 30 minutes by default.
    const expires = new Date((r.body.result as { approval: { expiresAt: string } }).approval.expiresAt).getTime();
    expect(expires - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    // The request was processed to the end: audited as held, and held is the only stop there is.
    const stops = await h.audit(tenant, 'stop');
    expect(stops).toEqual([expect.objectContaining({
      member: 'op', command: 'stop', text: 'claw stop demo --force', decision: 'allowed', outcome: 'held', identity: 'token:op-laptop', errorCode: null,
    })]);
    // Nothing happened to the instance: still Running, same generation, nothing asked of it.
    const after = await h.instance(tenant, 'demo');
    expect(after).toMatchObject({ phase: 'Running', desiredPhase: 'Running', generation: before!.generation });
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'pending', approvals: [] });

    // The approvers see it waiting.
    const list = await h.rest(crew.tokens.ap1, 'GET', '/api/v1/approvals');
    expect(list.status).toBe(200);
    expect((list.body.result as { approvals: Array<{ id: number; status: string }> }).approvals).toEqual([expect.objectContaining({ id, status: 'pending', requester: 'op' })]);
  });

  it('refuses the requester (whatever token), a viewer and another tenant\'s approver', async () => {
    // An operator has no approval:approve at all.
    const plain = await h.as(crew.tokens.op, `claw approve ${id}`);
    expect(plain.status).toBe(403);
    expect(plain.body.error?.code).toBe('forbidden');
    expect(plain.body.error?.message).toContain('needs approval:approve');

    // Even holding approval:approve, the requester may not decide on their own request, with any of their identities.
    await h.must(t.adminToken, `claw grant op approver --tenant ${tenant}`);
    const second = String((await h.must(t.adminToken, `claw token create --member op --tenant ${tenant} --name op-phone`)).result?.token);
    for (const [token, how] of [[crew.tokens.op, 'command'], [second, 'command'], [second, 'rest']] as const) {
      const r = how === 'rest' ? await h.rest(token, 'POST', `/api/v1/approvals/${id}/approve`, {}) : await h.as(token, `claw approve ${id}`);
      expect(r.status, how).toBe(403);
      expect(r.body.error, how).toMatchObject({ code: 'forbidden', message: `You requested #${id}; someone else must approve or reject it.` });
    }
    const selfReject = await h.as(second, `claw reject ${id} --reason "never mind"`);
    expect(selfReject.status).toBe(403);
    expect(selfReject.body.error?.message).toBe(`You requested #${id}; someone else must approve or reject it.`);

    // A viewer may neither decide nor look.
    const viewer = await h.rest(crew.tokens.viewer, 'POST', `/api/v1/approvals/${id}/approve`, {});
    expect(viewer.status).toBe(403);
    expect(viewer.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('needs approval:approve') });
    expect((await h.rest(crew.tokens.viewer, 'GET', `/api/v1/approvals/${id}`)).status).toBe(403);

    // Another tenant's approver does not see it in their list, and reading it answers as for a missing one (not a
    // refusal that would name the tenant, project and instance).
    const list = await h.rest(stranger, 'GET', '/api/v1/approvals?all=true');
    expect(list.status).toBe(200);
    expect((list.body.result as { approvals: unknown[] }).approvals).toEqual([]);
    const look = await h.rest(stranger, 'GET', `/api/v1/approvals/${id}`);
    const missing = await h.rest(stranger, 'GET', '/api/v1/approvals/999999');
    expect(look.status).toBe(404);
    expect(look.body.error).toMatchObject({ code: 'not_found', message: `Approval \`#${id}\` not found.` });
    expect(missing.body.error).toMatchObject({ code: 'not_found', message: 'Approval `#999999` not found.' });
    expect(look.body.text).not.toContain(tenant);
    // Nor can they decide, and the refusal is the unknown number's: nothing about the tenant or instance.
    const decide = await h.rest(stranger, 'POST', `/api/v1/approvals/${id}/approve`, {});
    expect(decide.status).toBe(404);
    expect(decide.body.error).toMatchObject({ code: 'not_found', message: `Approval \`#${id}\` not found.` });
    expect(decide.body.text).not.toContain('demo');
    expect(decide.body.text).not.toContain(tenant);

    // None of that changed anything.
    const now = await h.approval(crew.tokens.ap1, id);
    expect(now).toMatchObject({ status: 'pending', approvals: [], rejections: [] });
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running' });
  });

  it('runs the held command as its requester once an approver approves; a second decision is refused', async () => {
    const r = await h.rest(crew.tokens.ap1, 'POST', `/api/v1/approvals/${id}/approve`, { reason: 'it is hung' });
    expect(r.status, r.body.text).toBe(200);
    expect((r.body.result as { approval: { status: string } }).approval.status).toBe('executed');
    await h.until(tenant, 'demo', 'Stopped');

    const done = await h.approval(crew.tokens.ap2, id);
    expect(done).toMatchObject({ status: 'executed', requester: 'op', approvals: ['ap1'], rejections: [], text: 'claw stop demo --force' });
    // What the command answered, written once in the chat locale (locale.chat).
    expect(done.result).toBe(t.plane.settings.chatLocale === 'zh' ? '正在强制停止 demo （可用 `claw status demo` 查看）' : 'Killing demo (check with `claw status demo`)');

    const events = await h.audit(tenant);
    const approve = events.find((e) => e.command === 'approve' && e.member === 'ap1');
    expect(approve).toMatchObject({ outcome: 'success', identity: 'token:ap1-laptop', text: `claw approve "${id}" --reason "it is hung"` });
    const executed = events.find((e) => e.command === 'stop' && e.identity?.startsWith('approval#'));
    expect(executed).toMatchObject({ member: 'op', identity: `approval#${id} (token:op-laptop)`, text: 'claw stop demo --force', decision: 'allowed', outcome: 'success' });
    expect(executed!.seq).toBeLessThan(approve!.seq);

    const again = await h.as(crew.tokens.ap2, `claw approve ${id}`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', message: `Approval #${id} is approved and done; it can no longer be decided.` });
    const twice = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(twice.status).toBe(409);
  });
});

describe('N of M', () => {
  it('needs two different approvers when the tenant says 2; one person cannot vote twice', async () => {
    const policy = await h.as(t.adminToken, `claw tenant policy ${tenant} --approvals 2`);
    expect(policy.status).toBe(200);
    expect(policy.body.result).toMatchObject({ policy: { approvals: 2 } });
    await h.must(crew.tokens.op, 'claw start demo --wait');

    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo -f'));
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ required: 2, status: 'pending' });

    const before = await h.instance(tenant, 'demo');
    const first = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ approval: { status: 'pending', approvals: ['ap1'] } });
    expect(first.body.text).toMatch(/Approvals:\s+1\/2 \(ap1\)/);
    // The first vote was processed to the end (its audit row) and ran nothing: the instance is as it was.
    expect(await h.decided(tenant, 'ap1', 'approve', id)).toMatchObject({ outcome: 'success' });
    expect(await h.runsOf(tenant, 'stop', id)).toEqual([]);
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running', desiredPhase: 'Running', generation: before!.generation });

    const twice = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'conflict', message: `You already decided on #${id}.` });
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'pending', approvals: ['ap1'] });

    const second = await h.rest(crew.tokens.ap2, 'POST', `/api/v1/approvals/${id}/approve`, {});
    expect(second.status).toBe(200);
    expect(second.body.result).toMatchObject({ approval: { status: 'executed', approvals: ['ap1', 'ap2'] } });
    await h.until(tenant, 'demo', 'Stopped');
    expect((await h.audit(tenant, 'stop')).filter((e) => e.identity === `approval#${id} (token:op-laptop)`)).toHaveLength(1);
  });
});

describe('rejection', () => {
  it('closes the request on one rejection, even when two approvals are needed; the command never runs', async () => {
    await h.must(crew.tokens.op, 'claw start demo --wait');
    const before = await h.instance(tenant, 'demo');
    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force --reason "gateway hung"'));
    await h.must(crew.tokens.ap2, `claw approve ${id}`);
    const r = await h.as(crew.tokens.ap1, `claw reject ${id} --reason "not during the demo"`);
    expect(r.status, r.body.text).toBe(200);
    expect(r.body.result).toMatchObject({ approval: { status: 'rejected' } });
    expect(r.body.text).toMatch(/Rejected by:\s+ap1: not during the demo/);

    const shown = await h.approval(crew.tokens.ta, id);
    expect(shown).toMatchObject({
      status: 'rejected', reason: 'gateway hung', approvals: ['ap2'], rejections: [{ member: 'ap1', reason: 'not during the demo' }],
      result: 'rejected by ap1: not during the demo',
    });
    const late = await h.as(crew.tokens.ta, `claw approve ${id}`);
    expect(late.status).toBe(409);
    expect(late.body.error?.message).toBe(`Approval #${id} is rejected; it can no longer be decided.`);

    // Every decision was processed to the end (their audit rows); none ran the command, and the instance is as it was.
    expect(await h.decided(tenant, 'ap2', 'approve', id)).toMatchObject({ outcome: 'success' });
    expect(await h.decided(tenant, 'ap1', 'reject', id)).toMatchObject({ outcome: 'success' });
    expect(await h.decided(tenant, 'ta', 'approve', id)).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(await h.runsOf(tenant, 'stop', id)).toEqual([]);
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running', desiredPhase: 'Running', generation: before!.generation });
  });
});

describe('through the REST routes', () => {
  it('holds POST /instances/:id/stop {force} with 202 and runs it by id once approved over REST', async () => {
    await h.must(t.adminToken, `claw tenant policy ${tenant} --approvals 1`);
    await h.must(crew.tokens.op, 'claw start demo --wait');
    const status = await h.as(crew.tokens.op, 'claw status demo');
    const instanceId = (status.body.result as { instance: { id: string } }).instance.id;

    const r = await h.rest(crew.tokens.op, 'POST', `/api/v1/instances/${instanceId}/stop`, { force: true });
    const id = h.heldId(r);
    const held = await h.approval(crew.tokens.ap1, id);
    expect(held).toMatchObject({ command: 'stop', text: `claw stop "${instanceId}" --force`, targets: ['instance p/demo'], scope: `tenant/${tenant}/project/p/instance/demo` });
    // Held: the instance still runs.
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running' });

    const approved = await h.rest(crew.tokens.ta, 'POST', `/api/v1/approvals/${id}/approve`, { reason: 'ok' });
    expect(approved.status, approved.body.text).toBe(200);
    expect(approved.body.result).toMatchObject({ approval: { status: 'executed', approvals: ['ta'] } });
    await h.until(tenant, 'demo', 'Stopped');
    const rejectLate = await h.rest(crew.tokens.ap1, 'POST', `/api/v1/approvals/${id}/reject`, { reason: 'too late' });
    expect(rejectLate.status).toBe(409);
    expect((await h.approval(crew.tokens.ap1, id)).rejections).toEqual([]);
  });
});

describe('decisions racing each other', () => {
  /** Runs `meanwhile` (whole HTTP requests) inside the next decision, right after it recorded its vote. */
  const interleave = (meanwhile: () => Promise<void>) => {
    const approvals = t.plane.engines.approvals;
    const votes = approvals.votes.bind(approvals);
    return vi.spyOn(approvals, 'votes').mockImplementationOnce(async (id) => {
      await meanwhile();
      return votes(id);
    });
  };

  it('runs a 2-of-M command once when the two approvals cross', async () => {
    await h.must(crew.tokens.op, 'claw start demo --wait');
    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force'));
    const spy = interleave(async () => {
      const second = await h.as(crew.tokens.ap2, `claw approve ${id}`);
      expect(second.body.result).toMatchObject({ approval: { status: 'executed' } });
    });
    try {
      const first = await h.as(crew.tokens.ap1, `claw approve ${id}`);
      expect(first.status, first.body.text).toBe(200);
      expect(first.body.result).toMatchObject({ approval: { status: 'executed', approvals: ['ap1', 'ap2'] } });
    } finally {
      spy.mockRestore();
    }
    await h.until(tenant, 'demo', 'Stopped');
    expect((await h.audit(tenant, 'stop')).filter((e) => e.identity === `approval#${id} (token:op-laptop)`)).toHaveLength(1);
  });

  it('does not turn an approval that ran meanwhile into a rejection', async () => {
    await h.must(t.adminToken, `claw tenant policy ${tenant} --approvals 1`);
    await h.must(crew.tokens.op, 'claw start demo --wait');
    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force'));
    const spy = interleave(async () => {
      const approved = await h.as(crew.tokens.ap1, `claw approve ${id}`);
      expect(approved.body.result).toMatchObject({ approval: { status: 'executed' } });
    });
    let rejected: Awaited<ReturnType<typeof h.as>>;
    try {
      rejected = await h.as(crew.tokens.ap2, `claw reject ${id} --reason "wait"`);
    } finally {
      spy.mockRestore();
    }
    // The command ran: the late rejection is refused and leaves no trace.
    await h.until(tenant, 'demo', 'Stopped');
    expect(rejected.status, rejected.body.text).toBe(409);
    expect(rejected.body.error?.message).toBe(`Approval #${id} is approved and done; it can no longer be decided.`);
    expect(await h.approval(crew.tokens.ta, id)).toMatchObject({ status: 'executed', approvals: ['ap1'], rejections: [] });
  });
});
