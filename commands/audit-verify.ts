// claw audit verify: walks the keyed hash chain of the audit trail and reports the first event that was altered or removed.
import { defineCommand } from '../src/pipeline/command-spec.js';

const REASONS = {
  gap: { en: 'event #{seq} is missing (deleted)', zh: '第 #{seq} 条记录缺失（已被删除）' },
  prev_hash: { en: 'event #{seq} does not follow the event before it (rows removed or reordered)', zh: '第 #{seq} 条记录与上一条不衔接（有记录被删除或调换）' },
  hash: { en: 'event #{seq} was altered after it was written', zh: '第 #{seq} 条记录写入后被修改' },
  truncated: { en: 'events from #{seq} on are missing (the newest rows were deleted)', zh: '从第 #{seq} 条起的记录缺失（最新记录被删除）' },
  unkeyed: { en: 'event #{seq} carries no keyed hash although it is newer than the upgrade to keyed hashes (written without the key)', zh: '第 #{seq} 条记录晚于升级到带密钥哈希的时间点却没有带密钥的哈希（由不持有密钥者写入）' },
} as const;

export default defineCommand({
  words: ['audit', 'verify'],
  summary: { en: 'Verify the audit hash chain', zh: '校验审计记录的哈希链' },
  args: [],
  flags: {},
  examples: ['claw audit verify'],
  permission: 'audit:verify',
  risk: 'read',
  scope: () => ({ kind: 'platform' }),
  engines: ['audit'],
  async handle(ctx) {
    const result = await ctx.engines.audit.verify();
    if (result.ok) {
      return {
        data: result,
        view: { kind: 'message', tone: 'success', text: ctx.t({ en: 'Audit chain intact: {n} events verified.', zh: '审计链完整：已校验 {n} 条记录。' }, { n: result.checked }) },
      };
    }
    return {
      data: result,
      view: {
        kind: 'message',
        tone: 'danger',
        text: ctx.t({ en: 'Audit chain BROKEN: {reason}. {n} events before it verified.', zh: '审计链已损坏：{reason}。此前 {n} 条记录校验通过。' }, {
          reason: ctx.t(REASONS[result.reason], { seq: result.seq }),
          n: result.checked,
        }),
      },
    };
  },
});
