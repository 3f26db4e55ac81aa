// claw secret status and claw secret rotate-key: counts only (never a value), platform-admin only, audited, zh and en.
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/store/secret-box.js';
import { insertRow } from '../support/sealed-rows.js';
import { useControlPlane } from './fixture.js';

const PLAIN = 'sk-live-do-not-show-0123456789';

describe('secret commands', () => {
  // A short refresh: rotate-key waits twice it for other replicas before its last pass.
  const c = useControlPlane({ settings: { secretRefreshMs: 50 } });

  /** Nothing of a secret: not the plain text, not a sealed value, not the key. */
  function expectNoSecret(r: { result: unknown; text: string }): void {
    const all = `${JSON.stringify(r.result)}\n${r.text}`;
    expect(all).not.toContain(PLAIN);
    expect(all).not.toMatch(/v[12]:[0-9:]*[A-Za-z0-9+/]{16}/);
  }

  it('counts sealed values per generation, rotates them, and says so in zh and en', async () => {
    const db = c.t.plane.store.dataSource;
    const box = c.t.plane.secrets;
    for (let i = 0; i < 3; i++) await insertRow(db, 'approvals', { text_sealed: box.seal(`claw create x --set apiKey=${PLAIN}`) });
    await insertRow(db, 'config_variables', { scope: 'global', scope_id: '', name: 'apiKey', sealed: box.seal(PLAIN) });

    const before = await c.must('claw secret status');
    expectNoSecret(before);
    expect(before.result).toMatchObject({ generation: 0, boundTo: 'current', rotation: null, older: 0, needPrevious: 0 });
    expect(before.result.total).toBeGreaterThanOrEqual(4);
    expect(before.text).toContain('New values are sealed with key generation 0.');
    expect(before.text).toMatch(/approvals\.text_sealed\s+3\s+0\s+g0: 3/);

    const rotated = await c.must('claw secret rotate-key --reason "yearly rotation"');
    expectNoSecret(rotated);
    expect(rotated.result).toMatchObject({ generation: 1, resumed: false, masterChanged: false, unreadable: 0 });
    expect(rotated.result.tables).toMatchObject({ approvals: { resealed: 3, unreadable: 0 }, config_variables: { resealed: 1, unreadable: 0 } });
    expect(rotated.text).toContain('Every secret at rest is now sealed with key generation 1');
    const [row] = await db.query('SELECT sealed FROM config_variables') as Array<{ sealed: string }>;
    expect(SecretBox.generationOf(row!.sealed)).toBe(1);
    expect(box.open(row!.sealed)).toBe(PLAIN);

    const zh = await c.run('claw secret rotate-key', undefined, 'zh');
    expect(zh.ok).toBe(true);
    expect(zh.text).toContain('所有静态密钥现已使用第 2 代密钥加密');
    const after = await c.run('claw secret status', undefined, 'zh');
    expectNoSecret(after);
    expect(after.result).toMatchObject({ generation: 2, older: 0, rotation: null });
    expect(after.text).toContain('新值使用第 2 代密钥加密。');

    // Every attempt is audited, with its reason, like any command.
    const audit = await c.must('claw audit --command "secret rotate-key"');
    expect(audit.result.events).toHaveLength(2);
    expect(JSON.stringify(audit.result.events)).toContain('yearly rotation');
  });

  it('is for platform admins only', async () => {
    await c.must('claw tenant create acme');
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    for (const text of ['claw secret rotate-key', 'claw secret status']) {
      const r = await c.run(text, lead);
      expect(r.ok, text).toBe(false);
      expect(r.code, text).toBe('forbidden');
    }
    const help = await c.must('claw help secret rotate-key');
    expect(help.text).toContain('secret:rotate');
    expect(help.text).toContain('dangerous');
  });
});
