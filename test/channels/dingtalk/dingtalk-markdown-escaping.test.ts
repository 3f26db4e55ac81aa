// User text inside DingTalk markdown stays literal: no links, HTML, headings, rules or table syntax from a value.
import { describe, expect, it } from 'vitest';
import type { RenderedMessage } from '../../../src/channels/chat-channel.js';
import type { View } from '../../../src/render/view.js';
import { offlineChannel } from './dingtalk-fixtures.js';

const channel = offlineChannel();

const text = (m: RenderedMessage): string => (JSON.parse(m.content) as { text: string }).text;
const lines = (m: RenderedMessage): string[] => text(m).split('  \n');

/** Values people (or instance names, error messages) can put into a reply. */
const HOSTILE = [
  '[click me](https://evil.example/login)',
  '![x](https://evil.example/pixel.png)',
  '<font color=red>ALERT</font>',
  '<a href="dtmd://dingtalkclient/sendMessage?content=claw%20destroy">ok</a>',
  '| a | b |',
  '---',
  '===',
  '# not a heading',
  '> not a quote',
  '- not a list',
  '1. not a list',
  '**not bold** _nor_ ~~struck~~ `nor code`',
  'two\nlines',
  '    not code',
];

/** True when a `[`, `]`, `*`, `_`, `~`, `|` or backtick is not backslash-escaped. */
function hasBareMarkup(s: string): boolean {
  return /(^|[^\\])[[\]*_~|`]/.test(s.replace(/\\\\/g, ''));
}

describe('DingTalk markdown escaping', () => {
  it('table cells: every row stays one line, and no cell becomes a link, image, HTML, heading, rule or table', () => {
    const view: View = {
      kind: 'table',
      title: 'Instances',
      columns: [
        { key: 'name', label: 'Name' },
        { key: 'note', label: 'Note' },
      ],
      rows: HOSTILE.map((note) => ({ name: note, note })),
      empty: '-',
    };
    const [m, ...rest] = channel.render(view, { locale: 'en' });
    expect(rest).toHaveLength(0);
    const body = lines(m!);
    // Heading, column labels, then exactly one line per row.
    expect(body).toHaveLength(2 + HOSTILE.length);
    const rows = body.slice(2);
    for (const row of rows) {
      expect(hasBareMarkup(row)).toBe(false);
      expect(row).not.toMatch(/[<>]/);
      // Nothing at the start of a line that markdown reads as block syntax.
      expect(row).not.toMatch(/^\s*(#{1,6}\s|[-+*]\s|\d+[.)]\s|[-=]{3,}\s*$|>)/);
      expect(row).not.toMatch(/^ {4}/);
    }
    expect(text(m!)).not.toMatch(/[^\\]\]\(/);
    // Still readable: the words are all there.
    expect(rows[0]).toContain('click me');
    expect(rows[2]).toContain('&lt;font color=red&gt;ALERT&lt;/font&gt;');
    expect(rows[12]).toContain('two lines');
  });

  it('message lines, detail fields and section lines are escaped the same way', () => {
    for (const view of [
      { kind: 'message', text: HOSTILE.join('\n') },
      { kind: 'detail', title: 'alice', fields: HOSTILE.map((value) => ({ label: 'Note', value })) },
      { kind: 'sections', sections: [{ heading: '[h](https://evil.example)', lines: HOSTILE }] },
    ] satisfies View[]) {
      const [m] = channel.render(view, { locale: 'en' });
      // Our own markup (the view's heading, a field's bold label, a section's bold heading) taken off; the rest is user text.
      const user = lines(m!)
        .filter((line) => !line.startsWith('#### '))
        .map((line) => line.replace(/^\*\*Note\*\*: /, '').replace(/^\*\*(.*)\*\*$/, '$1'));
      expect(user.length).toBeGreaterThanOrEqual(HOSTILE.length);
      for (const line of user) {
        expect(hasBareMarkup(line)).toBe(false);
        expect(line).not.toMatch(/^\s*(#{1,6}\s|[-+*]\s|\d+[.)]\s|[-=]{3,}\s*$|>| {4})/);
      }
      expect(text(m!)).not.toMatch(/[^\\]\]\(/);
    }
  });

  it('titles of notifications and cards are plain text; a command in a button link is URL-encoded', () => {
    const [m] = channel.render(
      { kind: 'message', text: 'ok', headline: '[x](https://evil.example)', actions: [{ label: 'Run', style: 'default', value: {}, command: 'claw run "a&b" ) ](' }] },
      { locale: 'en' },
    );
    const content = JSON.parse(m!.content) as { title: string; text: string; btns: Array<{ actionURL: string }> };
    expect(content.text.split('  \n')[0]).toBe('#### \\[x\\](https://evil.example)');
    expect(content.btns[0]!.actionURL).toBe(`dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent('claw run "a&b" ) ](')}`);
    expect(content.btns[0]!.actionURL).not.toMatch(/[ "&[\]]/);
  });
});
