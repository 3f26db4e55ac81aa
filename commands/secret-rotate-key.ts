// claw secret rotate-key: re-seals every secret at rest with a new key generation (or moves it to a new CLAW_SECRET_KEY), online.
import { defineCommand } from '../src/pipeline/command-spec.js';

export default defineCommand({
  words: ['secret', 'rotate-key'],
  summary: { en: 'Re-encrypt every secret at rest with a new key', zh: '用新密钥重新加密所有静态存储的密钥' },
  description: {
    en: 'Starts a new key generation and re-seals every sealed value with it while the control plane keeps running; other replicas pick the generation up within CLAW_SECRET_REFRESH. To replace the master key itself, start every replica with the new CLAW_SECRET_KEY and the old one as CLAW_SECRET_KEY_PREVIOUS first; remove CLAW_SECRET_KEY_PREVIOUS once `claw secret status` says no value needs it. An interrupted run is finished by running it again.',
    zh: '开启新的密钥代次，并在控制平面持续运行的情况下用它重新加密所有加密存储的值；其他副本会在 CLAW_SECRET_REFRESH 内切换到新代次。若要更换主密钥本身，先让所有副本以新的 CLAW_SECRET_KEY 启动，并把旧密钥设为 CLAW_SECRET_KEY_PREVIOUS；待 `claw secret status` 显示不再需要时再移除 CLAW_SECRET_KEY_PREVIOUS。中断的轮换再次运行即可完成。',
  },
  args: [],
  flags: {},
  examples: ['claw secret rotate-key', 'claw secret rotate-key --reason "yearly rotation"'],
  permission: 'secret:rotate',
  risk: 'dangerous',
  scope: () => ({ kind: 'platform' }),
  engines: ['secrets'],
  async handle(ctx) {
    const r = await ctx.engines.secrets.rotate({
      signal: ctx.signal,
      onBatch: (p) => ctx.progress({ en: 'Re-sealing {where}: {n} done', zh: '正在重新加密 {where}：已完成 {n} 个' }, { where: `${p.table}.${p.column}`, n: p.resealed }),
      onWait: (ms) => ctx.progress({ en: 'Waiting {s} s for every replica to seal with the new generation, then a last pass', zh: '等待 {s} 秒，让所有副本改用新代次加密，然后做最后一轮检查' }, { s: Math.ceil(ms / 1000) }),
    });
    const byTable = new Map<string, { resealed: number; unreadable: number }>();
    for (const c of r.columns) {
      const t = byTable.get(c.table) ?? { resealed: 0, unreadable: 0 };
      byTable.set(c.table, { resealed: t.resealed + c.resealed, unreadable: t.unreadable + c.unreadable });
    }
    const total = r.columns.reduce((n, c) => n + c.resealed, 0);
    const unreadable = r.columns.reduce((n, c) => n + c.unreadable, 0);
    const lines = [
      r.masterChanged
        ? ctx.t({ en: 'Every secret at rest is now sealed with CLAW_SECRET_KEY, key generation {g} ({n} values re-sealed). Remove CLAW_SECRET_KEY_PREVIOUS from every replica once `claw secret status` says no value needs it.', zh: '所有静态密钥现已使用 CLAW_SECRET_KEY 的第 {g} 代密钥加密（重新加密 {n} 个值）。待 `claw secret status` 显示不再需要后，从所有副本中移除 CLAW_SECRET_KEY_PREVIOUS。' }, { g: r.generation, n: total })
        : ctx.t({ en: 'Every secret at rest is now sealed with key generation {g} ({n} values re-sealed).', zh: '所有静态密钥现已使用第 {g} 代密钥加密（重新加密 {n} 个值）。' }, { g: r.generation, n: total }),
    ];
    if (r.resumed) lines.push(ctx.t({ en: 'This finished a rotation an earlier run had begun.', zh: '本次完成了之前中断的轮换。' }));
    if (unreadable > 0) {
      lines.push(ctx.t({ en: '{n} values could not be opened with any configured key (damaged, or sealed with a key no longer configured) and were left as they were.', zh: '有 {n} 个值无法用已配置的任何密钥解密（已损坏，或由已不再配置的密钥加密），保持原样。' }, { n: unreadable }));
    }
    return {
      data: { generation: r.generation, resumed: r.resumed, masterChanged: r.masterChanged, resealed: total, unreadable, tables: Object.fromEntries(byTable), conflicts: r.conflicts },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'Secret key rotated', zh: '密钥已轮换' }),
        sections: [
          { lines },
          {
            view: {
              kind: 'table',
              columns: [
                { key: 'table', label: ctx.t({ en: 'Table', zh: '数据表' }) },
                { key: 'resealed', label: ctx.t({ en: 'Re-sealed', zh: '已重新加密' }), align: 'right' },
                { key: 'unreadable', label: ctx.t({ en: 'Unreadable', zh: '无法解密' }), align: 'right' },
              ],
              rows: [...byTable].map(([table, c]) => ({ table, resealed: String(c.resealed), unreadable: String(c.unreadable) })),
              empty: ctx.t({ en: 'No sealed values.', zh: '没有加密存储的值。' }),
            },
          },
        ],
      },
    };
  },
});
