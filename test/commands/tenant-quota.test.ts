// claw tenant quota and claw tenant policy: reading needs tenant:read, each changing flag the permission its spec
// declares (checked by the dispatcher, shown by help), and numbers are held to the ranges the specs declare.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('tenant quota and policy: declared permissions and ranges', () => {
  const c = useControlPlane();

  it('lets a tenant admin read the quota but not change it; the refusal names the flag\'s permission', async () => {
    await c.must('claw tenant create acme');
    const boss = await c.member('boss', 'acme', 'tenant-admin');
    expect((await c.run('claw tenant quota acme', boss)).ok).toBe(true);
    for (const flags of ['--instances 5', '--memory 8Gi', '--reset']) {
      const r = await c.run(`claw tenant quota acme ${flags}`, boss);
      expect(r.code, flags).toBe('forbidden');
      expect(r.message).toBe('You may not run `claw tenant quota` on tenant acme (needs tenant:quota).');
    }
    expect((await c.must('claw tenant quota acme --instances 7')).result.quota.instances).toBe(7);
  });

  it('refuses an out-of-range number before the handler runs, with the range, and changes nothing', async () => {
    const r = await c.run('claw tenant quota acme --instances 100001');
    expect(r.code).toBe('invalid_argument');
    expect(r.message).toBe('Invalid flag --instances: must be from 0 to 100000');
    expect(r.text).toContain('^^^^^^');
    expect((await c.run('claw tenant quota acme --instances 100001', undefined, 'zh')).message).toBe('参数 --instances无效：须在 0 到 100000 之间');
    expect((await c.must('claw tenant quota acme')).result.quota.instances).toBe(7);
  });

  it('holds tenant policy to tenant:policy per flag, and the approval chat to chat:bind', async () => {
    const boss = await c.member('boss2', 'acme', 'tenant-admin');
    expect((await c.run('claw tenant policy acme', boss)).ok).toBe(true);
    const refused = await c.run('claw tenant policy acme --approvals 2', boss);
    expect(refused.message).toBe('You may not run `claw tenant policy` on tenant acme (needs tenant:policy).');
    // A tenant admin holds chat:bind: the flag gets past RBAC, and is refused only because this is not a chat group.
    const chat = await c.run('claw tenant policy acme --approval-chat here', boss);
    expect(chat.code).toBe('invalid_argument');
    const viewer = await c.member('vic', 'acme', 'viewer');
    expect((await c.run('claw tenant policy acme --approval-chat none', viewer)).message).toBe('You may not run `claw tenant policy` on tenant acme (needs chat:bind).');
    for (const [flags, message] of [
      ['--approvals 11', 'Invalid flag --approvals: must be from 0 to 10'],
      ['--expiry 30s', 'Invalid flag --expiry: must be from 1m to 7d'],
      ['--batch-threshold -1', 'Invalid flag --batch-threshold: must be from 0 to 100000'],
    ] as const) {
      expect((await c.run(`claw tenant policy acme ${flags}`)).message, flags).toBe(message);
    }
    expect((await c.must('claw tenant policy acme')).result.policy.approvals).toBe(1);
  });

  it('shows the ranges and the flags\' permissions in help, in both languages', async () => {
    const en = (await c.must('claw help tenant quota')).text;
    expect(en).toContain('Permission: tenant:read; tenant:quota with --instances, --cpu, --memory, --storage, --tokens, --hard-stop, --reset');
    expect(en).toMatch(/--instances N\s+Most instances \(range: 0 to 100000; needs tenant:quota\)/);
    const policy = (await c.must('claw help tenant policy')).text;
    expect(policy).toContain('; chat:bind with --approval-chat');
    expect(policy).toMatch(/--expiry DURATION\s+How long a request stays open \(range: 1m to 7d; needs tenant:policy\)/);
    const zh = (await c.run('claw help tenant quota', undefined, 'zh')).text;
    expect(zh).toContain('所需权限: tenant:read；使用 --instances、--cpu、--memory、--storage、--tokens、--hard-stop、--reset 时还需 tenant:quota');
    expect(zh).toMatch(/--instances N\s+实例数上限（范围：0 到 100000；需要 tenant:quota 权限）/);
    expect((await c.must('claw help status')).text).toMatch(/--limit N\s+Rows per page \(default 100\) \(range: 1 to 1000\)/);
  });

  it('sets a monthly token budget with a hard stop, shows it, refuses a typo without changing it, and resets it', async () => {
    const set = await c.must('claw tenant quota acme --tokens 50M --hard-stop on');
    expect(set.result.tokens).toEqual({ usedThisMonth: 0, monthlyBudget: 50_000_000, hardStop: true });
    expect(set.text).toMatch(/tokens this month\s+0\s+50M \(hard stop\)/);
    const typo = await c.run('claw tenant quota acme --tokens 50MB');
    expect(typo.message).toBe('Invalid flag --tokens: "50MB" is not a token count; write a whole number or one with K, M or B, e.g. 800K, 50M, 1.5B');
    expect((await c.run('claw tenant quota acme --hard-stop maybe')).message).toBe('Invalid flag --hard-stop: "maybe" is not one of on, off');
    expect((await c.must('claw tenant quota acme')).result.tokens.monthlyBudget).toBe(50_000_000);
    const zh = await c.run('claw tenant quota acme', undefined, 'zh');
    expect(zh.text).toMatch(/本月 token\s+0\s+50M（用尽即停）/);
    expect((await c.must('claw tenant quota acme --hard-stop off')).result.tokens).toEqual({ usedThisMonth: 0, monthlyBudget: 50_000_000, hardStop: false });
    expect((await c.must('claw tenant quota acme --reset')).result.tokens).toEqual({ usedThisMonth: 0, monthlyBudget: null, hardStop: false });
  });

  it('lets a tenant admin budget a project but not an operator; a reset leaves the project without a budget', async () => {
    await c.must('claw project create sales --tenant acme');
    const boss = await c.member('boss3', 'acme', 'tenant-admin');
    const op = await c.member('opal', 'acme', 'operator');
    expect((await c.run('claw project quota sales --tokens 10M', op)).message).toBe('You may not run `claw project quota` on project acme/sales (needs project:quota).');
    expect((await c.run('claw project quota sales', op)).ok).toBe(true);
    const set = await c.run('claw project quota sales --tokens 1.5亿', boss);
    expect(set.ok).toBe(true);
    expect((await c.must('claw project quota sales --tenant acme')).result.tokens).toEqual({ usedThisMonth: 0, monthlyBudget: 150_000_000 });
    expect((await c.must('claw project quota sales --tenant acme --reset')).result.tokens.monthlyBudget).toBeNull();
    expect((await c.run('claw project quota nope --tenant acme')).code).toBe('not_found');
  });
});
