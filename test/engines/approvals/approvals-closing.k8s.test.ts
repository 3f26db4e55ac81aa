// Approvals that must not run, on the real test cluster through the HTTP API: one past its time (decided on, or swept
// by the engine) is expired; one whose targets changed since the request (a restart, an update, a new instance in
// the batch) is stale when approved. Either way the command never runs and the instance stays as it was.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type TestControlPlane } from '../../support/test-control-plane.js';
import { ApprovalEntity } from '../../../src/store/entities/approval.js';
import { helpers, uniqueTenant, type Crew } from './approval-fixture.js';

let t: TestControlPlane;
const h = helpers(() => t);
let crew: Crew;
const tenant = uniqueTenant('ae');

/** Moves an approval's deadline into the past, as if its time had run out. */
const pastDue = async (id: number) => {
  const done = await t.plane.store.dataSource.getRepository(ApprovalEntity).update({ id }, { expiresAt: new Date(Date.now() - 1000) });
  expect(done.affected).toBe(1);
};

/** CLAW_APPROVAL_STALE as stored in an approval's result: in the chat locale, the detail included. */
const staleText = (id: number, detail: { en: string; zh: string }) =>
  t.plane.settings.chatLocale === 'zh'
    ? `审批 #${id} 已过时：${detail.zh}；未执行，请重新发起。`
    : `Approval #${id} is stale: ${detail.en}; it was not run. Request it again.`;

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  crew = await h.crew(tenant);
  await Promise.all(['demo', 'gone', 'vanish'].map((name) => h.running(tenant, name)));
});
afterAll(async () => t?.close());

describe('expiry', () => {
  it('takes the tenant\'s expiry; past it, approving answers that it expired, and it never runs', async () => {
    await h.must(t.adminToken, `claw tenant policy ${tenant} --expiry 1m`);
    const before = await h.instance(tenant, 'demo');
    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force'));
    const held = await h.approval(crew.tokens.ap1, id);
    expect(new Date(held.expiresAt).getTime() - new Date(held.createdAt).getTime()).toBe(60_000);

    await pastDue(id);
    const r = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'conflict', message: `Approval #${id} is expired; it can no longer be decided.` });
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'expired', approvals: [], result: 'expired before enough approvals' });
    // Nobody typed the expiry: the control plane records it, once.
    const expiries = (await h.audit(tenant, 'approval expire')).filter((e) => e.text.startsWith(`approval #${id} `));
    expect(expiries).toEqual([expect.objectContaining({ channel: 'system', member: null, text: `approval #${id} (claw stop demo --force) expired`, outcome: 'success' })]);
    // A second try is refused the same way, and the rejected vote left no trace.
    expect((await h.rest(crew.tokens.ap2, 'POST', `/api/v1/approvals/${id}/reject`, { reason: 'too late' })).status).toBe(409);
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'expired', rejections: [] });

    // Both attempts were processed to the end (their audit rows); neither ran the command, and the instance is as it was.
    expect(await h.decided(tenant, 'ap1', 'approve', id)).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(await h.decided(tenant, 'ap2', 'reject', id)).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(await h.runsOf(tenant, 'stop', id)).toEqual([]);
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running', desiredPhase: 'Running', generation: before!.generation });
    await h.must(t.adminToken, `claw tenant policy ${tenant} --reset`);
  });

  it('expireDue() closes what is past due, audits each, and leaves the rest pending', async () => {
    const approvals = t.plane.engines.approvals;
    // The leader sweeps every 15 s with the same method; keep it out of the way so the count below is ours.
    const expireDue = approvals.expireDue.bind(approvals);
    const sweep = vi.spyOn(approvals, 'expireDue').mockResolvedValue(0);
    try {
      const due = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force --reason "first"'));
      const fresh = h.heldId(await h.as(crew.tokens.op, 'claw destroy demo --reason "second"'));
      await pastDue(due);
      expect(await expireDue()).toBe(1);
      expect(await expireDue()).toBe(0);
      expect(await h.approval(crew.tokens.ap1, due)).toMatchObject({ status: 'expired', reason: 'first' });
      expect(await h.approval(crew.tokens.ap1, fresh)).toMatchObject({ status: 'pending' });
      const expiries = (await h.audit(tenant, 'approval expire')).filter((e) => e.text.startsWith(`approval #${due} `));
      expect(expiries).toEqual([expect.objectContaining({ channel: 'system', tenant, text: `approval #${due} (claw stop demo --force --reason "first") expired` })]);

      const pending = await h.rest(crew.tokens.ap1, 'GET', '/api/v1/approvals');
      expect((pending.body.result as { approvals: Array<{ id: number }> }).approvals.map((a) => a.id)).toEqual([fresh]);
      const all = await h.rest(crew.tokens.ap1, 'GET', '/api/v1/approvals?all=true');
      expect((all.body.result as { approvals: Array<{ id: number }> }).approvals.map((a) => a.id)).toEqual(expect.arrayContaining([due, fresh]));

      expect((await h.as(crew.tokens.ap2, `claw approve ${due}`)).body.error?.message).toBe(`Approval #${due} is expired; it can no longer be decided.`);
      await h.must(crew.tokens.ap1, `claw reject ${fresh} --reason "cleanup"`);
    } finally {
      sweep.mockRestore();
    }
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running', desiredPhase: 'Running' });
  });
});

describe('stale', () => {
  it.each([
    ['claw restart demo', 'a restart'],
    ['claw update demo --label x=y', 'an update'],
  ])('does not destroy when the instance changed after the request (%s)', async (change) => {
    const id = h.heldId(await h.as(crew.tokens.op, 'claw destroy demo'));
    const before = await h.instance(tenant, 'demo');
    const changed = await h.as(crew.tokens.op, change);
    expect(changed.status, changed.body.text).toBe(200);
    expect((await h.instance(tenant, 'demo'))!.generation).toBeGreaterThan(before!.generation);

    const r = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(r.status, r.body.text).toBe(200);
    expect(r.body.result).toMatchObject({ approval: { status: 'stale', approvals: ['ap1'] } });
    expect(r.body.text).toMatch(/Status:\s+stale, not run/);
    const shown = await h.approval(crew.tokens.ap2, id);
    expect(shown.status).toBe('stale');
    // The result is written once, in the chat locale (locale.chat), whoever reads it later.
    expect(shown.result).toBe(staleText(id, { en: 'instance p/demo changed since the request', zh: '实例 p/demo 在发起后已变化' }));

    await h.until(tenant, 'demo', 'Running');
    expect(await h.instance(tenant, 'demo')).toMatchObject({ desiredPhase: 'Running' });
    const attempts = (await h.audit(tenant, 'destroy')).filter((e) => e.identity === `approval#${id} (token:op-laptop)`);
    expect(attempts).toEqual([expect.objectContaining({ member: 'op', outcome: 'failure', errorCode: 'conflict' })]);
    expect((await h.as(crew.tokens.ap2, `claw approve ${id}`)).body.error?.message).toBe(`Approval #${id} is stale; it can no longer be decided.`);
  });

  it('does not run a batch when an instance joined it after the request', async () => {
    const id = h.heldId(await h.as(crew.tokens.op, 'claw destroy --all'));
    expect((await h.approval(crew.tokens.ap1, id)).targets.sort()).toEqual(['instance p/demo', 'instance p/gone', 'instance p/vanish']);
    await h.running(tenant, 'late');
    const r = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(r.body.result).toMatchObject({ approval: { status: 'stale' } });
    expect((await h.approval(crew.tokens.ap1, id)).result).toBe(staleText(id, { en: 'instance p/late was not among the targets when it was requested', zh: '实例 p/late 不在发起时的目标中' }));
    expect(await h.instance(tenant, 'demo')).toMatchObject({ desiredPhase: 'Running' });
    for (const name of ['gone', 'vanish', 'late']) expect(await h.instance(tenant, name)).toMatchObject({ desiredPhase: 'Running' });
  });

  it('runs a destroy approved on an unchanged instance: the instance is gone', async () => {
    const id = h.heldId(await h.as(crew.tokens.op, 'claw destroy late'));
    const r = await h.as(crew.tokens.ap1, `claw approve ${id}`);
    expect(r.body.result).toMatchObject({ approval: { status: 'executed' } });
    await h.until(tenant, 'late', null);
    expect(await h.approval(crew.tokens.ap1, id)).toMatchObject({ status: 'executed', approvals: ['ap1'] });
    expect((await h.audit(tenant, 'destroy')).find((e) => e.identity === `approval#${id} (token:op-laptop)`)).toMatchObject({ outcome: 'success', text: 'claw destroy late' });
  });

  it('runs with the requester\'s permissions of today: a requester who lost them gets a failed approval, nothing runs', async () => {
    const before = await h.instance(tenant, 'demo');
    const id = h.heldId(await h.as(crew.tokens.op, 'claw stop demo --force'));
    await h.must(t.adminToken, `claw revoke op operator --tenant ${tenant}`);
    try {
      const r = await h.as(crew.tokens.ap1, `claw approve ${id}`);
      expect(r.status, r.body.text).toBe(200);
      expect(r.body.result).toMatchObject({ approval: { status: 'failed', approvals: ['ap1'] } });
      expect((await h.approval(crew.tokens.ap1, id)).result).toContain('instance:stop');
      const [attempt] = (await h.audit(tenant, 'stop')).filter((e) => e.identity === `approval#${id} (token:op-laptop)`);
      expect(attempt).toMatchObject({ member: 'op', decision: 'denied', outcome: 'failure', errorCode: 'forbidden' });
    } finally {
      await h.must(t.adminToken, `claw grant op operator --tenant ${tenant}`);
    }
    // The approval was processed to the end (its audit row, after the refused run above); the instance is as it was.
    expect(await h.decided(tenant, 'ap1', 'approve', id)).toMatchObject({ outcome: 'success' });
    expect((await h.runsOf(tenant, 'stop', id)).map((e) => e.outcome)).toEqual(['failure']);
    expect(await h.instance(tenant, 'demo')).toMatchObject({ phase: 'Running', desiredPhase: 'Running', generation: before!.generation });
  });

  // Approvals are decided on the names of their scope: the instance being gone does not hide the approval.
  it('a second approval of an executed destroy answers 409 closed', async () => {
    const id = h.heldId(await h.as(crew.tokens.op, 'claw destroy gone'));
    await h.must(crew.tokens.ap1, `claw approve ${id}`);
    await h.until(tenant, 'gone', null);
    const again = await h.as(crew.tokens.ap2, `claw approve ${id}`);
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toBe(`Approval #${id} is approved and done; it can no longer be decided.`);
  });

  it('an approval whose instance vanished becomes stale when approved, and can be rejected', async () => {
    const stop = h.heldId(await h.as(crew.tokens.op, 'claw stop vanish --force'));
    const kill = h.heldId(await h.as(crew.tokens.op, 'claw stop vanish --force --reason again'));
    const destroy = h.heldId(await h.as(crew.tokens.op, 'claw destroy vanish'));
    await h.must(crew.tokens.ap1, `claw approve ${destroy}`);
    await h.until(tenant, 'vanish', null);
    const decided = await h.as(crew.tokens.ap2, `claw approve ${stop}`);
    expect(decided.body.result, decided.body.text).toMatchObject({ approval: { status: "stale" } });
    expect((await h.approval(crew.tokens.ap1, stop)).result).toContain('`vanish`');
    expect((await h.as(crew.tokens.ap2, `claw reject ${kill} --reason "it is gone anyway"`)).body.result).toMatchObject({ approval: { status: 'rejected' } });
  });
});
