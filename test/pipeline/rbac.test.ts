// RBAC decisions: role x command x scope, cross-tenant attempts denied, escalation refused, every denial audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contains, permits } from '../../src/model/rbac.js';
import type { Principal } from '../../src/model/principal.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

describe('permission patterns and scope containment', () => {
  it('matches exact permissions, resource wildcards and *', () => {
    expect(permits(['instance:stop'], 'instance:stop')).toBe(true);
    expect(permits(['instance:*'], 'instance:stop')).toBe(true);
    expect(permits(['*'], 'tenant:delete')).toBe(true);
    expect(permits(['instance:read'], 'instance:stop')).toBe(false);
    expect(permits(['instance:*'], 'instances:stop')).toBe(false);
    expect(permits(['instance:read'], '*')).toBe(false);
  });

  it('contains inner scopes only', () => {
    const acme = { kind: 'tenant', tenant: 'acme' } as const;
    const sales = { kind: 'project', tenant: 'acme', project: 'sales' } as const;
    expect(contains({ kind: 'platform' }, sales)).toBe(true);
    expect(contains(acme, sales)).toBe(true);
    expect(contains(sales, acme)).toBe(false);
    expect(contains({ kind: 'tenant', tenant: 'globex' }, sales)).toBe(false);
    expect(contains(acme, { kind: 'platform' })).toBe(false);
    expect(contains({ kind: 'project', tenant: 'acme', project: 'hr' }, sales)).toBe(false);
  });
});

describe('decision table', () => {
  let t: TestControlPlane;
  const who: Record<string, Principal> = {};

  beforeAll(async () => {
    t = await startTestControlPlane();
    const admin = await t.principal(t.adminToken);
    who.admin = admin;
    const setup = [
      'claw tenant create acme', 'claw tenant create globex',
      'claw project create sales --tenant acme', 'claw project create hr --tenant acme', 'claw project create ops --tenant globex',
      'claw member add tadmin --tenant acme --role tenant-admin', 'claw member add op --tenant acme --role operator',
      'claw member add dev --tenant acme --role developer', 'claw member add view --tenant acme --role viewer',
      'claw member add appr --tenant acme --role approver', 'claw member add projop --tenant acme --role viewer',
      'claw grant projop operator --tenant acme --project sales', 'claw revoke projop viewer --tenant acme',
      'claw member add gadmin --tenant globex --role tenant-admin',
    ];
    for (const text of setup) {
      const r = await t.run(admin, text);
      if (!r.ok) throw new Error(`${text}: ${r.error.message}`);
    }
    for (const [name, tenant] of [['tadmin', 'acme'], ['op', 'acme'], ['dev', 'acme'], ['view', 'acme'], ['appr', 'acme'], ['projop', 'acme'], ['gadmin', 'globex']] as const) {
      const r = await t.run(admin, `claw token create --member ${name} --tenant ${tenant}`);
      if (!r.ok) throw new Error(r.error.message);
      who[name] = await t.principal(String((r.result as { token: string }).token));
    }
  });
  afterAll(async () => t?.close());

  // allow = RBAC lets it through (the command may still answer 404 or 409); deny = 403 forbidden.
  const table: Array<[string, string, 'allow' | 'deny']> = [
    ['admin', 'claw tenant create t-one', 'allow'],
    ['admin', 'claw tenant delete nope', 'allow'],
    ['admin', 'claw audit verify', 'allow'],
    ['admin', 'claw member add p1 --platform', 'allow'],

    ['tadmin', 'claw tenant create t-two', 'deny'],
    ['tadmin', 'claw tenant list', 'allow'],
    ['tadmin', 'claw tenant show acme', 'allow'],
    ['tadmin', 'claw tenant show globex', 'deny'],
    ['tadmin', 'claw tenant delete acme', 'deny'],
    ['tadmin', 'claw project create p-a', 'allow'],
    ['tadmin', 'claw project create p-b --tenant globex', 'deny'],
    ['tadmin', 'claw project delete nope', 'allow'],
    ['tadmin', 'claw member add m-a', 'allow'],
    ['tadmin', 'claw member add m-b --tenant globex', 'deny'],
    ['tadmin', 'claw member add m-c --platform', 'deny'],
    ['tadmin', 'claw grant view developer', 'allow'],
    ['tadmin', 'claw grant view platform-admin --platform', 'deny'],
    ['tadmin', 'claw grant view platform-admin', 'deny'],
    ['tadmin', 'claw audit', 'allow'],
    ['tadmin', 'claw audit --tenant globex', 'deny'],
    ['tadmin', 'claw audit verify', 'deny'],
    ['tadmin', 'claw token list --all', 'allow'],
    ['tadmin', 'claw token create --member view', 'allow'],

    ['op', 'claw tenant show acme', 'allow'],
    ['op', 'claw project create p-c', 'deny'],
    ['op', 'claw member add m-d', 'deny'],
    ['op', 'claw member list', 'allow'],
    ['op', 'claw roles', 'allow'],
    ['op', 'claw grant view operator', 'deny'],
    ['op', 'claw audit', 'deny'],
    ['op', 'claw token create', 'allow'],
    ['op', 'claw token create --member view', 'deny'],
    ['op', 'claw token list --all', 'deny'],

    ['dev', 'claw project list', 'allow'],
    ['dev', 'claw project delete sales', 'deny'],
    ['dev', 'claw member remove view', 'deny'],

    ['view', 'claw tenant show acme', 'allow'],
    ['view', 'claw project list', 'allow'],
    ['view', 'claw member list', 'allow'],
    ['view', 'claw project create p-d', 'deny'],
    ['view', 'claw tenant delete acme', 'deny'],
    ['view', 'claw revoke op operator', 'deny'],
    ['view', 'claw token list', 'allow'],
    ['view', 'claw token revoke whatever', 'allow'],

    ['appr', 'claw tenant show acme', 'allow'],
    ['appr', 'claw member list', 'deny'],

    ['projop', 'claw tenant show acme', 'deny'],
    ['projop', 'claw project list', 'deny'],
    ['projop', 'claw whoami', 'allow'],

    ['gadmin', 'claw tenant show acme', 'deny'],
    ['gadmin', 'claw project list --tenant acme', 'deny'],
    ['gadmin', 'claw member add m-e --tenant acme', 'deny'],
    ['gadmin', 'claw member remove view --tenant acme', 'deny'],
    ['gadmin', 'claw grant view viewer --tenant acme', 'deny'],
    ['gadmin', 'claw audit --tenant acme', 'deny'],
    ['gadmin', 'claw token list --all --tenant acme', 'deny'],
    ['gadmin', 'claw project delete sales --tenant acme', 'deny'],
    ['gadmin', 'claw project list', 'allow'],
  ];

  it.each(table)('%s: %s -> %s', async (member, text, expected) => {
    const r = await t.run(who[member]!, text);
    // allow: it ran, or the command itself answered with a user error (4xx: not found, conflict, bad argument); a
    // crash or an unavailable backend (5xx) is neither an allow nor a deny.
    const decision = r.ok ? 'allow' : r.error.apiCode === 'forbidden' ? 'deny' : r.error.status < 500 ? 'allow' : `error ${r.error.apiCode}`;
    expect(decision, r.ok ? 'ok' : `${r.error.code}: ${r.error.message}`).toBe(expected);
  });

  it('filters listings to what the member may see', async () => {
    const tadmin = await t.run(who.tadmin!, 'claw tenant list');
    expect(tadmin.ok && (tadmin.result as { tenants: Array<{ name: string }> }).tenants.map((x) => x.name)).toEqual(['acme']);
    const admin = await t.run(who.admin!, 'claw tenant list');
    expect(admin.ok && (admin.result as { tenants: Array<{ name: string }> }).tenants.map((x) => x.name)).toEqual(['acme', 'default', 'globex', 't-one']);
  });

  it('recorded every denial in the audit trail with the member and scope', async () => {
    const denials = table.filter(([, , d]) => d === 'deny').length;
    const r = await t.run(who.admin!, 'claw audit --decision denied --limit 1000');
    const events = r.ok ? (r.result as { events: Array<{ member: string; scope: string; errorCode: string }> }).events : [];
    expect(events).toHaveLength(denials);
    expect(events.every((e) => e.errorCode === 'forbidden')).toBe(true);
    expect(events.some((e) => e.member === 'gadmin' && e.scope === 'tenant/acme')).toBe(true);
  });

  it('explains a denial with the permission and the scope', async () => {
    const r = await t.run(who.view!, 'claw project create p-e');
    expect(!r.ok && r.error.message).toBe('You may not run `claw project create` on tenant acme (needs project:create).');
    const zh = await t.run(who.view!, 'claw project create p-e', 'zh');
    expect(!zh.ok && zh.error.messageIn('zh')).toBe('你无权在 租户 acme 上执行 `claw project create`（需要权限 project:create）。');
  });

  it('refuses an escalating grant with its own code and the missing permission', async () => {
    const r = await t.run(who.tadmin!, 'claw grant view platform-admin');
    expect(!r.ok && r.error.code).toBe('CLAW_AUTH_ESCALATION');
    expect(!r.ok && r.error.message).toContain('lack * there yourself');
  });
});
