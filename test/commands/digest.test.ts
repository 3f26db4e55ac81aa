// claw digest subscribe | list | unsubscribe | preview over the API: where a digest may go (a group, never nowhere),
// clear errors for a mistyped schedule, tenants kept apart, and the digest's figures (claws run as stand-ins).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageStore } from '../../src/engines/usage/usage-store.js';
import type { Principal } from '../../src/model/principal.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from './fixture.js';

const GROUP = 'oc_digestgroup0000001';
const OTHER = 'oc_digestother0000001';

describe('claw digest', () => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter] });
  let lily: Principal;
  let vera: Principal;
  let olaf: Principal;

  beforeAll(async () => {
    await c.must('claw tenant create acme');
    await c.must('claw project create sales --tenant acme');
    await c.must('claw project create support --tenant acme');
    await c.must('claw tenant create other');
    lily = await c.member('lily', 'acme', 'tenant-admin');
    vera = await c.member('vera', 'acme', 'viewer');
    olaf = await c.member('olaf', 'other', 'tenant-admin');
    const { tenancy } = c.t.plane.engines;
    // `claw bind` typed in each group (tested with the chat channels) leaves these rows.
    await tenancy.bindChat({ platform: 'feishu', orgId: 'tenant-key', chatId: GROUP, tenant: await tenancy.getTenant('acme'), project: null, createdBy: 'lily' });
    await tenancy.bindChat({ platform: 'feishu', orgId: 'tenant-key', chatId: OTHER, tenant: await tenancy.getTenant('other'), project: null, createdBy: 'olaf' });
  });
  afterAll(async () => {
    await c.run('claw tenant policy acme --approvals 0');
    await c.run('claw destroy --all --tenant acme --wait');
  });

  it('needs a group: from the API without --chat, or naming a group not bound to the tenant, it says how to name one', async () => {
    const none = await c.run('claw digest subscribe', lily);
    expect(none.code).toBe('invalid_argument');
    expect(none.message).toBe(`A digest needs a group to go to: type \`claw digest subscribe\` in a Feishu or DingTalk group, or name a group bound to tenant acme with --chat PLATFORM:CHAT_ID (bound: feishu:${GROUP}).`);
    const foreign = await c.run(`claw digest subscribe --chat feishu:${OTHER}`, lily);
    expect(foreign.message).toContain('name a group bound to tenant acme');
    expect((await c.run('claw digest subscribe --chat oc_nocolon', lily)).message).toContain('"oc_nocolon" is not PLATFORM:CHAT_ID');
  });

  it('refuses a mistyped schedule or zone with the field at fault', async () => {
    const minute = await c.run(`claw digest subscribe --chat feishu:${GROUP} --cron "61 9 * * 1"`, lily);
    expect(minute.message).toContain('Invalid --cron: "61" is not a valid minute in "61 9 * * 1"; expected five fields "minute hour day-of-month month day-of-week"');
    const zone = await c.run(`claw digest subscribe --chat feishu:${GROUP} --tz Asia/Shanghi`, lily);
    expect(zone.message).toBe('Invalid --tz: "Asia/Shanghi" is not a time zone; use an IANA name such as Asia/Shanghai or UTC');
    const flood = await c.run(`claw digest subscribe --chat feishu:${GROUP} --cron "* * * * * *"`, lily);
    expect(flood.message).toContain('less than 60s apart');
    const zh = await c.t.run(lily, `claw digest subscribe --chat feishu:${GROUP} --cron "0 25 * * *"`, 'zh');
    expect(zh.ok).toBe(false);
    if (!zh.ok) expect(zh.error.messageIn('zh')).toContain('"0 25 * * *" 中的小时 "25" 无效');
  });

  it('subscribes a bound group on Mondays 09:00 Shanghai by default; subscribing again changes the schedule, not the count', async () => {
    const r = await c.must(`claw digest subscribe --chat feishu:${GROUP}`, lily);
    expect(r.result.created).toBe(true);
    const sub = r.result.subscription;
    expect(sub).toMatchObject({ tenant: 'acme', project: null, chat: `feishu:${GROUP}`, cron: '0 9 * * 1', timeZone: 'Asia/Shanghai', locale: 'zh' });
    expect(sub.nextRuns).toHaveLength(2);
    for (const next of sub.nextRuns as string[]) expect(next).toMatch(/^\d{4}-\d{2}-\d{2} 09:00$/);
    expect(r.text).toContain(`claw digest unsubscribe ${sub.id}`);

    const again = await c.must(`claw digest subscribe --chat feishu:${GROUP} --cron "30 18 * * 5" --tz UTC --locale en`, lily);
    expect(again.result).toMatchObject({ created: false, subscription: { id: sub.id, cron: '30 18 * * 5', timeZone: 'UTC', locale: 'en' } });
    const project = await c.must(`claw digest subscribe --chat feishu:${GROUP} --project sales`, lily);
    expect(project.result.subscription).toMatchObject({ project: 'sales' });
    expect(project.result.subscription.id).not.toBe(sub.id);

    const list = await c.must('claw digest list', vera);
    expect(list.result.subscriptions.map((s: { scope: string }) => s.scope)).toEqual(['acme', 'acme/sales']);
    expect(list.text).toContain('30 18 * * 5 (UTC)');
    // A viewer reads subscriptions but does not change them; another tenant sees none of them.
    expect((await c.run(`claw digest subscribe --chat feishu:${GROUP}`, vera)).code).toBe('forbidden');
    expect((await c.must('claw digest list', olaf)).result.subscriptions).toEqual([]);
    expect((await c.run(`claw digest unsubscribe ${sub.id}`, olaf)).message).toBe(`Digest subscription \`#${sub.id}\` not found.`);

    const gone = await c.must(`claw digest unsubscribe ${project.result.subscription.id}`, lily);
    expect(gone.text).toContain(`feishu:${GROUP} gets no more digests`);
    expect((await c.must('claw digest list')).result.subscriptions).toHaveLength(1);
  });

  it('previews the digest: claws by phase, tokens and cost by project against the previous period, busiest claws', async () => {
    await c.must('claw tenant policy acme --approvals 0');
    await c.must('claw create alpha --tenant acme --project sales --wait --timeout 60s');
    await c.must('claw create beta --tenant acme --project support --wait --timeout 60s');
    const rows = await c.t.plane.store.dataSource.getRepository(InstanceEntity).find();
    const byName = (name: string) => rows.find((i) => i.name === name && i.phase === 'Running')!;
    const store = new UsageStore(c.t.plane.store.dataSource);
    const today = new Date().toISOString().slice(0, 10);
    const day = (model: string, input: number, output: number, cost: number) => ({
      date: today, model, inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: input + output, cost,
    });
    const keys = (i: InstanceEntityRow) => ({ id: i.id, tenantId: i.tenantId, projectId: i.projectId });
    await store.recordTokens(keys(byName('alpha')), { days: [day('qwen3-72b', 1_000, 500, 1.25)], complete: true }, new Date());
    // beta reports no cost: the price table's estimate (2 and 8 CNY per million in and out: 0.2 + 0.4) is marked as one.
    await store.recordTokens(keys(byName('beta')), { days: [day('qwen3-32b', 100_000, 50_000, 0)], complete: true }, new Date());

    const r = await c.must('claw digest preview --tenant acme --period 1d --tz UTC', lily);
    const d = r.result.digest;
    expect(d.instances).toMatchObject({ total: 2, running: 2, ready: 2, byPhase: { Running: 2 }, failed: [] });
    expect(d.tokens.current).toMatchObject({ totalTokens: 151_500, inputTokens: 101_000, outputTokens: 50_500, estimated: true, currency: 'CNY' });
    expect(d.tokens.current.cost).toBeCloseTo(1.25 + 0.2 + 0.4, 6);
    expect(d.tokens.previous.totalTokens).toBe(0);
    expect(d.tokens.breakdown).toMatchObject({ by: 'project', lines: [{ label: 'support', tokens: 150_000, previousTokens: 0 }, { label: 'sales', tokens: 1_500 }] });
    expect(d.tokens.topClaws.map((l: { label: string }) => l.label)).toEqual(['support/beta', 'sales/alpha']);
    expect(d.tokens.movers[0]).toMatchObject({ label: 'support/beta', tokens: 150_000, previousTokens: 0 });
    expect(d.alerts).toMatchObject({ raised: 0, firing: 0 });
    expect(d.restarts).toMatchObject({ total: 0, inPeriod: false });

    expect(r.text).toContain('Usage digest · acme');
    expect(r.text).toContain('This period: 151.5K tokens (input 101K, output 50.5K, cache 0), cost ≈¥1.85');
    expect(r.text).toContain('Previous period: 0 tokens, cost ¥0.00; change new');
    expect(r.text).toMatch(/Tokens by project\n\s+support {2}█{16} 150K \(previous 0\)\n\s+sales {4}█ 1\.5K \(previous 0\)/);
    expect(r.text).toContain('Busiest claws:\n  support/beta 150K (≈¥0.60)\n  sales/alpha 1.5K (¥1.25)');
    expect(r.text).toContain('≈ marks costs estimated from configs/prices.yaml');

    const zh = await c.t.run(lily, 'claw digest preview --tenant acme --project sales --period 1d --tz UTC', 'zh');
    expect(zh.ok).toBe(true);
    if (zh.ok) {
      expect(zh.result).toMatchObject({ digest: { project: 'sales', tokens: { breakdown: { by: 'instance', lines: [{ label: 'alpha', tokens: 1_500 }] } } } });
    }
    const en = await c.t.run(lily, 'claw digest preview --tenant acme --locale en', 'zh');
    expect(en.ok && JSON.stringify(en.view)).toContain('Usage digest · acme');
  }, 120_000);
});

type InstanceEntityRow = { id: string; tenantId: string; projectId: string };
