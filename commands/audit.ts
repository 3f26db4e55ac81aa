// claw audit: recent command attempts (allowed, denied and invalid), filtered by time, member, command or decision.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { formatTime } from '../src/render/format.js';

const DECISIONS = ['allowed', 'denied', 'invalid', 'unauthenticated'] as const;

export default defineCommand({
  words: ['audit'],
  summary: { en: 'Show the audit trail', zh: '查看审计记录' },
  description: {
    en: 'Every command attempt from chat, web, CLI and claws is recorded, including parse errors and denials, newest first.',
    zh: '来自聊天、网页、命令行和实例的每一次命令尝试都会被记录，包括解析错误和拒绝，按时间倒序显示。',
  },
  args: [],
  flags: {
    since: { kind: 'duration', help: { en: 'Only the last DURATION, e.g. 1h or 7d', zh: '只看最近一段时间，如 1h 或 7d' } },
    member: { kind: 'member', help: { en: 'Only this member', zh: '只看该成员' } },
    command: { kind: 'string', maxLength: 100, help: { en: 'Only this command, e.g. "tenant delete"', zh: '只看该命令，如 "tenant delete"' } },
    decision: { kind: 'enum', values: DECISIONS, help: { en: 'Only this decision', zh: '只看该决定' } },
    // Clamped, not refused: `--limit 5000` shows the newest 1000, as it always has.
    limit: { kind: 'int', min: 1, max: 1000, clamp: true, help: { en: 'At most N events (default 50)', zh: '最多 N 条（默认 50）' } },
    tenant: tenantFlag,
  },
  examples: ['claw audit --since 1h', 'claw audit --since 7d --member bob', 'claw audit --decision denied'],
  permission: 'audit:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['audit'],
  async handle(ctx) {
    const limit = ctx.flags.limit ?? 50;
    const events = await ctx.engines.audit.query({
      since: ctx.flags.since === undefined ? undefined : new Date(Date.now() - ctx.flags.since),
      member: ctx.flags.member,
      command: ctx.flags.command?.trim().toLowerCase(),
      decision: ctx.flags.decision,
      // By id: a tenant re-created under an old name does not see its predecessor's trail.
      tenants: ctx.scope.kind === 'tenant' ? new Set([ctx.scope.tenant.id]) : 'all',
      limit,
    });
    return {
      data: {
        events: events.map((e) => ({
          seq: e.seq, occurredAt: e.occurredAt.toISOString(), member: e.memberName, identity: e.identity, channel: e.channel, tenant: e.tenantName,
          scope: e.scope, command: e.command, text: e.text, decision: e.decision, outcome: e.outcome, errorCode: e.errorCode, durationMs: e.durationMs,
          // More than 1: identical refused attempts that followed an earlier row with the same text, counted here, not a row each.
          attempts: e.attempts,
        })),
      },
      view: {
        kind: 'table',
        columns: [
          { key: 'seq', label: '#', align: 'right' },
          { key: 'time', label: ctx.t({ en: 'Time', zh: '时间' }) },
          { key: 'member', label: ctx.t({ en: 'Member', zh: '成员' }) },
          { key: 'channel', label: ctx.t({ en: 'Channel', zh: '渠道' }) },
          { key: 'text', label: ctx.t({ en: 'Command', zh: '命令' }) },
          { key: 'decision', label: ctx.t({ en: 'Decision', zh: '决定' }) },
          { key: 'result', label: ctx.t({ en: 'Result', zh: '结果' }) },
        ],
        rows: events.map((e) => ({
          seq: String(e.seq), time: formatTime(e.occurredAt, ctx.locale), member: e.memberName ?? '-', channel: e.channel,
          text: `${e.text.length > 60 ? `${e.text.slice(0, 59)}…` : e.text}${e.attempts > 1 ? ` ×${e.attempts}` : ''}`, decision: e.decision, result: e.errorCode ?? e.outcome,
        })),
        empty: ctx.t({ en: 'No matching events.', zh: '没有匹配的记录。' }),
        footer: events.length === limit ? ctx.t({ en: 'Showing the newest {n}; use --limit or --since to see others.', zh: '仅显示最新 {n} 条；可用 --limit 或 --since 查看更多。' }, { n: limit }) : undefined,
      },
    };
  },
});
