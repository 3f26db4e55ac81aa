// A digest at its largest (every list full, names at their longest, both languages) is one message on each platform:
// one Feishu card with its chart, one DingTalk markdown message under the platform's size limit.
import { describe, expect, it } from 'vitest';
import { renderDingTalk } from '../../../src/channels/dingtalk/dingtalk-messages.js';
import { RENDER_MAX_BYTES } from '../../../src/channels/dingtalk/rate-limits.js';
import { FeishuRenderer } from '../../../src/channels/feishu/feishu-renderer.js';
import { FEISHU_MAX_MESSAGE_BYTES } from '../../../src/channels/feishu/rate-limits.js';
import type { DigestData, TokenLine } from '../../../src/engines/digests/digest-data.js';
import { digestView } from '../../../src/render/digest-view.js';
import { renderText } from '../../../src/render/text.js';

const name = (i: number) => `${'p'.repeat(60)}${String(i).padStart(3, '0')}`;
const line = (i: number): TokenLine => ({ key: `k${i}`, label: `${name(i)}/${name(i + 100)}`, tokens: 9_876_543_210 - i, previousTokens: 1_234_567_890 + i, cost: 123_456.78, estimated: true });
const totals = { inputTokens: 9e12, outputTokens: 9e12, cacheReadTokens: 9e12, cacheWriteTokens: 9e12, totalTokens: 36e12, cost: 9_999_999.99, currency: 'CNY', estimated: true };

const largest: DigestData = {
  tenant: name(1), project: name(2),
  period: { since: new Date('2026-03-02T01:00:00Z'), until: new Date('2026-03-09T01:00:00Z') },
  previous: { since: new Date('2026-02-23T01:00:00Z'), until: new Date('2026-03-02T01:00:00Z') },
  timeZone: 'America/Argentina/ComodRivadavia', slot: { at: new Date('2026-03-09T01:00:00Z'), late: true }, generatedAt: new Date(),
  instances: { total: 100_000, byPhase: { Running: 90_000, Creating: 5_000, Stopped: 4_000, Failed: 1_000 }, running: 90_000, ready: 89_999, failed: [1, 2, 3, 4, 5].map((i) => `${name(i)}/${name(i)}`) },
  restarts: { total: 99_999, inPeriod: true, top: [1, 2, 3].map((i) => ({ label: `${name(i)}/${name(i)}`, count: 9_999 })) },
  alerts: { raised: 9_999, firing: 999, bySeverity: { critical: 3_333, warning: 3_333, info: 3_333 } },
  tokens: {
    current: totals, previous: totals,
    breakdown: { by: 'instance', lines: [0, 1, 2, 3, 4, 5, 6, 7].map(line) },
    topClaws: [0, 1, 2, 3, 4].map(line),
    movers: [0, 1, 2].map(line),
  },
  budgets: [{ label: name(1), used: 9e12, limit: 1e12, share: 9, month: '2026-03', projectedShare: 40 }, { label: `${name(1)}/${name(2)}`, used: 9e12, limit: 1e12, share: 9, month: '2026-03', projectedShare: 40 }],
  estimated: true,
  restartCounters: {},
};

describe('digest rendering at its largest', () => {
  for (const locale of ['zh', 'en'] as const) {
    it(`is one Feishu card with a native chart and one DingTalk message (${locale})`, () => {
      const view = digestView(largest, locale);
      const cards = new FeishuRenderer(FEISHU_MAX_MESSAGE_BYTES).render(view, { locale });
      expect(cards).toHaveLength(1);
      const card = JSON.parse(cards[0]!.content) as { body: { elements: Array<{ tag: string; chart_spec?: { data: { values: unknown[] } } }> } };
      const charts = card.body.elements.filter((e) => e.tag === 'chart');
      expect(charts).toHaveLength(1);
      // Eight claws, this period and the previous one.
      expect(charts[0]!.chart_spec!.data.values).toHaveLength(16);

      const messages = renderDingTalk(view, { locale, maxBytes: RENDER_MAX_BYTES });
      expect(messages).toHaveLength(1);
      expect(messages[0]!.type).toBe('markdown');
      expect(Buffer.byteLength(messages[0]!.content)).toBeLessThan(RENDER_MAX_BYTES);

      // Text (CLI, API) draws the chart as bars.
      expect(renderText(view)).toMatch(/█{16} 9\.9B/);
    });
  }
});
