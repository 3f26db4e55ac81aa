// claw secret status: how many secrets at rest each key generation seals, and whether a rotation is unfinished; never a value.
import { defineCommand } from '../src/pipeline/command-spec.js';

export default defineCommand({
  words: ['secret', 'status'],
  summary: { en: 'Show which key generations encrypt the secrets at rest', zh: '查看静态加密的密钥代次' },
  description: {
    en: 'Counts the sealed values (gateway tokens, secret config variables, held command texts, chat payloads) per key generation and column, and says whether `claw secret rotate-key` left a rotation unfinished and whether CLAW_SECRET_KEY_PREVIOUS is still needed. Shows counts only, never a value.',
    zh: '按密钥代次和数据列统计加密存储的值（网关令牌、secret 类配置变量、待审批的命令原文、聊天消息内容），并说明 `claw secret rotate-key` 是否有未完成的轮换、是否仍需要 CLAW_SECRET_KEY_PREVIOUS。只显示数量，从不显示值。',
  },
  args: [],
  flags: {},
  examples: ['claw secret status'],
  permission: 'secret:read',
  risk: 'read',
  scope: () => ({ kind: 'platform' }),
  engines: ['secrets'],
  async handle(ctx) {
    const s = await ctx.engines.secrets.status();
    const lines = [
      ctx.t({ en: 'New values are sealed with key generation {g}.', zh: '新值使用第 {g} 代密钥加密。' }, { g: s.generation }),
      s.boundTo === 'previous'
        ? ctx.t({ en: 'The database is still bound to CLAW_SECRET_KEY_PREVIOUS: run `claw secret rotate-key` to move every value to CLAW_SECRET_KEY.', zh: '数据库仍绑定 CLAW_SECRET_KEY_PREVIOUS：运行 `claw secret rotate-key` 把所有值迁移到 CLAW_SECRET_KEY。' })
        : ctx.t({ en: 'The database is bound to this replica\'s key (CLAW_SECRET_KEY, or the data dir\'s secret-key file).', zh: '数据库绑定的是本副本的密钥（CLAW_SECRET_KEY，或数据目录中的 secret-key 文件）。' }),
      s.rotation
        ? ctx.t({ en: 'A rotation to generation {g} begun at {at} is unfinished (running now, or stopped before the end): `claw secret rotate-key` finishes it.', zh: '从 {at} 开始的第 {g} 代轮换尚未完成（正在进行，或中途停止）：运行 `claw secret rotate-key` 完成它。' }, { g: s.rotation.generation, at: s.rotation.startedAt })
        : ctx.t({ en: 'No rotation is unfinished.', zh: '没有未完成的轮换。' }),
      ctx.t({ en: '{older} of {total} sealed values are of an older generation.', zh: '{total} 个加密值中有 {older} 个属于旧代次。' }, { older: s.older, total: s.total }),
    ];
    if (s.needPrevious > 0) {
      lines.push(ctx.t({ en: '{n} values open only with CLAW_SECRET_KEY_PREVIOUS: keep it set on every replica until this is 0.', zh: '有 {n} 个值只能用 CLAW_SECRET_KEY_PREVIOUS 解密：在降为 0 之前，所有副本都要保留该设置。' }, { n: s.needPrevious }));
    } else if (s.previousConfigured) {
      lines.push(ctx.t({ en: 'No value needs CLAW_SECRET_KEY_PREVIOUS any more: remove it from every replica.', zh: '已没有值需要 CLAW_SECRET_KEY_PREVIOUS：可以从所有副本中移除它。' }));
    }
    const malformed = s.columns.reduce((n, c) => n + c.malformed, 0);
    if (malformed > 0) lines.push(ctx.t({ en: '{n} values are not in a sealed format (damaged).', zh: '有 {n} 个值不是有效的加密格式（已损坏）。' }, { n: malformed }));
    return {
      data: {
        generation: s.generation, boundTo: s.boundTo, previousConfigured: s.previousConfigured, rotation: s.rotation,
        total: s.total, older: s.older, needPrevious: s.needPrevious, columns: s.columns,
      },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'Secrets at rest', zh: '静态加密' }),
        sections: [
          { lines },
          {
            view: {
              kind: 'table',
              columns: [
                { key: 'where', label: ctx.t({ en: 'Column', zh: '数据列' }) },
                { key: 'current', label: ctx.t({ en: 'Current generation', zh: '当前代次' }), align: 'right' },
                { key: 'older', label: ctx.t({ en: 'Older', zh: '旧代次' }), align: 'right' },
                { key: 'generations', label: ctx.t({ en: 'By generation', zh: '各代次数量' }) },
              ],
              rows: s.columns.filter((c) => c.generations.length > 0 || c.malformed > 0).map((c) => ({
                where: `${c.table}.${c.column}`,
                current: String(c.generations.find((g) => g.generation === s.generation)?.count ?? 0),
                older: String(c.generations.filter((g) => g.generation < s.generation).reduce((n, g) => n + g.count, 0)),
                generations: [...c.generations.map((g) => `g${g.generation}: ${g.count}`), ...(c.malformed ? [ctx.t({ en: 'damaged: {n}', zh: '已损坏：{n}' }, { n: c.malformed })] : [])].join(', '),
              })),
              empty: ctx.t({ en: 'No sealed values yet.', zh: '还没有加密存储的值。' }),
            },
          },
        ],
      },
    };
  },
});
