// Rendering views as DingTalk messages: byte limits, row-safe splitting and paging, CJK safety, buttons, secrets, tones.
import { describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import type { TableView, View } from '../../../src/render/view.js';
import { offlineChannel } from './dingtalk-fixtures.js';

const channel = offlineChannel;

const LIMIT = 19_000;
const bytes = (m: RenderedMessage): number => Buffer.byteLength(m.content);
const textOf = (m: RenderedMessage): string => (JSON.parse(m.content) as { text?: string; cardParamMap?: { markdown: string } }).text ?? (JSON.parse(m.content) as { cardParamMap: { markdown: string } }).cardParamMap.markdown;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function bigTable(rows: number, cell: (i: number) => string): TableView {
  return {
    kind: 'table',
    title: 'Instances',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'note', label: 'Note' },
      { key: 'cpu', label: 'CPU', align: 'right' },
    ],
    rows: Array.from({ length: rows }, (_, i) => ({ name: `claw-${String(i).padStart(3, '0')}`, note: cell(i), cpu: `${i % 8}` })),
    empty: 'No instances',
    footer: '300 instances',
  };
}

/** The row lines of a rendered table message (neither heading, column labels, footer nor page line). */
function rowLines(m: RenderedMessage): string[] {
  return textOf(m).split('  \n').filter((l) => /^claw-\d{3} · /.test(l));
}

describe('DingTalk rendering', () => {
  it('splits a 300-row table between rows across at most 3 messages a page, each under 19 000 bytes, with the page line', () => {
    const ch = channel();
    const view = bigTable(300, (i) => `note ${i} `.repeat(20));
    const seen: string[] = [];
    let page = 1;
    for (;;) {
      const messages = ch.render(view, { locale: 'en', page });
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.length).toBeLessThanOrEqual(3);
      for (const m of messages) {
        expect(m.type).toBe('markdown');
        expect(bytes(m)).toBeLessThan(LIMIT);
        // Every part repeats the heading and the column labels.
        expect(textOf(m)).toMatch(/^#### Instances \(\d+\/\d+\)  \n\*\*Name · Note · CPU\*\*/);
        seen.push(...rowLines(m));
      }
      const last = textOf(messages.at(-1)!);
      const more = /…(\d+) more, use --page (\d+)$/.exec(last);
      if (!more) {
        expect(last).toContain('300 instances');
        break;
      }
      // The count is what the following pages hold.
      expect(Number(more[2])).toBe(page + 1);
      expect(Number(more[1])).toBe(300 - seen.length);
      page++;
    }
    expect(page).toBeGreaterThan(1);
    // Page 2 continued exactly where page 1 ended: every row once, whole, in order.
    expect(seen).toEqual(view.rows.map((r) => `${r.name} · ${r.note} · ${r.cpu}`));
    expect(seen).toHaveLength(300);
  });

  it('never cuts Chinese text or emoji inside a character, and pages in Chinese', () => {
    const ch = channel();
    const zhTable = bigTable(300, (i) => `第${i}号实例，运行正常。`.repeat(12));
    const messages = ch.render(zhTable, { locale: 'zh' });
    expect(messages).toHaveLength(3);
    for (const m of messages) {
      expect(bytes(m)).toBeLessThan(LIMIT);
      expect(textOf(m)).not.toMatch(LONE_SURROGATE);
      for (const line of rowLines(m)) expect(line).toMatch(/^claw-\d{3} · (第\d+号实例，运行正常。){12} · \d$/);
    }
    expect(textOf(messages[2]!)).toMatch(/…还有 \d+ 行，使用 --page 2 查看$/);

    // One line far beyond a message: cut between characters (and whole emoji sequences), nothing lost.
    const line = '集群状态正常👩‍💻'.repeat(2_000);
    const parts = ch.render({ kind: 'message', text: line }, { locale: 'zh' });
    expect(parts.length).toBeGreaterThan(1);
    for (const m of parts) {
      expect(bytes(m)).toBeLessThan(LIMIT);
      expect(textOf(m)).not.toMatch(LONE_SURROGATE);
      expect(Buffer.from(textOf(m), 'utf8').toString('utf8')).toBe(textOf(m));
    }
    const pieces = parts.map((m) => textOf(m).replace(/(  \n)+…还有 \d+ 行，使用 --page \d+ 查看$/, ''));
    // Whole characters and whole emoji sequences only: a torn 👩‍💻 would leave a 👩‍ or 💻 that does not match.
    for (const piece of pieces) expect(piece).toMatch(/^(?:集|群|状|态|正|常|👩‍💻)+$/u);
    expect(line.startsWith(pieces.join(''))).toBe(true);
  });

  it('renders actions as an ActionCard whose buttons send the command text (dtmd links)', () => {
    const view: View = {
      kind: 'message',
      text: 'Stop alice? It is running 3 sessions.',
      headline: 'Approval #12',
      tone: 'danger',
      actions: [
        { label: 'Approve', style: 'primary', value: { approval: '12' }, command: 'claw approve 12' },
        { label: '拒绝', style: 'danger', value: { approval: '12' }, command: 'claw reject 12 --reason "不行"' },
      ],
    };
    const [m] = channel().render(view, { locale: 'en' });
    expect(m?.type).toBe('actionCard');
    expect(m?.updatable).toBe(false);
    const content = JSON.parse(m!.content) as { title: string; text: string; btns: Array<{ title: string; actionURL: string }> };
    expect(content.title).toBe('🔴 Approval #12');
    expect(content.text).toBe('#### 🔴 Approval #12  \nStop alice? It is running 3 sessions.');
    expect(content.btns.map((b) => b.title)).toEqual(['Approve', '拒绝']);
    for (const [i, b] of content.btns.entries()) {
      expect(b.actionURL.startsWith('dtmd://dingtalkclient/sendMessage?content=')).toBe(true);
      expect(decodeURIComponent(b.actionURL.split('content=')[1]!)).toBe(view.actions![i]!.command);
    }
  });

  it('renders actions as interactive card buttons carrying the action value when a card template is configured', () => {
    const view: View = {
      kind: 'detail',
      title: 'Approval #12',
      tone: 'warning',
      fields: [{ label: 'Command', value: 'claw stop alice --force' }],
      actions: [{ label: 'Approve', style: 'primary', value: { approval: '12', decision: 'approve' }, command: 'claw approve 12' }],
    };
    const [m] = channel('tpl.claw').render(view, { locale: 'en' });
    expect(m).toMatchObject({ type: 'card', updatable: true });
    const { cardParamMap } = JSON.parse(m!.content) as { cardParamMap: Record<string, string> };
    expect(cardParamMap).toMatchObject({ title: '🟠 Approval #12', tone: 'warning', markdown: '**Command**: claw stop alice --force' });
    expect(Object.values(cardParamMap).every((v) => typeof v === 'string')).toBe(true);
    expect(JSON.parse(cardParamMap.buttons!)).toEqual([{ id: 'action_1', text: 'Approve', color: 'blue', params: { approval: '12', decision: 'approve' } }]);
    // Without actions the same channel renders plain markdown.
    expect(channel('tpl.claw').render({ ...view, actions: undefined }, { locale: 'en' })[0]?.type).toBe('markdown');
  });

  it('renders a secret once, in a code span, never in the title, with the warning', () => {
    const secret = 'claw_tok_9f8e7d6c5b4a3f2e1d0c';
    const [m, ...rest] = channel().render(
      { kind: 'secret', title: 'API token for alice', label: 'Token', secret, warning: 'Copy it now: it will not be shown again.', fields: [{ label: 'Owner', value: 'alice' }] },
      { locale: 'en' },
    );
    expect(rest).toHaveLength(0);
    expect(m!.content.split(secret)).toHaveLength(2);
    const content = JSON.parse(m!.content) as { title: string; text: string };
    expect(content.title).toBe('API token for alice');
    expect(content.text).toContain(`\`${secret}\``);
    expect(content.text).toContain('Copy it now: it will not be shown again.');
  });

  it('shows tones as coloured circles in the title line, escapes markdown in user text, and answers an empty page', () => {
    const ch = channel();
    const [detail] = ch.render({ kind: 'detail', title: 'alice', tone: 'success', fields: [{ label: 'Phase', value: 'Running' }] }, { locale: 'en' });
    expect(JSON.parse(detail!.content)).toEqual({ title: '🟢 alice', text: '#### 🟢 alice  \n**Phase**: Running' });
    const [table] = ch.render({ kind: 'table', columns: [{ key: 'n', label: 'Name' }], rows: [{ n: '*bold* <font> # x' }], empty: 'none' }, { locale: 'en' });
    expect(textOf(table!)).toContain('\\*bold\\* &lt;font&gt; # x');
    const [empty] = ch.render({ kind: 'table', title: 'Instances', columns: [{ key: 'n', label: 'Name' }], rows: [], empty: 'No instances yet' }, { locale: 'en' });
    expect(textOf(empty!)).toBe('#### Instances  \nNo instances yet');
    const [nothing] = ch.render({ kind: 'message', text: 'hi' }, { locale: 'zh', page: 4 });
    expect(textOf(nothing!)).toBe('没有第 4 页，最后一页是第 1 页。');
  });

  it('renders sections with headings, lines and a nested table', () => {
    const [m] = channel().render(
      {
        kind: 'sections',
        title: 'Help',
        sections: [
          { heading: 'Instances', lines: ['claw status', 'claw stop NAME'] },
          { view: { kind: 'table', title: 'Quota', columns: [{ key: 'k', label: 'Key' }, { key: 'v', label: 'Value' }], rows: [{ k: 'cpu', v: '4' }], empty: '-' } },
        ],
      },
      { locale: 'en' },
    );
    expect(textOf(m!)).toBe(['#### Help', '**Instances**', 'claw status', 'claw stop NAME', '', '**Quota**', '**Key · Value**', 'cpu · 4'].join('  \n'));
  });
});
