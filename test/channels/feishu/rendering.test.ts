// FeishuChannel.render: card JSON 2.0, tone colours, tables split between rows under 28 KB, pages, CJK, secrets.
import { describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import { createFeishuChannel } from '../../../src/channels/feishu/index.js';
import type { TableView, View } from '../../../src/render/view.js';
import { captureLogger } from './feishu-channel-kit.js';

// Rendering makes no calls: the domain is never contacted.
const channel = createFeishuChannel({ appId: 'cli_0123456789abcdef', appSecret: 'secret', domain: 'http://127.0.0.1:9', logger: captureLogger() });
const LIMIT = 28 * 1024;

interface Card {
  schema: string;
  config: { update_multi: boolean };
  header: { title: { tag: string; content: string }; template: string };
  body: { elements: Array<Record<string, unknown> & { tag: string }> };
}

function parse(messages: RenderedMessage[]): Card[] {
  return messages.map((m) => {
    expect(m).toMatchObject({ type: 'interactive', updatable: true });
    expect(Buffer.byteLength(m.content)).toBeLessThan(LIMIT);
    const card = JSON.parse(m.content) as Card;
    expect(card.schema).toBe('2.0');
    expect(card.config.update_multi).toBe(true);
    return card;
  });
}

const markdownOf = (card: Card): string[] => card.body.elements.filter((e) => e.tag === 'markdown').map((e) => String(e.content));
const rowsOf = (cards: Card[]): Array<Record<string, unknown>> =>
  cards.flatMap((c) => c.body.elements.filter((e) => e.tag === 'table').flatMap((e) => e.rows as Array<Record<string, unknown>>));

const PHASES = ['Running', 'Failed (CrashLoopBackOff)', 'Stopped', 'Creating (Starting)', 'Running -> Stopped'];

function statusTable(n: number, messageBytes = 0): TableView {
  return {
    kind: 'table',
    title: 'Instances',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'phase', label: 'Phase' },
      { key: 'restarts', label: 'Restarts', align: 'right' },
      { key: 'message', label: 'Message' },
    ],
    rows: Array.from({ length: n }, (_, i) => ({
      name: `claw-${String(i + 1).padStart(3, '0')}`,
      phase: PHASES[i % PHASES.length]!,
      restarts: String(i % 7),
      message: `row ${i + 1}: ${'x'.repeat(messageBytes)}`,
    })),
    empty: 'No instances.',
    footer: `${n} instances`,
  };
}

/** The row as the card shows it: c0..c3, the phase as an option tag. */
const cellsOf = (row: Record<string, string>) => ({ c0: row.name, c1: [expect.objectContaining({ text: row.phase })], c2: row.restarts, c3: row.message });

describe('FeishuChannel.render: tables', () => {
  it('splits a 300-row table of wide rows between rows across at most 3 cards under 28 KB, with the next-page line', () => {
    const view = statusTable(300, 900);
    const page1 = parse(channel.render(view, { locale: 'en' }));
    expect(page1.length).toBeGreaterThan(1);
    expect(page1.length).toBeLessThanOrEqual(3);
    const rows = rowsOf(page1);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.length).toBeLessThanOrEqual(50);
    // Every row whole and in order: no row is cut between cards.
    expect(rows).toEqual(view.rows.slice(0, rows.length).map(cellsOf));
    for (const card of page1) for (const row of rowsOf([card])) expect(Object.keys(row)).toEqual(['c0', 'c1', 'c2', 'c3']);
    const lastLines = markdownOf(page1[page1.length - 1]!).join('\n');
    expect(lastLines).toContain(`…${300 - rows.length} more, use --page 2`);
    expect(lastLines).toContain('300 instances');
    expect(page1.map((c) => c.header.title.content)).toEqual(page1.map((_, i) => expect.stringContaining(`${i + 1}/${page1.length}`)));

    const page2 = parse(channel.render(view, { locale: 'en', page: 2 }));
    const rows2 = rowsOf(page2);
    expect(rows2[0]).toEqual(cellsOf(view.rows[rows.length]!));
    expect(rows2).toEqual(view.rows.slice(rows.length, rows.length + rows2.length).map(cellsOf));
    expect(markdownOf(page2[page2.length - 1]!).join('\n')).toContain(`…${300 - rows.length - rows2.length} more, use --page 3`);
  });

  it('caps a page at 50 rows even when they fit one card; the last page has no next-page line; past it says so', () => {
    const view = statusTable(120);
    const page1 = parse(channel.render(view, { locale: 'zh' }));
    expect(page1).toHaveLength(1);
    expect(rowsOf(page1)).toHaveLength(50);
    expect(markdownOf(page1[0]!).join('\n')).toContain('…还有 70 行，使用 --page 2 查看');
    expect(page1[0]!.header.title.content).toBe('Instances · 第 1/3 页');

    const page3 = parse(channel.render(view, { locale: 'zh', page: 3 }));
    expect(rowsOf(page3)).toEqual(view.rows.slice(100).map(cellsOf));
    expect(markdownOf(page3[0]!).join('\n')).not.toContain('--page');

    const past = parse(channel.render(view, { locale: 'en', page: 9 }));
    expect(markdownOf(past[0]!)).toEqual(['Page 9 is empty (3 pages).']);
  });

  it('colours phase cells: Running green, Failed red, Stopped grey, Creating orange; other columns stay text', () => {
    const [card] = parse(channel.render(statusTable(5), { locale: 'en' }));
    const table = card!.body.elements.find((e) => e.tag === 'table')!;
    expect(table.columns).toEqual([
      { name: 'c0', display_name: 'Name', data_type: 'text', horizontal_align: 'left', width: 'auto' },
      { name: 'c1', display_name: 'Phase', data_type: 'options', horizontal_align: 'left', width: 'auto' },
      { name: 'c2', display_name: 'Restarts', data_type: 'text', horizontal_align: 'right', width: 'auto' },
      { name: 'c3', display_name: 'Message', data_type: 'text', horizontal_align: 'left', width: 'auto' },
    ]);
    expect((table.rows as Array<{ c1: unknown }>).map((r) => r.c1)).toEqual([
      [{ text: 'Running', color: 'green' }],
      [{ text: 'Failed (CrashLoopBackOff)', color: 'red' }],
      [{ text: 'Stopped', color: 'neutral' }],
      [{ text: 'Creating (Starting)', color: 'orange' }],
      [{ text: 'Running -> Stopped', color: 'orange' }],
    ]);
    expect(card!.header.template).toBe('grey');
  });

  it('draws an empty table as its empty text, and a table wider than 50 columns as markdown lines', () => {
    const [empty] = parse(channel.render({ ...statusTable(0), footer: undefined }, { locale: 'en' }));
    expect(markdownOf(empty!)).toEqual(['No instances.']);
    const columns = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, label: `K${i}` }));
    const wide: TableView = { kind: 'table', columns, rows: [Object.fromEntries(columns.map((c) => [c.key, 'v']))], empty: '' };
    const [card] = parse(channel.render(wide, { locale: 'en' }));
    expect(card!.body.elements.some((e) => e.tag === 'table')).toBe(false);
    expect(markdownOf(card!)[0]).toContain('**K59**: v');
  });

  it('cuts an oversized cell (never the row) so a single huge row still fits a card', () => {
    const view = statusTable(2);
    view.rows[0]!.message = '状'.repeat(20_000);
    const cards = parse(channel.render(view, { locale: 'en' }));
    const rows = rowsOf(cards);
    expect(rows).toHaveLength(2);
    expect(String(rows[0]!.c3).endsWith('…')).toBe(true);
    expect(String(rows[0]!.c3)).not.toContain('\ufffd');
  });
});

describe('FeishuChannel.render: views', () => {
  it('maps tones to header colours: success green, info blue, warning orange, danger red, none grey', () => {
    const tones = [['success', 'green'], ['info', 'blue'], ['warning', 'orange'], ['danger', 'red'], [undefined, 'grey']] as const;
    for (const [tone, color] of tones) {
      const [card] = parse(channel.render({ kind: 'message', text: 'x', ...(tone ? { tone } : {}) }, { locale: 'en' }));
      expect(card!.header.template).toBe(color);
    }
    const [detail] = parse(channel.render({ kind: 'detail', title: 'claw alice', tone: 'danger', fields: [{ label: 'Phase', value: 'Failed' }] }, { locale: 'en' }));
    expect(detail!.header).toEqual({ title: { tag: 'plain_text', content: 'claw alice' }, template: 'red' });
    expect(markdownOf(detail!)).toEqual(['**Phase**: Failed']);
  });

  it('turns actions into callback buttons styled primary / danger / default', () => {
    const view: View = {
      kind: 'message',
      headline: 'Approval needed',
      text: 'claw stop alice',
      actions: [
        { label: 'Approve', style: 'primary', value: { action: 'approve', id: '1' }, command: 'claw approve 1' },
        { label: 'Reject', style: 'danger', value: { action: 'reject', id: '1' }, command: 'claw reject 1' },
        { label: 'Details', style: 'default', value: { action: 'show', id: '1' }, command: 'claw approval 1' },
      ],
    };
    const [card] = parse(channel.render(view, { locale: 'en' }));
    expect(card!.header.title.content).toBe('Approval needed');
    const set = card!.body.elements.find((e) => e.tag === 'column_set') as unknown as { columns: Array<{ elements: unknown[] }> };
    expect(set.columns.map((c) => c.elements[0])).toEqual([
      { tag: 'button', text: { tag: 'plain_text', content: 'Approve' }, type: 'primary', behaviors: [{ type: 'callback', value: { action: 'approve', id: '1' } }] },
      { tag: 'button', text: { tag: 'plain_text', content: 'Reject' }, type: 'danger', behaviors: [{ type: 'callback', value: { action: 'reject', id: '1' } }] },
      { tag: 'button', text: { tag: 'plain_text', content: 'Details' }, type: 'default', behaviors: [{ type: 'callback', value: { action: 'show', id: '1' } }] },
    ]);
  });

  it('splits long Chinese text between lines, and a giant line between characters, never inside one', () => {
    const line = '实例运行正常，资源使用率稳定，没有告警。'.repeat(20); // 400 characters, 1200 bytes
    const text = Array.from({ length: 60 }, (_, i) => `${i}: ${line}`).join('\n');
    const cards = parse(channel.render({ kind: 'message', text }, { locale: 'zh' }));
    expect(cards.length).toBeGreaterThan(1);
    expect(cards.flatMap(markdownOf).join('\n')).toBe(text);

    const giant = '😀中'.repeat(15_000); // 105 KB on one line, astral characters included
    const pieces = parse(channel.render({ kind: 'message', text: giant }, { locale: 'zh' }));
    expect(pieces.length).toBe(3);
    const last = markdownOf(pieces[2]!).join('\n');
    const more = /\n…还有 (\d+) 行，使用 --page 2 查看$/.exec(last);
    expect(more?.[0]).toBeDefined();
    const shown = pieces.flatMap(markdownOf).join('\n').slice(0, -more![0].length).replace(/\n/g, '');
    // Pieces end on whole characters (no lone surrogate, no replacement character) and add up to the start of the line.
    expect(giant.startsWith(shown)).toBe(true);
    expect(shown.includes('\ufffd') || /[\ud800-\udbff]$/.test(shown)).toBe(false);
    const page2 = parse(channel.render({ kind: 'message', text: giant }, { locale: 'zh', page: 2 }));
    const rest = page2.flatMap(markdownOf).join('\n').replace(/\n/g, '');
    expect(shown + rest === giant).toBe(true);
  });

  it('renders a secret once, in a code span, with its warning; nothing else repeats it', () => {
    const secret = 'clawtok_Zq8vN3kP0aB7yR2m';
    const messages = channel.render(
      { kind: 'secret', title: 'Token created', label: 'Token', secret, warning: 'Copy it now: it will not be shown again.', fields: [{ label: 'Name', value: 'ci' }] },
      { locale: 'en' },
    );
    const [card] = parse(messages);
    expect(messages[0]!.content.split(secret)).toHaveLength(2);
    const md = markdownOf(card!).join('\n');
    expect(md).toContain(`\`${secret}\``);
    expect(md).toContain('Copy it now: it will not be shown again.');
    expect(card!.header.template).toBe('orange');
  });

  it('escapes echoed text: no @all, font or link markup from user input', () => {
    const [card] = parse(channel.render({ kind: 'message', text: 'unknown command <at id=all></at> [x](http://evil) *b*' }, { locale: 'en' }));
    const md = markdownOf(card!).join('\n');
    expect(md).not.toMatch(/<at|\[x\]|\*b\*/);
    expect(md).toContain('&#60;at id=all&#62;');
  });

  it('renders help sections as headed markdown separated by rules, with nested tables as card tables', () => {
    const view: View = {
      kind: 'sections',
      title: 'claw help',
      sections: [
        { heading: 'Instances', lines: ['claw status [NAME]', 'claw stop NAME'] },
        { heading: 'Examples', view: { kind: 'table', columns: [{ key: 'cmd', label: 'Command' }], rows: [{ cmd: 'claw status alice' }], empty: '' } },
      ],
    };
    const [card] = parse(channel.render(view, { locale: 'en' }));
    expect(card!.body.elements.map((e) => e.tag)).toEqual(['markdown', 'hr', 'markdown', 'table']);
    expect(markdownOf(card!)).toEqual(['**Instances**\nclaw status &#91;NAME&#93;\nclaw stop NAME', '**Examples**']);
  });
});
