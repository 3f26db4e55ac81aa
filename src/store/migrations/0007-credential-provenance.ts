// Migration 7: who created each token and grant, who attached each chat account and with which credential, whether its
// owner confirmed it, and the platform name of each voter: what separation of duties checks a vote against.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

const ref = (name: string) => new TableColumn({ name, type: 'varchar', length: '36', isNullable: true });
const via = (name: string) => new TableColumn({ name, type: 'varchar', length: '80', isNullable: true });

export class CredentialProvenance1763700000007 implements MigrationInterface {
  name = 'CredentialProvenance1763700000007';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns('api_tokens', [ref('created_by_member_id'), via('created_via')]);
    await runner.addColumns('role_bindings', [ref('created_by_member_id'), via('created_via')]);
    await runner.addColumns('chat_identities', [ref('added_by_member_id'), via('added_via'), new TableColumn({ name: 'confirmed_at', type: 'datetime', precision: 3, isNullable: true })]);
    await runner.addColumn('approval_votes', new TableColumn({ name: 'platform_name', type: 'varchar', length: '200', isNullable: true }));
    await runner.addColumn('link_codes', via('created_via'));
    // An account that linked itself with a code (the only way a display name was recorded) was confirmed from itself.
    await runner.query('UPDATE chat_identities SET confirmed_at = created_at WHERE display_name IS NOT NULL');
    // Older rows named their creator only. A name resolves to a member when exactly one member of the row's tenant (or of
    // the platform) has it; anything else stays unknown, and an unknown creator never counts as independent.
    const members = await runner.query('SELECT id, tenant_id, name FROM members') as Array<{ id: string; tenant_id: string | null; name: string }>;
    const creator = (name: string | null, tenantId: string | null): string | null => {
      if (!name) return null;
      const found = members.filter((m) => m.name === name && (m.tenant_id === null || m.tenant_id === tenantId));
      return found.length === 1 ? found[0]!.id : null;
    };
    const tenantOf = new Map(members.map((m) => [m.id, m.tenant_id]));
    const tokens = await runner.query("SELECT id, member_id, created_by FROM api_tokens WHERE kind = 'person'") as Array<{ id: string; member_id: string; created_by: string | null }>;
    for (const t of tokens) {
      const id = creator(t.created_by, tenantOf.get(t.member_id) ?? null);
      if (id) await runner.query('UPDATE api_tokens SET created_by_member_id = ? WHERE id = ?', [id, t.id]);
    }
    const bindings = await runner.query('SELECT id, tenant_id, created_by FROM role_bindings') as Array<{ id: string; tenant_id: string | null; created_by: string | null }>;
    for (const b of bindings) {
      const id = creator(b.created_by, b.tenant_id);
      if (id) await runner.query('UPDATE role_bindings SET created_by_member_id = ? WHERE id = ?', [id, b.id]);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('link_codes', 'created_via');
    await runner.dropColumn('approval_votes', 'platform_name');
    for (const c of ['confirmed_at', 'added_via', 'added_by_member_id']) await runner.dropColumn('chat_identities', c);
    for (const c of ['created_via', 'created_by_member_id']) await runner.dropColumn('role_bindings', c);
    for (const c of ['created_via', 'created_by_member_id']) await runner.dropColumn('api_tokens', c);
  }
}
