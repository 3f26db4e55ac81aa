// Upgrading a database that holds data, on SQLite and MariaDB: from every earlier migration, rows written then (with
// only the columns that existed then) survive every later migration intact and stay usable by today's code.
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/channels/outbox/outbox.js';
import { AuditLog, GENESIS_HASH, hashEvent, keyedHashEvent } from '../../src/engines/audit/audit-log.js';
import { TenancyEngine } from '../../src/engines/tenancy/tenancy-engine.js';
import { ConfigStore } from '../../src/engines/config/config-store.js';
import { AdapterRegistry } from '../../src/engines/adapters/adapter-registry.js';
import { ADAPTERS } from '../../adapters/index.js';
import { isClawError } from '../../src/errors/claw-error.js';
import { dataSourceOptions, openStore } from '../../src/store/data-source.js';
import { ApiTokenEntity } from '../../src/store/entities/api-token.js';
import { ApprovalVoteEntity } from '../../src/store/entities/approval-vote.js';
import { ChatIdentityEntity } from '../../src/store/entities/chat-identity.js';
import { ApprovalEntity } from '../../src/store/entities/approval.js';
import { InboundEventEntity } from '../../src/store/entities/inbound-event.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { LeaseEntity } from '../../src/store/entities/lease.js';
import { memberNameKey } from '../../src/store/entities/member.js';
import { OutboxMessageEntity } from '../../src/store/entities/outbox-message.js';
import { RoleBindingEntity } from '../../src/store/entities/role-binding.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { isUniqueViolation } from '../../src/store/unique-violation.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

/** A moment with milliseconds, written as both databases store DATETIME(3) (UTC), to check it comes back exactly. */
const AT = '2025-01-02 03:04:05.678';
const AT_ISO = '2025-01-02T03:04:05.678Z';
const secrets = SecretBox.fromText(randomBytes(32).toString('hex'), 'test key');
const AUDIT_KEY = secrets.derive('audit');

/** Index of the migration that created what a seed writes (1-based, as the file names count). */
const CORE = 1;
const INSTANCES = 2;
const CHAT = 3;
const AUDIT_KEYED = 6;
const PROVENANCE = 7;
const CONFIG_CENTER = 14;

/** Rows written by plain SQL with the columns of their time: today's entities may have more, which must not matter. */
async function seed(ds: DataSource, upTo: number): Promise<void> {
  const q = (sql: string, params: unknown[]) => ds.query(sql, params);
  if (upTo >= CORE) {
    await q('INSERT INTO tenants (id, name, display_name, created_at, created_by) VALUES (?, ?, ?, ?, ?)', ['t-1', 'legacy', '老租户 🦞', AT, 'seed']);
    await q('INSERT INTO projects (id, tenant_id, name, display_name, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)', ['p-1', 't-1', 'ops', 'Ops', AT, 'seed']);
    await q('INSERT INTO members (id, tenant_id, name, name_key, display_name, kind, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'm-1', 't-1', 'olga', memberNameKey('t-1', 'olga'), 'Olga', 'person', AT, 'seed',
    ]);
    await q('INSERT INTO chat_bindings (id, platform, org_id, chat_id, tenant_id, project_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'cb-1', 'feishu', 'org', 'oc_legacy', 't-1', 'p-1', AT, 'seed',
    ]);
    // Credentials from before their creators were recorded: a token olga made herself, a grant by a name no member has,
    // an account that linked itself with a code (it has a display name) and one an admin attached.
    await q('INSERT INTO api_tokens (id, member_id, name, kind, token_hash, prefix, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'tok-1', 'm-1', 'laptop', 'person', 'c'.repeat(64), 'claw_legacy', AT, 'olga',
    ]);
    await q('INSERT INTO role_bindings (id, member_id, role_name, scope_kind, tenant_id, scope_key, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'rb-1', 'm-1', 'approver', 'tenant', 't-1', 't:t-1', AT, 'seed',
    ]);
    await q('INSERT INTO chat_identities (id, platform, org_id, user_id, member_id, display_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)', [
      'ci-1', 'feishu', 'org', 'ou_olga', 'm-1', 'Olga Petrova', AT, 'ci-2', 'dingtalk', '', 'staff-olga', 'm-1', null, AT,
    ]);
    if (upTo >= PROVENANCE) {
      // Written by a version that records creators: what migration 7 works out for older rows, that version stored.
      await q('UPDATE api_tokens SET created_by_member_id = ? WHERE id = ?', ['m-1', 'tok-1']);
      await q('UPDATE chat_identities SET confirmed_at = created_at WHERE id = ?', ['ci-1']);
    }
    // The audit chain hashed as the real writer hashes (today's writer needs today's columns): the hashes cover the
    // timestamps, so verify() proves they survived exactly, and rows from before a column existed still verify.
    let prevHash = GENESIS_HASH;
    for (let i = 1; i <= 3; i++) {
      const event = {
        seq: i, occurredAt: new Date(AT_ISO), requestId: `seed-${i}`, channel: 'api', memberId: 'm-1', memberName: 'olga', identity: 'token:seed',
        tenantName: 'legacy', scope: 'tenant/legacy', command: 'tenant show', text: `claw tenant show legacy #${i}`, decision: 'allowed' as const,
        outcome: 'success' as const, errorCode: null, durationMs: i, attempts: 1, prevHash,
      };
      if (upTo >= AUDIT_KEYED) {
        // Written since the chain is keyed: by tenant id, with the HMAC.
        const keyed = { ...event, tenantId: 't-1', hashVersion: 2 };
        const hash = keyedHashEvent(AUDIT_KEY, keyed);
        await q(
          `INSERT INTO audit_events (seq, occurred_at, request_id, channel, member_id, member_name, identity, tenant_id, tenant_name, scope, command, text,
            decision, outcome, error_code, duration_ms, attempts, hash_version, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [i, AT, event.requestId, event.channel, event.memberId, event.memberName, event.identity, 't-1', event.tenantName, event.scope, event.command, event.text,
            event.decision, event.outcome, event.errorCode, event.durationMs, 1, 2, prevHash, hash],
        );
        prevHash = hash;
        continue;
      }
      const hash = hashEvent(event);
      await q(
        `INSERT INTO audit_events (seq, occurred_at, request_id, channel, member_id, member_name, identity, tenant_name, scope, command, text, decision,
          outcome, error_code, duration_ms, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [i, AT, event.requestId, event.channel, event.memberId, event.memberName, event.identity, event.tenantName, event.scope, event.command, event.text,
          event.decision, event.outcome, event.errorCode, event.durationMs, prevHash, hash],
      );
      prevHash = hash;
    }
  }
  if (upTo >= INSTANCES) {
    // From the config center on, an instance names its config versions (0: written before the first start imported them).
    const versions = upTo >= CONFIG_CENTER;
    await q(
      `INSERT INTO instances (id, tenant_id, project_id, name, name_key, type, version, template, overrides, secret_overrides, labels, cpu, memory, storage,
        desired_phase, generation, restart_generation, stop_force, keep_data, gateway_token, phase, ready, restarts, reason, message, node, endpoint,
        started_at, last_transition_at, observed_generation, reconciled_generation, observed_restart_generation, trouble_since, created_at, created_by,
        updated_at, destroyed_at${versions ? ', config_version, values_version' : ''})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${versions ? ', 0, 0' : ''})`,
      [
        'i-1', 't-1', 'p-1', 'alpha', 'p-1/alpha', 'openclaw', '2026.9.6', 'default', '{"model":"gpt"}', secrets.seal('{"model.apiKey":"sk-legacy-0123456789"}'), '{"team":"a"}', '500m', '1Gi', '2Gi',
        'Running', 3, 1, 0, 0, secrets.seal('gateway-token'), 'Running', 1, 2, null, null, null, 'http://127.0.0.1:18789',
        AT, AT, 3, 3, 1, null, AT, 'seed', AT, null,
      ],
    );
    await q('INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at, transitions) VALUES (?, ?, ?, ?, ?, ?)', ['reconciler', 'replica-a', AT, AT, AT, 4]);
  }
  if (upTo >= CHAT) {
    await q('INSERT INTO inbound_events (id, platform, event_id, kind, payload, status, received_at, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'e-1', 'feishu', 'ev-legacy', 'message', secrets.seal('{"text":"claw whoami"}'), 'done', AT, AT,
    ]);
    await q(
      `INSERT INTO outbox_messages (platform, chat_key, address, kind, payload, reply_to, update_of, status, attempts, next_attempt_at, last_error,
        platform_message_id, correlation, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        'feishu', 'feishu/org/oc_legacy', JSON.stringify({ platform: 'feishu', orgId: 'org', chatId: 'oc_legacy', chatType: 'group' }), 'send',
        secrets.seal(JSON.stringify({ type: 'text', content: '{"text":"hello"}', updatable: false })), null, null, 'pending', 0, AT, null, null, 'approval:1', AT, null,
      ],
    );
    await q(
      `INSERT INTO approvals (tenant_id, scope, command, text_sealed, display_text, canonical_hash, targets, requester_member_id, requester_name,
        requester_identity, channel, reason, required, status, expires_at, decided_at, result, origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        't-1', 'tenant/legacy/project/ops/instance/alpha', 'destroy', secrets.seal('claw destroy alpha'), 'claw destroy alpha', 'a'.repeat(64),
        JSON.stringify([{ kind: 'instance', id: 'i-1', name: 'legacy/ops/alpha', version: 3 }]), 'm-1', 'olga', 'token:seed', 'api', null, 2, 'pending',
        AT, null, null, null, AT,
      ],
    );
    await q('INSERT INTO approval_votes (id, approval_id, member_id, member_name, identity, decision, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      'v-1', 1, 'm-2', 'ann', 'token:ann', 'approve', null, AT,
    ]);
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isClawError(error) ? error.code : isUniqueViolation(error) ? 'unique' : String(error);
  }
}

/** Every point a deployed database may have stopped at: after migration 1, 2, ... up to the one before the last. */
const EARLIER = MIGRATIONS.slice(0, -1).map((_, i) => i + 1);

describe.each(databaseKinds())('migrations on %s', (kind) => {
  it.each(EARLIER)('upgrades a database left after migration %i, keeping its data intact and usable', async (upTo) => {
    const db: TestDatabase = await createTestDatabase(kind);
    try {
      const old = new DataSource({ ...(await dataSourceOptions(db.settings)), migrations: MIGRATIONS.slice(0, upTo) });
      await old.initialize();
      try {
        await old.runMigrations({ transaction: 'each' });
        await seed(old, upTo);
      } finally {
        await old.destroy();
      }

      const store = await openStore(db.settings);
      try {
        const ds = store.dataSource;
        expect(await ds.showMigrations()).toBe(false);
        // The upgraded schema is exactly the one a fresh database gets.
        expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((x) => x.query)).toEqual([]);

        const tenancy = new TenancyEngine(ds);
        const tenant = await tenancy.getTenant('legacy');
        expect(tenant).toMatchObject({ displayName: '老租户 🦞', quotaInstances: null, quotaCpu: null, approvalPolicy: null, createdBy: 'seed' });
        expect(tenant.createdAt.toISOString()).toBe(AT_ISO);
        expect(await tenancy.findProject(tenant, 'ops')).toMatchObject({ id: 'p-1', displayName: 'Ops' });
        expect(await tenancy.findMember(tenant, 'olga')).toMatchObject({ id: 'm-1', displayName: 'Olga' });
        expect(await tenancy.chatBinding('feishu', 'org', 'oc_legacy')).toMatchObject({ tenant: { id: 't-1' }, project: { id: 'p-1' } });
        // Creators resolved where the name is one member; an account that linked itself counts as confirmed, one attached not.
        expect(await ds.getRepository(ApiTokenEntity).findOneByOrFail({ id: 'tok-1' })).toMatchObject({ createdBy: 'olga', createdByMemberId: 'm-1', createdVia: null });
        expect(await ds.getRepository(RoleBindingEntity).findOneByOrFail({ id: 'rb-1' })).toMatchObject({ createdBy: 'seed', createdByMemberId: null });
        const [linked, attached] = await ds.getRepository(ChatIdentityEntity).find({ order: { id: 'ASC' } });
        expect([linked?.confirmedAt?.toISOString(), attached?.confirmedAt, attached?.addedByMemberId]).toEqual([AT_ISO, null, null]);
        // Rows hashed without a key before the upgrade still verify (up to the upgrade point), and name their tenant by id.
        const audit = new AuditLog(ds, AUDIT_KEY);
        expect(await audit.verify()).toEqual({ ok: true, checked: 3 });
        expect(await audit.query({ tenants: new Set(['t-1']), limit: 10 })).toHaveLength(3);
        // Unique keys survived, and today's writers work on the upgraded tables.
        expect(await codeOf(tenancy.createTenant({ name: 'legacy', createdBy: 'test' }))).toBe('CLAW_CONFLICT_EXISTS');
        await tenancy.createTenant({ name: 'newcomer', createdBy: 'test' });
        await audit.append({
          requestId: 'after', channel: 'api', memberId: null, memberName: 'admin', identity: null, tenantName: null, scope: null,
          command: 'tenant create', text: 'claw tenant create newcomer', decision: 'allowed', outcome: 'success', errorCode: null, durationMs: 1,
        });
        expect(await audit.verify()).toEqual({ ok: true, checked: 4 });
        // Rows written from now on carry the keyed hash.
        expect((await audit.query({ tenants: 'all', limit: 1 }))[0]).toMatchObject({ seq: 4, hashVersion: 2 });

        if (upTo >= INSTANCES) {
          // The first start moves the instance's own `--set` values into config variables and points it at them.
          const configs = new ConfigStore({ db: ds, secrets, adapters: new AdapterRegistry(ADAPTERS) });
          await configs.bootstrap();
          const instance = await ds.getRepository(InstanceEntity).findOneByOrFail({ id: 'i-1' });
          expect(instance).toMatchObject({
            name: 'alpha', nameKey: 'p-1/alpha', labels: { team: 'a' }, desiredPhase: 'Running', generation: 3,
            stopForce: false, ready: true, restarts: 2, endpoint: 'http://127.0.0.1:18789',
          });
          expect(instance.configVersion).toBeGreaterThan(0);
          expect(await configs.list({ scope: 'instance', id: 'i-1' })).toMatchObject([
            { name: 'model', shown: 'gpt', secret: false }, { name: 'model.apiKey', shown: '****6789', secret: true },
          ]);
          expect((await configs.resolve(instance)).secrets).toEqual({ 'model.apiKey': 'sk-legacy-0123456789' });
          await configs.bootstrap();
          expect((await configs.history({ visible: 'all', limit: 10 })).map((v) => v.kind)).toEqual(['import', 'builtin']);
          expect(secrets.open(instance.gatewayToken)).toBe('gateway-token');
          expect(instance.startedAt?.toISOString()).toBe(AT_ISO);
          expect(await ds.getRepository(LeaseEntity).findOneByOrFail({ name: 'reconciler' })).toMatchObject({ holder: 'replica-a', transitions: 4 });
          // The project still counts its live instance.
          await expect(tenancy.deleteProject((await tenancy.findProject(tenant, 'ops'))!)).rejects.toThrow('still has 1 instance(s): alpha');
        }
        if (upTo >= CHAT) {
          const event = await ds.getRepository(InboundEventEntity).findOneByOrFail({ id: 'e-1' });
          expect(event).toMatchObject({ status: 'done', heartbeatAt: null });
          expect(JSON.parse(secrets.open(event.payload))).toEqual({ text: 'claw whoami' });
          // A redelivered event is still recognised by the unique (platform, event id) key.
          expect(await codeOf(ds.getRepository(InboundEventEntity).insert({ ...event, id: 'e-2' }))).toBe('unique');
          const outbox = new Outbox(ds, secrets);
          const [message] = await ds.getRepository(OutboxMessageEntity).find();
          expect(outbox.open(message!)).toEqual({ type: 'text', content: '{"text":"hello"}', updatable: false });
          expect(await outbox.backlog()).toMatchObject({ pending: 1, failed: 0 });
          const approval = await ds.getRepository(ApprovalEntity).findOneByOrFail({ id: 1 });
          expect(approval).toMatchObject({ status: 'pending', required: 2, targets: [{ kind: 'instance', id: 'i-1', name: 'legacy/ops/alpha', version: 3 }] });
          expect(secrets.open(approval.textSealed)).toBe('claw destroy alpha');
          const vote = await ds.getRepository(ApprovalVoteEntity).findOneByOrFail({ id: 'v-1' });
          expect(await codeOf(ds.getRepository(ApprovalVoteEntity).insert({ ...vote, id: 'v-2' }))).toBe('unique');
        }
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
