// claw token create|list|revoke: own tokens for everyone, other members' tokens only with token:manage.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from './fixture.js';

describe('token commands', () => {
  const c = useControlPlane();

  it('creates a 90-day token by default, shown once, with its expiry', async () => {
    await c.must('claw tenant create acme');
    const r = await c.must('claw token create --name laptop');
    expect(r.result.token).toMatch(/^claw_[A-Za-z0-9]{40}$/);
    const days = (Date.parse(r.result.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    expect(r.text).toContain('(90d)');
    expect(r.text).toContain('Copy it now: it will not be shown again.');
  });

  it('honours --ttl and --no-expiry, and refuses both together', async () => {
    expect((await c.must('claw token create --ttl 1h')).text).toContain('(1h)');
    expect((await c.must('claw token create --no-expiry')).result.expiresAt).toBeNull();
    expect((await c.run('claw token create --ttl 1h --no-expiry')).message).toBe('Invalid --ttl: cannot be combined with --no-expiry');
    expect((await c.run('claw token create --name laptop')).code).toBe('conflict');
  });

  it('lets a viewer manage their own tokens only', async () => {
    const vic = await c.member('vic', 'acme', 'viewer');
    const own = await c.must('claw token create --name phone', vic);
    expect(own.result.member).toBe('vic');
    expect((await c.must('claw token list', vic)).result.tokens.map((t: { name: string }) => t.name).sort()).toEqual(expect.arrayContaining(['phone']));
    expect((await c.run('claw token list --member admin', vic)).code).toBe('forbidden');
    expect((await c.run('claw token create --member vic2', vic)).code).toBe('forbidden');
    expect((await c.run('claw token list --all', vic)).message).toBe('You may not run `claw token list` on tenant acme (needs token:manage).');
    expect((await c.must('claw token revoke phone', vic)).text).toBe('Token phone of vic revoked.');
    expect(await c.t.plane.identity.fromToken(own.result.token)).toBeNull();
  });

  it('lets a tenant admin list and revoke tokens of their members by id prefix, but not platform members', async () => {
    const lead = await c.member('lead', 'acme', 'tenant-admin');
    const all = await c.must('claw token list --all', lead);
    const vicToken = all.result.tokens.find((t: { member: string }) => t.member === 'vic');
    expect(all.result.tokens.every((t: { member: string }) => t.member !== 'admin')).toBe(true);
    expect((await c.must(`claw token revoke ${vicToken.id.slice(0, 8)} --member vic`, lead)).text).toContain('of vic revoked');
    // There is no tenant member called admin; token:manage on acme never reaches platform members.
    expect((await c.run('claw token create --member admin', lead)).message).toBe('Member `acme/admin` not found.');
  });

  it('answers not found for an unknown token', async () => {
    expect((await c.run('claw token revoke nothing')).text).toBe('Error: Token `nothing` not found.\nSee `claw token list`.');
  });
});
