// The dispatcher under concurrent commands on both databases: each attempt audited before its answer, one valid chain;
// and scope resolution that reads a tenant once per command.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditEventEntity } from '../../src/store/entities/audit-event.js';
import { useControlPlane } from '../commands/fixture.js';
import { databaseKinds } from '../support/databases.js';

describe.each(databaseKinds())('dispatcher on %s', (kind) => {
  const c = useControlPlane({ database: kind });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('audits each of many concurrent HTTP commands before answering it, in one chain that verifies', async () => {
    const audits = c.t.plane.store.dataSource.getRepository(AuditEventEntity);
    const texts = Array.from({ length: 90 }, (_, i) => (i % 3 === 0 ? `claw tenant create mix-${i}` : i % 3 === 1 ? 'claw status' : 'claw whoami'));
    let next = 0;
    const answered: string[] = [];
    // 30 clients, each sending its next command as soon as the previous one is answered.
    await Promise.all(Array.from({ length: 30 }, async () => {
      for (let i = next++; i < texts.length; i = next++) {
        const requestId = `mix-${kind}-${i}`;
        const response = await fetch(`${c.t.url}/api/v1/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.t.adminToken}`, 'x-request-id': requestId },
          body: JSON.stringify({ text: texts[i] }),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        // The answer came back: its audit event must already be committed.
        expect(await audits.countBy({ requestId })).toBe(1);
        answered.push(requestId);
      }
    }));
    expect(answered).toHaveLength(90);
    const events = await audits.count();
    // `claw audit verify` checks the chain as it was before its own attempt is audited.
    expect((await c.must('claw audit verify')).result).toEqual({ ok: true, checked: events });
  });

  it('reads the default tenant once for a command that names no tenant', async () => {
    const tenancy = c.t.plane.engines.tenancy;
    const find = vi.spyOn(tenancy, 'findTenant');
    const get = vi.spyOn(tenancy, 'getTenant');
    const r = await c.must('claw status');
    expect(r.result.tenant).toBe('default');
    expect(find.mock.calls.length + get.mock.calls.length).toBe(1);
  });

  it('still answers not found for a tenant that does not exist', async () => {
    const r = await c.run('claw status --tenant no-such-tenant');
    expect(r.code).toBe('not_found');
    expect(r.message).toContain('no-such-tenant');
  });
});
