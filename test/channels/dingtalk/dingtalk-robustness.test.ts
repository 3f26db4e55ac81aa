// Each test guards against one known dingtalk-stream 2.1.5 fault (see test/emulators/README.md), with the real SDK.
import { DWClient } from 'dingtalk-stream';
import { describe, expect, it } from 'vitest';
import { StreamSupervisor } from '../../../src/channels/dingtalk/stream-supervisor.js';
import type { StreamConnection } from '../../../src/channels/dingtalk/stream-client.js';
import { DT_TOPIC_ROBOT } from '../../emulators/dingtalk-emulator.js';
import { RecordingHandlers, alice, recordingLogger, sleep, useDingTalkHarness } from './dingtalk-fixtures.js';

const h = useDingTalkHarness();

/** Gaps between consecutive gateway requests: one per connection attempt. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('DingTalkChannel against the SDK faults', () => {
  it('reconnect storm: repeated handshake refusals give one attempt at a time, growing delays, then exactly one connection', async () => {
    const emu = await h.emulator();
    emu.failHandshake(3);
    const { channel } = h.channel(emu, { reconnect: { initialMs: 100, maxMs: 2_000 } });
    await h.start(channel);
    await emu.waitForConnections(1, 5_000);
    // Long enough for any second retry loop to show itself with another attempt or socket.
    await sleep(500);
    expect(emu.connectionAttempts).toBe(4);
    expect(emu.gatewayRequests).toHaveLength(4);
    expect(emu.connectionsOpened).toBe(1);
    expect(emu.connections).toBe(1);
    const g = gaps(emu.gatewayRequests.map((r) => r.at));
    // Equal jitter: retry n waits between half and all of 100 ms * 2^(n-1).
    expect(g[0]).toBeGreaterThanOrEqual(50 - 5);
    expect(g[1]).toBeGreaterThanOrEqual(100 - 5);
    expect(g[2]).toBeGreaterThanOrEqual(200 - 5);
    expect(g[2]!).toBeGreaterThan(g[0]!);
    expect(channel.status()).toMatchObject({ connected: true, detail: 'connected' });
  });

  it('reconnect storm: gateway failures (503) are retried by one loop with backoff, and the status says why', async () => {
    const emu = await h.emulator();
    emu.failGateway(3);
    const { channel, logger } = h.channel(emu, { reconnect: { initialMs: 100, maxMs: 2_000 } });
    await h.start(channel);
    // start() resolved after the first, failed attempt: the start-up is not held hostage by DingTalk.
    expect(channel.status().connected).toBe(false);
    expect(channel.status().detail).toMatch(/gateway answered HTTP 503.*retrying in \d+ ms/);
    await emu.waitForConnections(1, 5_000);
    await sleep(300);
    expect(emu.gatewayRequests.map((r) => r.ok)).toEqual([false, false, false, true]);
    expect(emu.connectionAttempts).toBe(1);
    expect(emu.connections).toBe(1);
    const g = gaps(emu.gatewayRequests.map((r) => r.at));
    expect(g[2]!).toBeGreaterThan(g[0]!);
    expect(logger.lines.filter((l) => l.level === 'warn' && l.msg?.includes('reconnecting'))).toHaveLength(3);
  });

  it('disconnect() does not stop a pending reconnect: aborting during the backoff really stops (no attempt afterwards)', async () => {
    const emu = await h.emulator();
    emu.failGateway(1_000);
    const { channel } = h.channel(emu, { reconnect: { initialMs: 200, maxMs: 200 } });
    const { abort } = await h.start(channel);
    await emu.waitFor(() => emu.gatewayRequests.length >= 2, 5_000, 'a retry');
    abort.abort();
    await channel.stopped();
    const seen = emu.gatewayRequests.length;
    await sleep(600);
    expect(emu.gatewayRequests.length).toBe(seen);
    expect(emu.connectionAttempts).toBe(0);
    expect(channel.status()).toMatchObject({ connected: false, detail: 'stopped' });
  });

  it('disconnect() does not stop a pending reconnect: aborting after a drop leaves no socket and no new connection', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu, { reconnect: { initialMs: 300, maxMs: 300 } });
    const { abort } = await h.start(channel);
    await emu.waitForConnections(1);
    emu.dropConnections();
    await emu.waitFor(() => !channel.status().connected, 5_000, 'the drop noticed');
    abort.abort();
    await channel.stopped();
    await sleep(500);
    expect(emu.connectionsOpened).toBe(1);
    expect(emu.connections).toBe(0);
    expect(emu.gatewayRequests).toHaveLength(1);
  });

  it('abort while connected closes the socket and leaves no timer of ours behind', async () => {
    const emu = await h.emulator();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { channel } = h.channel(emu, { keepAlive: true });
    const { abort } = await h.start(channel);
    await emu.waitForConnections(1);
    // A reconnect with keepAlive on: the SDK would leak its heartbeat interval here.
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1, 5_000, 'reconnected');
    abort.abort();
    await channel.stopped();
    await emu.waitFor(() => emu.connections === 0, 2_000, 'socket closed');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
    // The SDK's disconnect() would print "Disconnecting."; the channel stops without it.
    expect(h.console.info.mock.calls.flat()).not.toContain('Disconnecting.');
  });

  it('shared subscriptions: two channels in one process each subscribe only their own topics', async () => {
    // Pollute the SDK's module-level default the way any other plain DWClient in the process would.
    const stranger = new DWClient({ clientId: 'stranger', clientSecret: 'stranger' });
    const shared = stranger.config.subscriptions;
    stranger.registerCallbackListener('/v1.0/graph/api/invoke', () => undefined);
    try {
      const emu = await h.emulator();
      const a = h.channel(emu).channel;
      const b = h.channel(emu).channel;
      await h.start(a);
      await h.start(b);
      await emu.waitForConnections(2);
      const own = [
        { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
        { type: 'CALLBACK', topic: '/v1.0/card/instances/callback' },
      ];
      expect(emu.gatewayRequests.map((r) => r.subscriptions)).toEqual([own, own]);
      expect(emu.connectionSubscriptions).toEqual([own, own]);
      // Neither channel pushed into the shared default either.
      expect(shared).toEqual([{ type: 'EVENT', topic: '*' }, { type: 'CALLBACK', topic: '/v1.0/graph/api/invoke' }]);
    } finally {
      shared.splice(0, shared.length, { type: 'EVENT', topic: '*' });
    }
  });

  it('a throwing listener crashes the process: a handler that throws, one that rejects and a non-JSON frame are all survived', async () => {
    const emu = await h.emulator();
    const { channel, logger } = h.channel(emu);
    const handlers = new RecordingHandlers();
    await h.start(channel, handlers);
    await emu.waitForConnections(1);

    const thrown = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'boom-sync' });
    const rejected = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'boom-async' });
    emu.sendRaw('this is not json');
    // A CALLBACK whose data is not a robot message at all.
    const garbage = await emu.push('CALLBACK', DT_TOPIC_ROBOT, 'not an object');
    const next = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });

    // Acked anyway, so DingTalk does not redeliver a message that fails the same way for a minute.
    expect([thrown.acked, rejected.acked, garbage.acked, next.acked]).toEqual([true, true, true, true]);
    expect(handlers.messages.map((m) => m.text.trim())).toEqual(['boom-sync', 'boom-async', 'claw status']);
    expect(channel.status().connected).toBe(true);
    expect(emu.connectionsOpened).toBe(1);
    const errors = logger.lines.filter((l) => l.level !== 'info').map((l) => l.msg);
    expect(errors).toEqual(expect.arrayContaining(['DingTalk event handler failed', 'dropped an unreadable DingTalk stream frame', 'ignored an unreadable DingTalk robot message']));
  });

  it('a dropped connection is reconnected and keeps receiving', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    const handlers = new RecordingHandlers();
    await h.start(channel, handlers);
    await emu.waitForConnections(1);
    const firstSince = channel.status().since;
    emu.dropConnections();
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1 && channel.status().connected, 5_000, 'reconnected');
    expect(channel.status().since!.getTime()).toBeGreaterThanOrEqual(firstSince!.getTime());
    const ack = await emu.pushRobotMessage({ conversationId: 'cidGroup1', conversationType: '2', sender: alice, text: 'claw status' });
    expect(ack.acked).toBe(true);
    expect(handlers.messages).toHaveLength(1);
  });

  it('SYSTEM disconnect: the socket the gateway then closes is replaced by one new connection', async () => {
    const emu = await h.emulator();
    const { channel } = h.channel(emu);
    await h.start(channel);
    await emu.waitForConnections(1);
    emu.sendDisconnect(50);
    await emu.waitFor(() => emu.connectionsOpened === 2 && emu.connections === 1 && channel.status().connected, 5_000, 'reconnected');
    await sleep(200);
    expect(emu.connections).toBe(1);
  });
});

describe('StreamSupervisor backoff', () => {
  it('doubles from initialMs with equal jitter, capped at maxMs', () => {
    const at = (r: number) => new StreamSupervisor({ connector: { open: () => Promise.reject(new Error('x')), stop: () => Promise.resolve() }, logger: recordingLogger(), initialMs: 1_000, maxMs: 60_000, stableAfterMs: 30_000, random: () => r });
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => at(1).delayFor(n))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
    expect([1, 2, 7].map((n) => at(0).delayFor(n))).toEqual([500, 1_000, 30_000]);
  });

  it('never runs two attempts at once, even when open() is slow', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let opens = 0;
    const connector = {
      async open(): Promise<StreamConnection> {
        opens++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(30);
        inFlight--;
        throw new Error('refused');
      },
      stop: () => Promise.resolve(),
    };
    const supervisor = new StreamSupervisor({ connector, logger: recordingLogger(), initialMs: 5, maxMs: 10, stableAfterMs: 1_000 });
    const abort = new AbortController();
    await supervisor.start(abort.signal);
    await sleep(200);
    abort.abort();
    await supervisor.stopped();
    expect(opens).toBeGreaterThan(2);
    expect(maxInFlight).toBe(1);
  });
});
