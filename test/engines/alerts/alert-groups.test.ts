// Grouping (routing.groupBy) on SQLite and MariaDB, with the engine's own clock and a recording notifier in place of the
// chat side (test/e2e/alerts.test.ts runs it in chat): claws failing together raise one card listing them, a claw that
// fails later joins that card, a member resolving or acknowledged redraws it, reminders come once per card, and the
// card resolves when every member has. Claw rows are written as the reconciler writes them; no claw runs here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsEngine, type AlertCardData, type AlertTiming } from '../../../src/engines/alerts/alerts-engine.js';
import { loadAlertRules } from '../../../src/engines/alerts/alert-rules.js';
import { parseAlertmanagerPayload } from '../../../src/engines/alerts/alertmanager-payload.js';
import { TenancyEngine } from '../../../src/engines/tenancy/tenancy-engine.js';
import type { ChatGroup } from '../../../src/model/chat-origin.js';
import { alertView, GROUP_CARD_MEMBERS } from '../../../src/render/alert-views.js';
import { renderText } from '../../../src/render/text.js';
import { openStore, type Store } from '../../../src/store/data-source.js';
import { AlertEntity, type Alert } from '../../../src/store/entities/alert.js';
import { ChatBindingEntity } from '../../../src/store/entities/chat-binding.js';
import { InstanceEntity, type Instance } from '../../../src/store/entities/instance.js';
import type { Project } from '../../../src/store/entities/project.js';
import type { Tenant } from '../../../src/store/entities/tenant.js';
import { newId } from '../../../src/util/ids.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases.js';

const timing: AlertTiming = { intervalMs: 60_000, groupWaitMs: 30_000, repeatIntervalMs: 3_600_000, resolveDelayMs: 120_000 };
const text = (card: AlertCardData, locale: 'en' | 'zh' = 'en') => renderText(alertView(card, locale));
const commands = (card: AlertCardData) => (alertView(card, 'en').actions ?? []).map((a) => a.command);

describe.each(databaseKinds())('alert groups on %s', (database) => {
  let testDb: TestDatabase;
  let store: Store;
  let clock = new Date('2026-11-21T10:00:00Z');
  const tick = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  const posted: Array<{ card: AlertCardData; to: ChatGroup[] }> = [];
  const changed: AlertCardData[] = [];
  let engine: AlertsEngine;
  let acme: Tenant;
  let sales: Project;
  let support: Project;
  const claws = new Map<string, Instance>();
  const db = () => store.dataSource;

  async function claw(name: string, project: Project, tenant = acme): Promise<void> {
    const row: Instance = {
      id: newId(), tenantId: tenant.id, projectId: project.id, name, nameKey: `${project.id}/${name}`, type: 'openclaw', version: '1', template: 'default',
      configVersion: 1, valuesVersion: 1, labels: {}, cpu: '500m', memory: '2Gi', storage: '1Gi', desiredPhase: 'Running', generation: 1, restartGeneration: 0,
      stopForce: false, keepData: false, gatewayToken: 'x', phase: 'Running', ready: true, restarts: 0, reason: null, message: null, node: null, endpoint: null,
      startedAt: clock, lastTransitionAt: clock, observedGeneration: 1, reconciledGeneration: 1, observedRestartGeneration: 0, troubleSince: null,
      createdAt: clock, createdBy: 'test', updatedAt: clock, destroyedAt: null,
    };
    await db().getRepository(InstanceEntity).insert(row);
    claws.set(name, row);
  }
  const fail = (...names: string[]) => Promise.all(names.map((n) => db().getRepository(InstanceEntity).update({ id: claws.get(n)!.id }, { phase: 'Failed', ready: false, reason: 'Error', lastTransitionAt: clock })));
  const heal = (...names: string[]) => Promise.all(names.map((n) => db().getRepository(InstanceEntity).update({ id: claws.get(n)!.id }, { phase: 'Running', ready: true, reason: null })));
  const rows = (): Promise<Alert[]> => db().getRepository(AlertEntity).find({ where: { rule: 'instance-failed' }, order: { id: 'ASC' } });

  beforeAll(async () => {
    testDb = await createTestDatabase(database);
    store = await openStore(testDb.settings);
    const tenancy = new TenancyEngine(store.dataSource);
    acme = await tenancy.createTenant({ name: 'acme', createdBy: 'test' });
    sales = await tenancy.createProject({ tenant: acme, name: 'sales', createdBy: 'test' });
    support = await tenancy.createProject({ tenant: acme, name: 'support', createdBy: 'test' });
    const zeta = await tenancy.createTenant({ name: 'zeta', createdBy: 'test' });
    const ops = await tenancy.createProject({ tenant: zeta, name: 'ops', createdBy: 'test' });
    for (const name of ['a1', 'a2', 'a3']) await claw(name, sales);
    await claw('s1', support);
    await claw('z1', ops, zeta);
    await db().getRepository(ChatBindingEntity).insert({ id: newId(), platform: 'feishu', orgId: 'org', chatId: 'oc_sales', tenantId: acme.id, projectId: sales.id, createdAt: clock, createdBy: 'test' });
    await db().getRepository(ChatBindingEntity).insert({ id: newId(), platform: 'feishu', orgId: 'org', chatId: 'oc_support', tenantId: acme.id, projectId: support.id, createdAt: clock, createdBy: 'test' });
    await db().getRepository(ChatBindingEntity).insert({ id: newId(), platform: 'feishu', orgId: 'org', chatId: 'oc_zeta', tenantId: zeta.id, projectId: ops.id, createdAt: clock, createdBy: 'test' });
    // Grouped across projects here ([rule, tenant]), so that a late joiner from another project shows how a card spreads.
    const shipped = loadAlertRules();
    const rules = { ...shipped, routing: { ...shipped.routing, groupBy: ['rule' as const, 'tenant' as const] } };
    engine = new AlertsEngine({ db: db(), rules, timing, logger: { debug() {}, info() {}, warn() {}, error() {} }, now: () => clock });
    engine.notifier = { opened: async (card, to) => void posted.push({ card, to }), changed: async (card) => void changed.push(card) };
  });
  afterAll(async () => {
    await store?.close();
    await testDb?.drop();
  });

  it('claws failing together in one tenant raise one card listing them; one alone elsewhere keeps a card of its own', async () => {
    await fail('a1', 'a2', 'a3', 'z1');
    expect((await engine.evaluate()).raised).toBe(4);
    tick(31_000);
    expect(await engine.evaluate()).toEqual({ raised: 0, resolved: 0, notified: 2, updated: 0 });
    expect(posted).toHaveLength(2);
    const group = posted.find((p) => p.card.group)!;
    expect(group.to.map((g) => g.chatId)).toEqual(['oc_sales']);
    expect(group.card.group!.members.map((m) => m.labels.instance).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(group.card.group).toMatchObject({ state: 'firing', severity: 'critical', labels: [{ label: 'rule', value: 'instance-failed' }, { label: 'tenant', value: 'acme' }] });
    const en = text(group.card);
    expect(en).toContain('Critical: instance-failed: 3 claws in acme');
    for (const name of ['a1', 'a2', 'a3']) expect(en).toMatch(new RegExp(`#\\d+ sales/${name} · firing · since 2026-11-21 10:00 UTC`));
    expect(text(group.card, 'zh')).toContain('instance-failed：acme 中 3 个实例');
    const ids = group.card.group!.members.map((m) => m.id);
    expect(commands(group.card)).toEqual([
      `claw alert ack ${ids.join(' ')}`,
      'claw silence add --match alertname=instance-failed --match tenant=acme --for 1h --tenant acme',
      'claw alerts --rule instance-failed --tenant acme',
    ]);
    const single = posted.find((p) => !p.card.group)!;
    expect(single.card.alert.labels.instance).toBe('z1');
    expect(single.to.map((g) => g.chatId)).toEqual(['oc_zeta']);
    expect(commands(single.card).some((c) => c.startsWith('claw restart z1'))).toBe(true);
    // Every member names the first alert as the card it is on.
    expect((await rows()).filter((a) => a.labels.tenant === 'acme').map((a) => a.groupLeaderId)).toEqual([ids[0], ids[0], ids[0]]);
  });

  it('a claw failing later joins the open card: updated in place, posted only to the chat it adds', async () => {
    await fail('s1');
    await engine.evaluate();
    tick(31_000);
    expect(await engine.evaluate()).toMatchObject({ notified: 0, updated: 1 });
    // The card goes to the support chat, which it was not in; the sales chat's card is updated.
    expect(posted).toHaveLength(3);
    expect(posted[2]!.to.map((g) => g.chatId)).toEqual(['oc_support']);
    expect(posted[2]!.card.group!.members).toHaveLength(4);
    // The newcomer is listed last: members in the order they came.
    expect(changed.at(-1)!.group!.members.map((m) => m.labels.instance).at(-1)).toBe('s1');
    expect(text(changed.at(-1)!)).toContain('instance-failed: 4 claws in acme');
    expect(text(changed.at(-1)!)).toContain('support/s1 · firing');
  });

  it('a member resolving updates the card, which still fires for the others', async () => {
    changed.length = 0;
    await heal('a2');
    tick(1_000);
    await engine.evaluate();
    tick(121_000);
    expect(await engine.evaluate()).toMatchObject({ resolved: 1, updated: 1 });
    expect(changed).toHaveLength(1);
    const card = changed[0]!;
    expect(card.group!.state).toBe('firing');
    expect(text(card)).toMatch(/sales\/a2 · resolved/);
    expect(text(card)).toContain('3 firing, 1 resolved');
    // Ack all names only the members still firing.
    expect(commands(card)[0]).toBe(`claw alert ack ${card.group!.members.filter((m) => m.labels.instance !== 'a2').map((m) => m.id).join(' ')}`);
  });

  it('reminders come once per card, not once per member', async () => {
    changed.length = 0;
    tick(3_600_000);
    expect((await engine.evaluate()).updated).toBe(2);
    expect(changed.map((c) => (c.group ? 'group' : c.alert.labels.instance)).sort()).toEqual(['group', 'z1']);
    const group = changed.find((c) => c.group)!;
    expect(group.alert.repeats).toBe(1);
    expect(text(group)).toContain('reminder 1');
    expect((await rows()).filter((a) => a.labels.tenant === 'acme').map((a) => a.repeats)).toEqual([1, 0, 0, 0]);
  });

  it('Ack all acknowledges every open member and redraws the card once; no more reminders', async () => {
    changed.length = 0;
    const leaderId = posted[0]!.card.group ? posted[0]!.card.alert.id : posted[1]!.card.alert.id;
    const open = (await rows()).filter((a) => a.groupLeaderId === leaderId && a.state === 'firing').map((a) => a.id);
    const acked = await engine.ackAll(open, 'olga');
    expect(acked.map((a) => a.state)).toEqual(['acknowledged', 'acknowledged', 'acknowledged']);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.group!.state).toBe('acknowledged');
    expect(text(changed[0]!)).toContain('3 acknowledged, 1 resolved');
    expect(commands(changed[0]!).some((c) => c.startsWith('claw alert ack'))).toBe(false);
    tick(3_600_000);
    changed.length = 0;
    await engine.evaluate();
    expect(changed.filter((c) => c.group)).toHaveLength(0);
  });

  it('Silence 1h of the group silences every member and redraws the card once; expiring it brings the card back', async () => {
    changed.length = 0;
    const { silence, matched } = await engine.addSilence({ tenantId: acme.id, matchers: { alertname: 'instance-failed', tenant: 'acme' }, durationMs: 3_600_000, reason: 'deploy', createdBy: 'olga' });
    expect(matched).toHaveLength(3);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.group!.state).toBe('silenced');
    expect(text(changed[0]!)).toContain(`Silenced until`);
    expect(text(changed[0]!)).toContain(`#${silence.id} olga: deploy`);
    expect(commands(changed[0]!)).toEqual(['claw alerts --rule instance-failed --tenant acme']);
    await engine.expireSilence(silence.id, 'olga');
    expect(changed).toHaveLength(2);
    expect(changed[1]!.group!.state).toBe('acknowledged');
  });

  it('with groupBy [rule] alone, alerts of two tenants still get a card each: a card never crosses tenants', async () => {
    const rules = loadAlertRules();
    const wide = new AlertsEngine({ db: db(), rules: { ...rules, routing: { ...rules.routing, groupBy: ['rule'] } }, timing, logger: { debug() {}, info() {}, warn() {}, error() {} }, now: () => clock });
    const seen: AlertCardData[] = [];
    wide.notifier = { opened: async (card) => void seen.push(card), changed: async () => undefined };
    const payload = parseAlertmanagerPayload({
      version: '4',
      alerts: ['acme', 'zeta'].map((tenant) => ({ status: 'firing', labels: { alertname: 'NodeDown', severity: 'critical', tenant }, startsAt: '2026-11-21T09:00:00Z' })),
    });
    await wide.receive(payload);
    expect(seen.map((c) => [c.group, c.alert.labels.tenant])).toEqual([[undefined, 'acme'], [undefined, 'zeta']]);
  });

  it('when every member has resolved the card says resolved and offers nothing; a new failure starts a new card', async () => {
    changed.length = 0;
    await heal('a1', 'a3', 's1');
    tick(1_000);
    await engine.evaluate();
    tick(121_000);
    expect(await engine.evaluate()).toMatchObject({ resolved: 3, updated: 1 });
    expect(changed).toHaveLength(1);
    expect(changed[0]!.group!.state).toBe('resolved');
    expect(alertView(changed[0]!, 'en')).toMatchObject({ tone: 'success', actions: [] });
    expect(text(changed[0]!)).toContain('instance-failed: 4 claws in acme (resolved)');
    await fail('a1');
    await engine.evaluate();
    tick(31_000);
    expect((await engine.evaluate()).notified).toBe(1);
    expect(posted.at(-1)!.card.group).toBeUndefined();
    expect(posted.at(-1)!.card.alert.labels.instance).toBe('a1');
  });

  it('Alertmanager alerts group by the same key (alertname is the rule): one delivery of two is one card, a repeat changes nothing', async () => {
    const before = posted.length;
    const payload = parseAlertmanagerPayload({
      version: '4',
      alerts: ['db1', 'db2'].map((instance) => ({ status: 'firing', labels: { alertname: 'DiskFull', severity: 'warning', tenant: 'acme', project: 'sales', instance }, startsAt: '2026-11-21T09:00:00Z' })),
    });
    expect(await engine.receive(payload)).toMatchObject({ opened: 2 });
    expect(posted).toHaveLength(before + 1);
    expect(text(posted.at(-1)!.card)).toContain('Warning: DiskFull: 2 claws in acme');
    expect(await engine.receive(payload)).toMatchObject({ opened: 0, duplicates: 2 });
    expect(posted).toHaveLength(before + 1);
  });
});

describe('a large group card', () => {
  it(`lists ${GROUP_CARD_MEMBERS} members, then how many more and the command that lists them`, () => {
    const at = new Date('2026-11-21T10:00:00Z');
    const members = Array.from({ length: GROUP_CARD_MEMBERS + 5 }, (_, i) => ({
      id: i + 1, fingerprint: 'f', activeKey: 'f', source: 'rule', rule: 'crash-loop', severity: 'critical', tenantId: 't', projectId: 'p', instanceId: 'i',
      labels: { alertname: 'crash-loop', tenant: 'acme', project: 'sales', instance: `c${i + 1}` }, cause: { en: 'x', zh: 'x' }, details: null,
      state: 'firing', startsAt: at, raisedAt: at, clearedAt: null, resolvedAt: null, ackedBy: null, ackedAt: null, silenceId: null, notifiedAt: at,
      remindedAt: at, repeats: 0, groupLeaderId: 1,
    } satisfies Alert));
    const card: AlertCardData = {
      alert: members[0]!, tenant: 'acme', project: 'sales', instance: null, events: [], silence: null,
      group: { labels: [{ label: 'rule', value: 'crash-loop' }, { label: 'tenant', value: 'acme' }], members, state: 'firing', severity: 'critical' },
    };
    const en = text(card);
    expect(en).toContain('crash-loop: 25 claws in acme');
    expect(en).toContain('sales/c20 · firing');
    expect(en).not.toContain('sales/c21 ');
    expect(en).toContain('+5 more: claw alerts --rule crash-loop --tenant acme');
    expect(text(card, 'zh')).toContain('另有 5 个：claw alerts --rule crash-loop --tenant acme');
  });
});
