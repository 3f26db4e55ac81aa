// An OOMKilled claw on the real test cluster (the fake kubelet kills its container for its memory limit) raises one
// oom-killed card in its bound Feishu group: not a second one for the crash loop or the Failed phase it causes.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { AlertEntity } from '../../src/store/entities/alert.js';
import { randomToken } from '../../src/util/ids.js';
import { KubeletControl } from '../cluster/kubelet-control.js';
import { k8sSettings } from '../support/k8s-settings.js';
import { eventually, feishuButton, feishuReply, feishuText, startChatHarness, type ChatHarness } from './chat-harness.js';

const kubelet = new KubeletControl(inject('kubeletControlUrl'));
const tenant = `al${randomToken(6).toLowerCase()}`;
const group = `oc_${randomToken(16).toLowerCase()}`;
const boss = { openId: 'ou_oomboss000000001', name: 'Boss' };
let h: ChatHarness;
const emu = () => h.feishu!;
const cards = (text: string) => emu().messages.filter((m) => m.kind === 'create' && m.chatId === group && feishuText(m).includes(text));

beforeAll(async () => {
  h = await startChatHarness({
    feishu: {}, locale: 'en',
    settings: { ...k8sSettings(inject('kubeconfigPath')), alerts: { intervalMs: 250, groupWaitMs: 1000, repeatIntervalMs: 3_600_000, resolveDelayMs: 1000, alertmanagerToken: undefined } },
  });
  emu().addUser(boss);
  await h.admin(`claw tenant create ${tenant}`);
  await h.admin(`claw project create web --tenant ${tenant}`);
  await h.admin(`claw member add boss --tenant ${tenant} --role tenant-admin --feishu ${boss.openId}`);
  const ack = await emu().pushMessage({ chatId: group, chatType: 'group', sender: boss, text: `claw bind --tenant ${tenant} --project web` });
  expect(feishuText(await feishuReply(emu(), ack.messageId!))).toContain(tenant);
});
afterAll(async () => {
  await kubelet.clearFaults({ namespace: `claw-${tenant}` }).catch(() => undefined);
  await h?.admin(`claw destroy --all --tenant ${tenant} --wait`).catch(() => undefined);
  await h?.close();
});

it('an OOMKilled pod raises one oom-killed card with its cause, recent events and buttons', async () => {
  await kubelet.addFault({ namespace: `claw-${tenant}`, selector: { 'clusterclaw.io/instance': 'hungry' }, fault: 'oom' });
  await h.admin(`claw create hungry --tenant ${tenant} --project web --memory 256Mi`);
  const card = await eventually(() => cards('hungry')[0], 60_000, 'an oom-killed card');
  const text = feishuText(card);
  expect(text).toContain('oom-killed');
  expect(text).toContain('hungry was killed for exceeding its memory limit (256Mi)');
  expect(text).toContain('OOMKilled');
  expect(feishuButton(card, 'Restart').command).toBe(`claw restart hungry --tenant ${tenant} --project web`);
  await h.t.plane.engines.alerts.evaluate();
  const rows = await h.t.plane.store.dataSource.getRepository(AlertEntity).findBy({ tenantId: (await h.t.plane.engines.tenancy.getTenant(tenant)).id });
  expect(rows.map((a) => a.rule)).toEqual(['oom-killed']);
  expect(cards('hungry')).toHaveLength(1);
}, 120_000);
