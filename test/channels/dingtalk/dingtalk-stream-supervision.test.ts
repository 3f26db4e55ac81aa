// Stream supervision with the real SDK: per-client subscriptions, handshake refusals, status, acks across reconnects.
import { describe, expect, it } from 'vitest';
import { RecordingHandlers, alice, sleep, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();

const OWN_TOPICS = [
  { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
  { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
];

describe('DingTalk stream supervision', () => {
  it('two channels in one process, each with its own DingTalk app, subscribe and receive only their own', async () => {
    const emuA = await h.emulator();
    const emuB = await h.emulator();
    const a = h.channel(emuA).channel;
    const b = h.channel(emuB).channel;
    const inA = new RecordingHandlers();
    const inB = new RecordingHandlers();
    await h.start(a, inA);
    await h.start(b, inB);
    await emuA.waitForConnections(1);
    await emuB.waitForConnections(1);
    for (const emu of [emuA, emuB]) {
      expect(emu.gatewayRequests.map((r) => r.subscriptions)).toEqual([OWN_TOPICS]);
      expect(emu.connectionSubscriptions).toEqual([OWN_TOPICS]);
      expect(emu.gatewayRequests[0]?.clientId).toBe(emu.clientId);
    }
    await emuA.pushRobotMessage({ conversationId: 'cidA', conversationType: '2', sender: alice, text: 'for A' });
    await emuB.pushRobotMessage({ conversationId: 'cidB', conversationType: '2', sender: alice, text: 'for B' });
    expect(inA.messages.map((m) => m.chat.chatId)).toEqual(['cidA']);
    expect(inB.messages.map((m) => m.chat.chatId)).toEqual(['cidB']);
    // An EVENT nobody subscribed is not routed to either channel.
    await expect(emuA.push('EVENT', 'chat_update_title', {})).rejects.toThrow(/no open connection/);
  });

  it('after two refused handshakes there is exactly one live connection, and it receives', async () => {
    const emu = await h.emulator();
    emu.failHandshake(2);
    const { channel } = h.channel(emu, { reconnect: { initialMs: 50, maxMs: 200 } });
    const handlers = new RecordingHandlers();
    await h.start(channel, handlers);
    await emu.waitForConnections(1, 5_000);
    // Time for a second retry loop (the SDK's own would fire after 1 s) to open a second socket.
    await sleep(1_300);
    expect(emu.connectionAttempts).toBe(3);
    expect(emu.connectionsOpened).toBe(1);
    expect(emu.connections).toBe(1);
    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
    expect(ack.acked).toBe(true);
    expect(handlers.messages).toHaveLength(1);
  });

  it('status() follows the connection: connected with a detail, false while the gateway migrates it, true again after', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    expect(channel.status()).toMatchObject({ platform: 'dingtalk', mode: 'stream', connected: false, detail: 'not started' });
    await h.start(channel);
    await emu.waitForConnections(1);
    expect(channel.status()).toMatchObject({ connected: true, detail: 'connected' });
    const since = channel.status().since!;
    emu.sendDisconnect(400);
    await emu.waitFor(() => !channel.status().connected, 2_000, 'disconnect noticed');
    expect(channel.status().detail).toBe('gateway asked to reconnect');
    await emu.waitFor(() => emu.connectionsOpened === 2 && channel.status().connected, 5_000, 'reconnected');
    expect(channel.status().since!.getTime()).toBeGreaterThan(since.getTime());
  });

  it('a wrong client secret keeps retrying with backoff, says why in status(), and never logs the secret', async () => {
    const emu = await h.emulator();
    const wrongSecret = 'wrong-secret-0123456789abcdef';
    const { channel, logger } = h.channel(emu, { clientSecret: wrongSecret, reconnect: { initialMs: 50, maxMs: 100 } });
    await h.start(channel);
    expect(channel.status()).toMatchObject({ connected: false });
    expect(channel.status().detail).toMatch(/gateway answered HTTP 401 InvalidAuthentication; retrying in \d+ ms/);
    await emu.waitFor(() => emu.gatewayRequests.length >= 3, 3_000, 'retries');
    expect(emu.connectionAttempts).toBe(0);
    // With backoff: each retry waits at least half its delay (equal jitter on 50 ms, then 100 ms), never back to back.
    const at = emu.gatewayRequests.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(25 - 5);
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(50 - 5);
    const printed = JSON.stringify([logger.lines, ...Object.values(h.console).map((s) => s.mock.calls)]);
    expect(printed).not.toContain(wrongSecret);
  });

  it('a connection dropped while a handler runs: the process survives, the ack still goes out, a redelivery keeps the eventId', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    const handlers = new RecordingHandlers();
    await h.start(channel, handlers);
    await emu.waitForConnections(1);
    handlers.delayMs = 300;
    const pushed = emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status', msgId: 'msgDrop' });
    await emu.waitFor(() => handlers.messages.length === 1, 1_000, 'handler running');
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionsOpened === 2 && channel.status().connected, 3_000, 'reconnected');
    // Acked (by messageId) once the handler finished, over the connection there is now.
    expect((await pushed).acked).toBe(true);
    handlers.delayMs = 0;
    const again = await emu.redeliver((await pushed).messageId);
    expect(again.acked).toBe(true);
    expect(handlers.messages.map((m) => m.eventId)).toEqual(['msgDrop', 'msgDrop']);
    expect(emu.connections).toBe(1);
  });
});
