// The alerts engine on SQLite and MariaDB, with its own clock and a recording notifier in place of the chat side (the
// chat side runs for real in test/e2e/alerts.test.ts): claw rows are written as the reconciler writes them (no
// reconciler runs here, so nothing tries to start them). A steady
// state writes nothing; a flapping claw keeps one alert; repeats and resolution update the card; silences hold cards
// back; routing follows severity; the digest's figures count what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsEngine, type AlertCardData, type AlertTiming } from '../../../src/engines/alerts/alerts-engine.js';
import { loadAlertRules } from '../../../src/engines/alerts/alert-rules.js';
import type { ChatGroup } from '../../../src/model/chat-origin.js';
import { AlertEntity } from '../../../src/store/entities/alert.js';
import { ChatBindingEntity } from '../../../src/store/entities/chat-binding.js';
import { InstanceEntity, type Instance } from '../../../src/store/entities/instance.js';
import { newId } from '../../../src/util/ids.js';
import { TenancyEngine } from '../../../src/engines/tenancy/tenancy-engine.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const timing: AlertTiming = { intervalMs: 60_000, groupWaitMs: 30_000, repeatIntervalMs: 3_600_000, resolveDelayMs: 120_000 };

describe.each(databaseKinds())('alerts engine on %s', (database) => {
  let testDb: TestDatabase;
  let store: Store;
  let tenancy: TenancyEngine;
  let clock = new Date('2026-11-21T10:00:00Z');
  const tick = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const posted: Array<{ card: AlertCardData; to: ChatGroup[] }> = [];
  const changed: AlertCardData[] = [];
  let engine: AlertsEngine;
  let claw: Instance;
  const db = () => store.dataSource;
  const setClaw = async (changes: Partial<Instance>) => {
    await db().getRepository(InstanceEntity).update({ id: claw.id }, changes);
  };

  beforeAll(async () => {
    testDb = await createTestDatabase(database);
    store = await openStore(testDb.settings);
    tenancy = new TenancyEngine(store.dataSource);
    const tenant = await tenancy.createTenant({ name: 'acme', createdBy: 'test' });
    const project = await tenancy.createProject({ tenant, name: 'sales', createdBy: 'test' });
    claw = {
      id: newId(), tenantId: tenant.id, projectId: project.id, name: 'demo', nameKey: `${project.id}/demo`, type: 'openclaw', version: '1', template: 'default',
      configVersion: 1, valuesVersion: 1, labels: {}, cpu: '500m', memory: '2Gi', storage: '1Gi', desiredPhase: 'Running', generation: 1, restartGeneration: 0,
      stopForce: false, keepData: false, gatewayToken: 'x', phase: 'Running', ready: true, restarts: 0, reason: null, message: null, node: null, endpoint: null,
      startedAt: clock, lastTransitionAt: clock, observedGeneration: 1, reconciledGeneration: 1, observedRestartGeneration: 0, troubleSince: null,
      createdAt: clock, createdBy: 'test', updatedAt: clock, destroyedAt: null,
    };
    await db().getRepository(InstanceEntity).insert(claw);
    await db().getRepository(ChatBindingEntity).insert({ id: newId(), platform: 'feishu', orgId: 'org', chatId: 'oc_bound', tenantId: tenant.id, projectId: project.id, createdAt: clock, createdBy: 'test' });
    await db().getRepository(ChatBindingEntity).insert({ id: newId(), platform: 'feishu', orgId: 'org', chatId: 'oc_other', tenantId: tenant.id, projectId: newId(), createdAt: clock, createdBy: 'test' });
    engine = new AlertsEngine({ db: db(), rules: loadAlertRules(), timing, logger: { debug() {}, info() {}, warn() {}, error() {} }, now: () => clock });
    engine.notifier = { opened: async (card, to) => void posted.push({ card, to }), changed: async (card) => void changed.push(card) };
    await engine.setAlertChat(tenant, { platform: 'feishu', orgId: 'org', chatId: 'oc_alerts' }, 'test');
  });
  afterAll(async () => {
    await store?.close();
    await testDb?.drop();
  });

  it('a Failed claw is posted after the grouping window to its bound chat and the alert chat, and a steady state writes nothing', async () => {
    await setClaw({ phase: 'Failed', ready: false, reason: 'Error', message: 'exit code 3', lastTransitionAt: clock });
    expect(await engine.evaluate()).toEqual({ raised: 1, resolved: 0, notified: 0, updated: 0 });
    tick(10_000);
    expect((await engine.evaluate()).notified).toBe(0);
    tick(25_000);
    expect(await engine.evaluate()).toEqual({ raised: 0, resolved: 0, notified: 1, updated: 0 });
    expect(posted).toHaveLength(1);
    expect(posted[0]!.to.map((g) => g.chatId).sort()).toEqual(['oc_alerts', 'oc_bound']);
    expect(posted[0]!.card.alert).toMatchObject({ rule: 'instance-failed', severity: 'critical', state: 'firing', labels: { tenant: 'acme', project: 'sales', instance: 'demo' } });
    const row = await db().getRepository(AlertEntity).findOneByOrFail({ rule: 'instance-failed' });
    tick(60_000);
    expect(await engine.evaluate()).toEqual({ raised: 0, resolved: 0, notified: 0, updated: 0 });
    expect(await db().getRepository(AlertEntity).findOneByOrFail({ id: row.id })).toEqual(row);
  });

  it('a flapping claw keeps its one alert; it resolves only after the resolve delay, updating the card', async () => {
    await setClaw({ phase: 'Running', ready: true, reason: null, message: null });
    tick(60_000);
    await engine.evaluate();
    await setClaw({ phase: 'Failed', ready: false, reason: 'Error' });
    tick(30_000);
    await engine.evaluate();
    expect(await db().getRepository(AlertEntity).countBy({ rule: 'instance-failed' })).toBe(1);
    expect((await db().getRepository(AlertEntity).findOneByOrFail({ rule: 'instance-failed' })).clearedAt).toBeNull();
    await setClaw({ phase: 'Running', ready: true, reason: null });
    tick(1000);
    expect((await engine.evaluate()).resolved).toBe(0);
    tick(120_000);
    expect((await engine.evaluate()).resolved).toBe(1);
    expect(changed.at(-1)!.alert).toMatchObject({ rule: 'instance-failed', state: 'resolved' });
    expect(posted).toHaveLength(1);
  });

  it('repeats update the card until someone acknowledges it', async () => {
    changed.length = 0;
    await setClaw({ phase: 'Failed', ready: false, reason: 'Error' });
    await engine.evaluate();
    tick(31_000);
    await engine.evaluate();
    expect(posted).toHaveLength(2);
    tick(3_600_000);
    expect((await engine.evaluate()).updated).toBe(1);
    expect(changed.at(-1)!.alert.repeats).toBe(1);
    await engine.ack(changed.at(-1)!.alert.id, 'olga');
    tick(3_600_000);
    expect((await engine.evaluate()).updated).toBe(0);
    expect(changed.at(-1)!.alert).toMatchObject({ state: 'acknowledged', ackedBy: 'olga', repeats: 1 });
  });

  it('an alert that starts under a silence is stored silenced and posted only once the silence is expired', async () => {
    const tenant = await tenancy.getTenant('acme');
    const { silence } = await engine.addSilence({ tenantId: tenant.id, matchers: { alertname: 'not-ready' }, durationMs: 3_600_000, reason: 'maintenance', createdBy: 'olga' });
    await setClaw({ phase: 'Running', ready: false, reason: 'Unhealthy', troubleSince: new Date(clock.getTime() - 600_000) });
    await engine.evaluate();
    tick(31_000);
    await engine.evaluate();
    const notReady = await db().getRepository(AlertEntity).findOneByOrFail({ rule: 'not-ready' });
    expect(notReady).toMatchObject({ state: 'silenced', silenceId: silence.id, notifiedAt: null });
    const before = posted.length;
    await engine.expireSilence(silence.id, 'olga');
    expect(posted).toHaveLength(before + 1);
    expect(posted.at(-1)!.card.alert).toMatchObject({ rule: 'not-ready', state: 'firing', severity: 'warning' });
  });

  it('routes by severity: info reaches only the alert chat; the digest figures count what was raised', async () => {
    const tenant = await tenancy.getTenant('acme');
    expect((await engine.destinations({ tenantId: tenant.id, projectId: null, severity: 'info' })).map((g) => g.chatId)).toEqual(['oc_alerts']);
    expect((await engine.destinations({ tenantId: tenant.id, projectId: null, severity: 'warning' })).map((g) => g.chatId).sort()).toEqual(['oc_alerts', 'oc_bound', 'oc_other']);
    const figures = await engine.inPeriod({ tenantId: tenant.id, since: new Date('2026-11-21T00:00:00Z') });
    expect(figures).toEqual({ raised: 3, firing: 2, bySeverity: { critical: 2, warning: 1 } });
    expect(await engine.firingCounts()).toEqual(expect.arrayContaining([{ severity: 'warning', n: 1 }]));
  });
});
