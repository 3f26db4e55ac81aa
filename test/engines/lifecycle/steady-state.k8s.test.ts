// A quiet control plane on the real test cluster does no work: with instances Running and nothing changing it makes no
// write request and reads no instance object from the apiserver (its watch caches answer), and reconciles only on the
// resync. Requests are counted from the apiserver's own audit log, not from the control plane's bookkeeping.
import { open, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { randomToken } from '../../../src/util/ids.js';
import { instanceNames } from '../../../src/runtime/kubernetes/names.js';
import { countPasses, counter, settled } from './steady-state-kit.js';

const INSTANCES = 10;
const RESYNC_MS = 5_000;
const QUIET_MS = 10_000;
const resyncAllowance = (windowMs: number) => Math.ceil(windowMs / RESYNC_MS) + 1;
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const INSTANCE_KINDS = new Set(['pods', 'secrets', 'configmaps', 'services', 'persistentvolumeclaims']);

interface AuditEvent {
  verb: string;
  stage: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
}

/** Audit events written since `from` (a byte offset of the log) about `namespace`. */
async function auditSince(path: string, from: number, namespace: string): Promise<AuditEvent[]> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const buffer = Buffer.alloc(size - from);
    await file.read(buffer, 0, buffer.length, from);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent)
      .filter((e) => e.stage === 'ResponseComplete' && e.objectRef?.namespace === namespace);
  } finally {
    await file.close();
  }
}

const describeEvent = (e: AuditEvent) => `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''} ${e.objectRef?.name ?? ''}`;

describe('steady state on Kubernetes', () => {
  const auditLog = inject('kubeAuditLog');
  const tenant = `ss${randomToken(6).toLowerCase()}`;
  const ns = `claw-${tenant}`;
  const names = Array.from({ length: INSTANCES }, (_, i) => `q-${i}`);
  let t: TestControlPlane;
  const must = async (text: string): Promise<CommandAnswer> => {
    const r = await t.command(t.adminToken, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };

  beforeAll(async () => {
    t = await startTestControlPlane({ settings: { ...k8sSettings(inject('kubeconfigPath')), reconciler: { workers: 4, resyncMs: RESYNC_MS } } });
    await must(`claw tenant create ${tenant}`);
    await must(`claw project create p --tenant ${tenant}`);
    await must(`claw tenant policy ${tenant} --approvals 0`);
    await Promise.all(names.map((n) => must(`claw create ${n} --tenant ${tenant} --project p --wait --timeout 90s`)));
    await settled(t, 1_500, 60_000);
  }, 180_000);
  afterAll(async () => {
    await t?.command(t.adminToken, `claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
    await t?.close();
  });

  it('makes no write and reads no instance object from the apiserver while nothing changes', async () => {
    const offset = (await stat(auditLog)).size;
    const sent = await counter(t, 'claw_runtime_notifications_total', { outcome: 'sent' });
    const passes = await countPasses(t, () => new Promise((r) => setTimeout(r, QUIET_MS)));
    const events = await auditSince(auditLog, offset, ns);
    expect(events.filter((e) => WRITE_VERBS.has(e.verb)).map(describeEvent)).toEqual([]);
    // The tenant's namespace, quota and NetworkPolicy are looked at again once a minute (TenantSpaces' TTL); instance objects never.
    expect(events.filter((e) => INSTANCE_KINDS.has(e.objectRef?.resource ?? '')).map(describeEvent)).toEqual([]);
    expect(await counter(t, 'claw_runtime_notifications_total', { outcome: 'sent' })).toBe(sent);
    expect([...passes.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(INSTANCES); // the resync did run
    for (const [id, n] of passes) expect(n, `passes of ${id}`).toBeLessThanOrEqual(resyncAllowance(QUIET_MS));
    expect(await counter(t, 'claw_runtime_reads_total', { source: 'cache' })).toBeGreaterThan(0);
  }, 60_000);

  it('touches only the objects of the instance that changes', async () => {
    const changedId = ((await must(`claw status q-1 --tenant ${tenant}`)).result as { instance: { id: string } }).instance.id;
    const offset = (await stat(auditLog)).size;
    const started = Date.now();
    const passes = await countPasses(t, async () => {
      await must(`claw update q-1 --tenant ${tenant} --set agent.name=Renamed --wait --timeout 60s`);
    });
    const window = Date.now() - started;
    const writes = (await auditSince(auditLog, offset, ns)).filter((e) => WRITE_VERBS.has(e.verb));
    const { base } = instanceNames({ id: changedId, tenant, project: 'p', name: 'q-1' });
    expect(writes.map(describeEvent)).toContain(`update configmaps ${base}`);
    expect(writes.filter((e) => !e.objectRef?.name?.startsWith(base)).map(describeEvent)).toEqual([]);
    expect(passes.get(changedId) ?? 0).toBeGreaterThan(0);
    for (const [id, n] of passes) if (id !== changedId) expect(n, `passes of unchanged ${id}`).toBeLessThanOrEqual(resyncAllowance(window));
  }, 90_000);
});
