// Shared by the approval suites on the test cluster: a tenant with the people an approval involves (each with a named
// token), instances on the cluster, and small helpers over the HTTP API (commands, REST routes, audit, status).
import { expect } from 'vitest';
import type { CommandAnswer, TestControlPlane } from '../../support/test-control-plane.js';
import { randomToken } from '../../../src/util/ids.js';

/** Who takes part: the requester (operator), two approvers, a viewer and a tenant admin of the tenant. */
export const PEOPLE = { op: 'operator', ap1: 'approver', ap2: 'approver', viewer: 'viewer', ta: 'tenant-admin' } as const;
export type Person = keyof typeof PEOPLE;

export interface Crew {
  tenant: string;
  /** Each person's token, named `<person>-laptop` (it shows in identities as `token:<person>-laptop`). */
  tokens: Record<Person, string>;
}

export interface HttpAnswer {
  status: number;
  body: CommandAnswer;
}

export interface ApprovalData {
  id: number;
  command: string;
  text: string;
  scope: string;
  status: string;
  requester: string;
  reason: string | null;
  required: number;
  approvals: string[];
  rejections: Array<{ member: string; reason: string | null }>;
  targets: string[];
  expiresAt: string;
  result: string | null;
  createdAt: string;
}

export interface AuditEventData {
  seq: number;
  member: string | null;
  identity: string | null;
  channel: string;
  tenant: string | null;
  command: string | null;
  text: string;
  decision: string;
  outcome: string;
  errorCode: string | null;
}

export const uniqueTenant = (prefix: string) => `${prefix}${randomToken(6).toLowerCase()}`;

export function helpers(t: () => TestControlPlane) {
  const as = (token: string, text: string): Promise<HttpAnswer> => t().command(token, text);
  const admin = (text: string) => as(t().adminToken, text);
  const must = async (token: string, text: string): Promise<CommandAnswer> => {
    const r = await as(token, text);
    if (!r.body.ok) throw new Error(`${text}: ${r.body.text}`);
    return r.body;
  };

  /** A REST call with a member's token. */
  const rest = async (token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<HttpAnswer> => {
    const response = await fetch(`${t().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as CommandAnswer };
  };

  /** Creates the tenant, project p, every person with their role and a named token. */
  const crew = async (tenant: string): Promise<Crew> => {
    const token = t().adminToken;
    await must(token, `claw tenant create ${tenant}`);
    await must(token, `claw project create p --tenant ${tenant}`);
    const tokens = {} as Record<Person, string>;
    for (const [person, role] of Object.entries(PEOPLE) as Array<[Person, string]>) {
      await must(token, `claw member add ${person} --tenant ${tenant} --role ${role}`);
      tokens[person] = String((await must(token, `claw token create --member ${person} --tenant ${tenant} --name ${person}-laptop`)).result?.token);
    }
    return { tenant, tokens };
  };

  /** Creates an instance as the platform admin and waits until it runs. */
  const running = async (tenant: string, name: string, extra = ''): Promise<void> => {
    const r = await must(t().adminToken, `claw create ${name} --tenant ${tenant} --project p ${extra} --wait --timeout 60s`);
    expect(r.text).toBe(`${name}: Running (ready)`);
  };

  /** The instance as `claw status NAME` shows it to the platform admin (null when it does not exist). */
  const instance = async (tenant: string, name: string): Promise<{ phase: string; desiredPhase: string; generation: number } | null> => {
    const r = await admin(`claw status ${name} --tenant ${tenant}`);
    if (r.body.error?.code === 'not_found') return null;
    if (!r.body.ok) throw new Error(r.body.text);
    return (r.body.result as { instance: { phase: string; desiredPhase: string; generation: number } }).instance;
  };

  /** Polls `claw status` until the instance is in the phase (or gone, for null). */
  const until = async (tenant: string, name: string, phase: string | null, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last: Awaited<ReturnType<typeof instance>> = null;
    while (Date.now() < deadline) {
      last = await instance(tenant, name);
      if (phase === null ? last === null : last?.phase === phase) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} did not reach ${phase ?? 'gone'}; last ${JSON.stringify(last)}`);
  };

  /** The approval id of a held (HTTP 202) answer. */
  const heldId = (r: HttpAnswer): number => {
    expect(r.status, r.body.text).toBe(202);
    const approval = (r.body.result as { approval?: { id: number } } | undefined)?.approval;
    expect(approval?.id).toEqual(expect.any(Number));
    return approval!.id;
  };

  /** GET /api/v1/approvals/:id as this token. */
  const approval = async (token: string, id: number): Promise<ApprovalData> => {
    const r = await rest(token, 'GET', `/api/v1/approvals/${id}`);
    expect(r.status, r.body.text).toBe(200);
    return (r.body.result as { approval: ApprovalData }).approval;
  };

  /** The tenant's audit trail, newest first, as the platform admin sees it. */
  const audit = async (tenant: string, command?: string): Promise<AuditEventData[]> => {
    const query = new URLSearchParams({ tenant, limit: '500', ...(command ? { command } : {}) });
    const r = await rest(t().adminToken, 'GET', `/api/v1/audit?${query}`);
    expect(r.status, r.body.text).toBe(200);
    return (r.body.result as { events: AuditEventData[] }).events;
  };

  /**
   * The audit row of `member`'s `command` on approval `id` (approve, reject), once it is there: written when the
   * decision has been processed to the end, including any run of the held command it triggered.
   */
  const decided = async (tenant: string, member: string, command: 'approve' | 'reject', id: number): Promise<AuditEventData> => {
    const names = new RegExp(`^claw ${command} "?${id}"?( |$)`);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = (await audit(tenant, command)).find((e) => e.member === member && names.test(e.text));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no audit row for ${member}'s ${command} of #${id}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Audit rows of the held command run on behalf of approval `id` (identity `approval#<id> (...)`). */
  const runsOf = async (tenant: string, command: string, id: number): Promise<AuditEventData[]> =>
    (await audit(tenant, command)).filter((e) => e.identity?.startsWith(`approval#${id} `));

  return { as, admin, must, rest, crew, running, instance, until, heldId, approval, audit, decided, runsOf };
}
