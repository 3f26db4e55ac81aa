// FeishuChannel in websocket mode (the default) against the emulator and the real SDK: inbound messages, ack deadlines
// and failing handlers, card clicks and their answers, status, restarts and stop.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createFeishuChannel } from '../../../src/channels/feishu/index.js';
import { buildMessageReceiveEvent, newChatId, newMessageId, newOpenId } from '../../emulators/feishu-protocol.js';
import { cleanupHarnesses, forever, startHarness, waitConnected } from './feishu-channel-kit.js';
import { silentLogger } from '../../../src/util/logger.js';

afterEach(cleanupHarnesses);

const doneCard: RenderedMessage = {
  type: 'interactive',
  content: JSON.stringify({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'approved' }] } }),
  updatable: true,
};

describe('FeishuChannel long connection: inbound messages', () => {
  it('delivers a group @mention as a normalised InboundMessage, with the sender name looked up once', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const alice = h.emu.addUser({ openId: newOpenId(), name: 'Alice' });
    const chatId = newChatId();
    const ack = await h.emu.pushMessage({ chatId, chatType: 'group', sender: { openId: alice.openId }, text: 'claw status' });
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true, messageId: expect.stringMatching(/^om_/) });
    expect(h.received).toEqual([
      {
        platform: 'feishu',
        eventId: ack.eventId,
        messageId: ack.messageId,
        chat: { platform: 'feishu', orgId: h.emu.tenantKey, chatId, chatType: 'group' },
        sender: { userId: alice.openId, name: 'Alice' },
        text: '@_user_1 claw status',
        mentionsBot: true,
        fromBot: false,
        receivedAt: expect.any(Date),
      },
    ]);
    await h.emu.pushMessage({ chatId, chatType: 'group', sender: { openId: alice.openId }, text: 'claw help' });
    expect(h.received[1]?.sender).toEqual({ userId: alice.openId, name: 'Alice' });
    const lookups = h.emu.requests.filter((r) => r.path.startsWith('/open-apis/contact/v3/users/'));
    expect(lookups).toHaveLength(1);
    expect(h.emu.requests.filter((r) => r.path === '/open-apis/bot/v3/info')).toHaveLength(1);
  });

  it('a direct message is chatType direct, addressed to the user, and always mentions the bot', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const bob = newOpenId();
    const chatId = newChatId();
    await h.emu.pushMessage({ chatId, chatType: 'p2p', sender: { openId: bob }, text: 'claw list' });
    expect(h.received[0]).toMatchObject({
      chat: { platform: 'feishu', chatId, chatType: 'direct', userId: bob },
      sender: { userId: bob },
      text: 'claw list',
      mentionsBot: true,
      fromBot: false,
    });
    // Unknown to the directory (code 41050): delivered without a name, not held up.
    expect(h.received[0]?.sender.name).toBeUndefined();
  });

  it('a group message without the bot mention, or mentioning someone else, has mentionsBot false', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const chatId = newChatId();
    const sender = { openId: newOpenId() };
    await h.emu.pushMessage({ chatId, chatType: 'group', sender, text: 'lunch?', mentionBot: false });
    await h.emu.pushMessage({ chatId, chatType: 'group', sender, text: 'claw status', mentionBot: false, mentions: [{ openId: newOpenId(), name: 'Carol' }] });
    expect(h.received.map((m) => [m.text, m.mentionsBot])).toEqual([
      ['lunch?', false],
      ['@_user_1 claw status', false],
    ]);
  });

  it("marks messages from an app, and from the bot's own open_id even with sender_type user, as fromBot", async () => {
    const h = await startHarness();
    await waitConnected(h);
    const chatId = newChatId();
    const fromApp = buildMessageReceiveEvent(h.emu.identity, { chatId, chatType: 'group', sender: { openId: newOpenId() }, text: 'claw stop all' });
    (fromApp.event.sender as { sender_type: string }).sender_type = 'app';
    await h.emu.pushEvent('im.message.receive_v1', fromApp.event);
    // Typed as a user, the bot's own open_id is still the bot (an echo must never run as a command).
    const echo = buildMessageReceiveEvent(h.emu.identity, { chatId, chatType: 'group', sender: { openId: h.emu.botOpenId }, text: 'claw stop all' });
    expect((echo.event.sender as { sender_type: string }).sender_type).toBe('user');
    await h.emu.pushEvent('im.message.receive_v1', echo.event);
    const human = buildMessageReceiveEvent(h.emu.identity, { chatId, chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' });
    await h.emu.pushEvent('im.message.receive_v1', human.event);
    expect(h.received.map((m) => [m.sender.userId === h.emu.botOpenId, m.fromBot])).toEqual([
      [false, true],
      [true, true],
      [false, false],
    ]);
  });

  it('takes the plain text of a post, and acks but ignores messages that carry no command (an image)', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const base = buildMessageReceiveEvent(h.emu.identity, { chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'x' });
    const message = base.event.message as Record<string, unknown>;
    const post = {
      title: 'ops',
      content: [
        [{ tag: 'at', user_id: '@_user_1', user_name: 'Claw Bot' }, { tag: 'text', text: ' claw stop ' }, { tag: 'a', text: 'alice', href: 'https://x' }],
        [{ tag: 'text', text: '--force' }],
      ],
    };
    await h.emu.pushEvent('im.message.receive_v1', { ...base.event, message: { ...message, message_type: 'post', content: JSON.stringify(post) } });
    const image = await h.emu.pushEvent('im.message.receive_v1', {
      ...base.event,
      message: { ...message, message_id: newMessageId(), message_type: 'image', content: JSON.stringify({ image_key: 'img_1' }) },
    });
    expect(image).toMatchObject({ acked: true, code: 200 });
    expect(h.received.map((m) => [m.text, m.mentionsBot])).toEqual([['@_user_1 claw stop alice\n--force', true]]);
  });

  it('a redelivered event reaches onMessage again with the same eventId and messageId (the core dedupes)', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const first = await h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' });
    const again = await h.emu.redeliver(first.eventId);
    expect(again.acked).toBe(true);
    expect(h.received).toHaveLength(2);
    expect(h.received[1]?.eventId).toBe(h.received[0]?.eventId);
    expect(h.received[1]?.messageId).toBe(h.received[0]?.messageId);
  });

  it('acks quickly: the ack follows a 50 ms onMessage within 1 s', async () => {
    const h = await startHarness({ onMessage: () => sleep(50) });
    await waitConnected(h);
    const sender = h.emu.addUser({ openId: newOpenId(), name: 'Dan' });
    const ack = await h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: sender.openId }, text: 'claw status' });
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true });
    expect(ack.latencyMs).toBeGreaterThanOrEqual(45);
    expect(ack.latencyMs).toBeLessThan(1000);
  });

  it("acks within Feishu's 3 s deadline with the default 2 s handler budget even when onMessage never settles", async () => {
    const h = await startHarness({ onMessage: forever });
    await waitConnected(h);
    const ack = await h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' });
    // Acked as delivered (200): the core has the message; a redelivery would only add a duplicate.
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true });
    expect(ack.latencyMs).toBeGreaterThanOrEqual(1900);
    expect(h.received).toHaveLength(1);
    expect(h.logger.lines.some((l) => l.level === 'warn' && l.msg.includes('onMessage is slow'))).toBe(true);
  });

  it('a smaller handlerBudgetMs acks a slow handler sooner, and its failure after the ack is logged, not thrown', async () => {
    let fail!: (e: Error) => void;
    const h = await startHarness({
      emulator: { ackDeadlineMs: 1000 },
      channel: { handlerBudgetMs: 100 },
      onMessage: () => new Promise<void>((_resolve, reject) => (fail = reject)),
    });
    await waitConnected(h);
    const ack = await h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' });
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true });
    expect(ack.latencyMs).toBeLessThan(1000);
    fail(new Error('database went away'));
    await h.emu.waitFor(() => h.logger.lines.some((l) => l.level === 'error' && l.msg.includes('late onMessage failed')) || undefined, 2000, 'late failure logged');
  });

  it('a handler that throws synchronously or rejects gets a 500 ack (Feishu redelivers); the connection keeps working', async () => {
    const h = await startHarness({
      onMessage: (m) => {
        if (m.text.endsWith('throw now')) throw new Error('handler threw');
        if (m.text.endsWith('reject later')) return Promise.reject(new Error('handler rejected'));
        return Promise.resolve();
      },
    });
    await waitConnected(h);
    const chatId = newChatId();
    const threw = await h.emu.pushMessage({ chatId, chatType: 'group', sender: { openId: newOpenId() }, text: 'boom throw now' });
    const rejected = await h.emu.pushMessage({ chatId, chatType: 'group', sender: { openId: newOpenId() }, text: 'boom reject later' });
    expect(threw).toMatchObject({ acked: true, code: 500 });
    expect(rejected).toMatchObject({ acked: true, code: 500 });
    const fine = await h.emu.pushMessage({ chatId, chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' });
    expect(fine).toMatchObject({ acked: true, code: 200 });
    expect(h.received).toHaveLength(3);
    expect(h.emu.connectionsOpened).toBe(1);
    expect(h.channel.status().connected).toBe(true);
    // Both failures are logged (the rejection by the channel, both by the SDK's ack path); the chat text is not.
    expect(h.logger.lines.some((l) => l.level === 'error' && l.msg.includes('refused a Feishu message'))).toBe(true);
    const log = h.logger.text();
    expect(log).toContain('handler threw');
    expect(log).toContain('handler rejected');
    expect(log).not.toMatch(/boom|claw status/);
  });
});

describe('FeishuChannel long connection: card clicks', () => {
  it('hands a click to onCardClick and answers the callback with the returned card', async () => {
    const h = await startHarness({ onCardClick: () => Promise.resolve(doneCard) });
    await waitConnected(h);
    const approver = h.emu.addUser({ openId: newOpenId(), name: 'Erin' });
    const chatId = newChatId();
    const cardMessageId = newMessageId();
    const ack = await h.emu.pushCardAction({ operator: { openId: approver.openId }, value: { action: 'approve', approval: '12' }, openMessageId: cardMessageId, openChatId: chatId });
    expect(ack).toMatchObject({ acked: true, code: 200 });
    expect(h.clicks).toEqual([
      {
        platform: 'feishu',
        eventId: ack.eventId,
        chat: { platform: 'feishu', orgId: h.emu.tenantKey, chatId, chatType: 'group' },
        messageId: cardMessageId,
        user: { userId: approver.openId, name: 'Erin' },
        value: { action: 'approve', approval: '12' },
      },
    ]);
    expect(ack.data).toEqual({ card: { type: 'raw', data: JSON.parse(doneCard.content) } });
    expect(ack.withinDeadline).toBe(true);
  });

  it('a click in a chat seen as a direct chat is addressed to the user; a handler without a card answers nothing', async () => {
    const h = await startHarness();
    await waitConnected(h);
    const user = newOpenId();
    const chatId = newChatId();
    await h.emu.pushMessage({ chatId, chatType: 'p2p', sender: { openId: user }, text: 'claw token create' });
    const ack = await h.emu.pushCardAction({ operator: { openId: user }, value: { action: 'reject' }, openMessageId: newMessageId(), openChatId: chatId });
    expect(h.clicks[0]?.chat).toEqual({ platform: 'feishu', orgId: h.emu.tenantKey, chatId, chatType: 'direct', userId: user });
    expect(ack).toMatchObject({ acked: true, code: 200 });
    expect(ack.data).toBeUndefined();
  });

  it('a rendered button sends its value back verbatim through a click', async () => {
    const h = await startHarness({ onCardClick: () => Promise.resolve(doneCard) });
    await waitConnected(h);
    const [card] = h.channel.render(
      {
        kind: 'message',
        text: 'claw stop alice --force needs one approval',
        tone: 'warning',
        actions: [
          { label: 'Approve', style: 'primary', value: { action: 'approve', approval: '7', hash: 'a1b2' }, command: 'claw approve 7' },
          { label: 'Reject', style: 'danger', value: { action: 'reject', approval: '7' }, command: 'claw reject 7' },
        ],
      },
      { locale: 'en' },
    );
    const json = JSON.parse(card!.content) as { body: { elements: Array<{ tag: string; columns?: Array<{ elements: Array<{ tag: string; behaviors: Array<{ type: string; value: Record<string, string> }> }> }> }> } };
    const buttons = json.body.elements.filter((e) => e.tag === 'column_set').flatMap((e) => e.columns ?? []).flatMap((c) => c.elements);
    expect(buttons.map((b) => b.behaviors[0]?.type)).toEqual(['callback', 'callback']);
    for (const b of buttons) {
      await h.emu.pushCardAction({ operator: { openId: newOpenId() }, value: b.behaviors[0]!.value, openMessageId: newMessageId(), openChatId: newChatId() });
    }
    expect(h.clicks.map((c) => c.value)).toEqual([
      { action: 'approve', approval: '7', hash: 'a1b2' },
      { action: 'reject', approval: '7' },
    ]);
  });

  it('non-string button values come back as strings instead of being dropped', async () => {
    const h = await startHarness();
    await waitConnected(h);
    await h.emu.pushCardAction({ operator: { openId: newOpenId() }, value: { approval: 7, urgent: true }, openMessageId: newMessageId(), openChatId: newChatId() });
    expect(h.clicks[0]?.value).toEqual({ approval: '7', urgent: 'true' });
  });

  it('a text answer to a click becomes a toast (a callback cannot post text)', async () => {
    const h = await startHarness({ onCardClick: () => Promise.resolve({ type: 'text', content: JSON.stringify({ text: 'Already decided' }), updatable: false }) });
    await waitConnected(h);
    const ack = await h.emu.pushCardAction({ operator: { openId: newOpenId() }, value: { action: 'approve', approval: '1' }, openMessageId: newMessageId(), openChatId: newChatId() });
    expect(ack).toMatchObject({ acked: true, code: 200 });
    expect(ack.data).toEqual({ toast: { type: 'info', content: 'Already decided' } });
  });

  it('a click handler slower than its budget is answered in time with no card (the card stays as it is)', async () => {
    const h = await startHarness({ channel: { handlerBudgetMs: 150 }, onCardClick: forever });
    await waitConnected(h);
    const ack = await h.emu.pushCardAction({ operator: { openId: newOpenId() }, value: { action: 'approve', approval: '1' }, openMessageId: newMessageId(), openChatId: newChatId() });
    expect(ack).toMatchObject({ acked: true, code: 200, withinDeadline: true, data: undefined });
    expect(ack.latencyMs).toBeLessThan(1000);
    expect(h.clicks).toHaveLength(1);
    expect(h.logger.lines.some((l) => l.level === 'warn' && l.msg.includes('missed the callback deadline'))).toBe(true);
  });
});

describe('FeishuChannel long connection: status, reconnects and stop', () => {
  it('status() reflects connect, a dropped connection and the reconnect', async () => {
    const h = await startHarness({ emulator: { clientConfig: { ReconnectInterval: 0.5 } } });
    expect(h.channel.status()).toMatchObject({ platform: 'feishu', mode: 'websocket' });
    await waitConnected(h);
    const up = h.channel.status();
    expect(up).toMatchObject({ connected: true, detail: 'connected', since: expect.any(Date) });
    // The first reconnect attempt is refused, so the drop stays visible until the next one (0.5 s later).
    h.emu.failHandshake(1);
    h.emu.dropConnections();
    await h.emu.waitFor(() => !h.channel.status().connected || undefined, 3000, 'reported down');
    const down = h.channel.status();
    expect(down.detail).toBe('connection lost; reconnecting');
    expect(down.since!.getTime()).toBeGreaterThanOrEqual(up.since!.getTime());
    await waitConnected(h);
    expect(h.channel.status()).toMatchObject({ connected: true, detail: 'reconnected' });
    expect(h.emu.connectionsOpened).toBe(2);
    // Events flow on the new connection.
    await h.emu.pushMessage({ chatId: newChatId(), chatType: 'p2p', sender: { openId: newOpenId() }, text: 'claw status' });
    expect(h.received).toHaveLength(1);
  });

  it('restarts the client with growing backoff when the SDK gives up on a refused handshake (code 1), until it connects', async () => {
    const h = await startHarness({ start: false, channel: { reconnect: { initialMs: 100, maxMs: 1000 } } });
    h.emu.respondWith('ws.endpoint', { status: 200, times: 3, body: { code: 1, msg: 'system busy', data: {} } });
    await h.channel.start({ onMessage: () => Promise.resolve(), onCardClick: () => Promise.resolve(undefined) }, h.abort.signal);
    await h.emu.waitFor(() => h.channel.status().detail?.startsWith('handshake refused: code 1') || undefined, 3000, 'refusal reported');
    expect(h.channel.status()).toMatchObject({ connected: false, detail: expect.stringContaining('system busy') });
    await waitConnected(h, 5000);
    const times = h.emu.requests.filter((r) => r.path === '/callback/ws/endpoint').map((r) => r.at);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 100, 200, 400 ms (+ up to 20 % jitter): doubling, never a storm.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(gaps[2]).toBeLessThan(1500);
    expect(h.emu.connectionsOpened).toBe(1);
    expect(h.logger.lines.some((l) => l.level === 'warn' && l.msg.includes('gave up'))).toBe(true);
  });

  it('abort closes the socket and reports stopped; nothing reconnects and no later event reaches a handler', async () => {
    const h = await startHarness();
    await waitConnected(h);
    h.abort.abort();
    await h.emu.waitFor(() => h.emu.connections === 0 || undefined, 3000, 'socket closed');
    expect(h.channel.status()).toMatchObject({ connected: false, detail: 'stopped' });
    await expect(h.emu.pushMessage({ chatId: newChatId(), chatType: 'group', sender: { openId: newOpenId() }, text: 'claw status' })).rejects.toThrow(
      /no open long connection/,
    );
    await sleep(400); // a would-be reconnect (ReconnectInterval 0.1 s) has had time to happen
    expect(h.emu.endpointRequests).toBe(1);
    expect(h.emu.connectionsOpened).toBe(1);
    expect(h.received).toHaveLength(0);
    expect(h.channel.status()).toMatchObject({ connected: false, detail: 'stopped' });
  });

  it('abort while a restart is pending cancels the restart', async () => {
    const g = await startHarness({ start: false, channel: { reconnect: { initialMs: 200, maxMs: 200 } } });
    g.emu.respondWith('ws.endpoint', { status: 200, times: 100, body: { code: 1, msg: 'system busy', data: {} } });
    await g.channel.start({ onMessage: () => Promise.resolve(), onCardClick: () => Promise.resolve(undefined) }, g.abort.signal);
    await g.emu.waitFor(() => g.emu.endpointRequests >= 1 || undefined, 3000, 'first refusal');
    g.abort.abort();
    await sleep(600);
    expect(g.emu.endpointRequests).toBe(1);
    expect(g.channel.status()).toMatchObject({ connected: false, detail: 'stopped' });
  });

  it('refuses a malformed app id up front (the SDK would only log it), and webhook mode without its secrets', () => {
    expect(() => createFeishuChannel({ appId: 'cli_123', appSecret: 's', domain: 'http://127.0.0.1:9', logger: silentLogger })).toThrow(/appId/);
    expect(() =>
      createFeishuChannel({ appId: 'cli_0123456789abcdef', appSecret: 's', domain: 'http://127.0.0.1:9', mode: 'webhook', logger: silentLogger }),
    ).toThrow(/webhook mode needs both/);
  });
});
