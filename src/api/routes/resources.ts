// REST resources (tenants, projects, members, roles, tokens, audit): typed shortcuts that run the same commands.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CommandRegistry } from '../../pipeline/command-registry.js';
import { rangeText } from '../../pipeline/value-range.js';
import type { ApiContext } from '../api-context.js';
import { commandText, type FlagValue } from '../command-text.js';
import { runCommand } from '../run-command.js';
import { envelopeResponses } from '../schemas.js';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
type Body = Record<string, unknown>;

export interface ResourceRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  tag: string;
  summary: string;
  params?: Record<string, object>;
  query?: Record<string, object | IntFlagQuery>;
  body?: { required?: string[]; properties: Record<string, object> };
  /** The command this route runs, built from the request; values are quoted, so they parse exactly as sent. */
  command(input: { params: Params; query: Query; body: Body }): { words: string[]; positionals?: Array<string | undefined>; flags?: Record<string, FlagValue>; attachment?: string | undefined };
  created?: boolean;
}

/**
 * A query parameter passed on as an `int` flag: validated as digits (query values are text, and types are not coerced),
 * documented as an integer with the range the flag's spec declares, which the binder enforces.
 */
export class IntFlagQuery {
  constructor(readonly words: readonly string[], readonly flag: string, readonly pattern: string) {}
}

const str = (description: string, extra: object = {}) => ({ type: 'string', minLength: 1, maxLength: 200, description, ...extra });
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const ROUTES: ResourceRoute[] = [
  { method: 'GET', url: '/api/v1/whoami', tag: 'identity', summary: 'Who the token belongs to', command: () => ({ words: ['whoami'] }) },
  { method: 'GET', url: '/api/v1/roles', tag: 'rbac', summary: 'Roles and their permissions', command: () => ({ words: ['roles'] }) },
  { method: 'GET', url: '/api/v1/tenants', tag: 'tenants', summary: 'List tenants', command: () => ({ words: ['tenant', 'list'] }) },
  {
    method: 'POST', url: '/api/v1/tenants', tag: 'tenants', summary: 'Create a tenant', created: true,
    body: { required: ['name'], properties: { name: str('Tenant name'), displayName: str('Display name') } },
    command: ({ body }) => ({ words: ['tenant', 'create'], positionals: [s(body.name)], flags: { 'display-name': s(body.displayName) } }),
  },
  {
    method: 'GET', url: '/api/v1/tenants/:tenant', tag: 'tenants', summary: 'Show a tenant', params: { tenant: str('Tenant name') },
    command: ({ params }) => ({ words: ['tenant', 'show'], positionals: [params.tenant] }),
  },
  {
    method: 'DELETE', url: '/api/v1/tenants/:tenant', tag: 'tenants', summary: 'Delete a tenant without projects', params: { tenant: str('Tenant name') },
    command: ({ params }) => ({ words: ['tenant', 'delete'], positionals: [params.tenant] }),
  },
  {
    method: 'GET', url: '/api/v1/tenants/:tenant/projects', tag: 'projects', summary: 'List projects', params: { tenant: str('Tenant name') },
    command: ({ params }) => ({ words: ['project', 'list'], flags: { tenant: params.tenant } }),
  },
  {
    method: 'POST', url: '/api/v1/tenants/:tenant/projects', tag: 'projects', summary: 'Create a project', created: true, params: { tenant: str('Tenant name') },
    body: { required: ['name'], properties: { name: str('Project name'), displayName: str('Display name') } },
    command: ({ params, body }) => ({ words: ['project', 'create'], positionals: [s(body.name)], flags: { tenant: params.tenant, 'display-name': s(body.displayName) } }),
  },
  {
    method: 'DELETE', url: '/api/v1/tenants/:tenant/projects/:project', tag: 'projects', summary: 'Delete a project',
    params: { tenant: str('Tenant name'), project: str('Project name') },
    command: ({ params }) => ({ words: ['project', 'delete'], positionals: [params.project], flags: { tenant: params.tenant } }),
  },
  {
    method: 'GET', url: '/api/v1/tenants/:tenant/members', tag: 'members', summary: 'List members', params: { tenant: str('Tenant name') },
    command: ({ params }) => ({ words: ['member', 'list'], flags: { tenant: params.tenant } }),
  },
  {
    method: 'POST', url: '/api/v1/tenants/:tenant/members', tag: 'members', summary: 'Add a member', created: true, params: { tenant: str('Tenant name') },
    body: { required: ['name'], properties: { name: str('Member name'), role: str('Role on the tenant (default viewer)'), displayName: str('Display name') } },
    command: ({ params, body }) => ({
      words: ['member', 'add'], positionals: [s(body.name)], flags: { tenant: params.tenant, role: s(body.role), 'display-name': s(body.displayName) },
    }),
  },
  {
    method: 'DELETE', url: '/api/v1/tenants/:tenant/members/:member', tag: 'members', summary: 'Remove a member',
    params: { tenant: str('Tenant name'), member: str('Member name') },
    command: ({ params }) => ({ words: ['member', 'remove'], positionals: [params.member], flags: { tenant: params.tenant } }),
  },
  {
    method: 'POST', url: '/api/v1/tenants/:tenant/members/:member/roles', tag: 'rbac', summary: 'Grant a role on the tenant or one of its projects', created: true,
    params: { tenant: str('Tenant name'), member: str('Member name') },
    body: { required: ['role'], properties: { role: str('Role name'), project: str('Project name (default: the whole tenant)') } },
    command: ({ params, body }) => ({ words: ['grant'], positionals: [params.member, s(body.role)], flags: { tenant: params.tenant, project: s(body.project) } }),
  },
  {
    method: 'DELETE', url: '/api/v1/tenants/:tenant/members/:member/roles/:role', tag: 'rbac', summary: 'Revoke a role',
    params: { tenant: str('Tenant name'), member: str('Member name'), role: str('Role name') }, query: { project: str('Project name') },
    command: ({ params, query }) => ({ words: ['revoke'], positionals: [params.member, params.role], flags: { tenant: params.tenant, project: query.project } }),
  },
  {
    method: 'GET', url: '/api/v1/tokens', tag: 'tokens', summary: 'List active tokens (yours, or a member\'s with token:manage)',
    query: { member: str('Member name'), tenant: str('Tenant name'), all: { type: 'string', enum: ['true', 'false'] } },
    command: ({ query }) => ({ words: ['token', 'list'], flags: { member: query.member, tenant: query.tenant, all: query.all === 'true' } }),
  },
  {
    method: 'POST', url: '/api/v1/tokens', tag: 'tokens', summary: 'Create a token (the answer holds it once)', created: true,
    body: { properties: { member: str('Member name (default: you)'), tenant: str('Tenant of the member'), name: str('Token name'), ttl: str('Lifetime, e.g. 30d') } },
    command: ({ body }) => ({ words: ['token', 'create'], flags: { member: s(body.member), tenant: s(body.tenant), name: s(body.name), ttl: s(body.ttl) } }),
  },
  {
    method: 'DELETE', url: '/api/v1/tokens/:token', tag: 'tokens', summary: 'Revoke a token by name or id', params: { token: str('Token name or id') },
    query: { member: str('Member name'), tenant: str('Tenant name') },
    command: ({ params, query }) => ({ words: ['token', 'revoke'], positionals: [params.token], flags: { member: query.member, tenant: query.tenant } }),
  },
  {
    method: 'GET', url: '/api/v1/audit', tag: 'audit', summary: 'Audit events, newest first',
    query: {
      since: str('e.g. 1h, 7d'), member: str('Member name'), command: str('Command words, e.g. tenant delete'),
      decision: { type: 'string', enum: ['allowed', 'denied', 'invalid', 'unauthenticated'] }, limit: new IntFlagQuery(['audit'], 'limit', '^[0-9]{1,4}$'), tenant: str('Tenant name'),
    },
    command: ({ query }) => ({
      words: ['audit'],
      flags: { since: query.since, member: query.member, command: query.command, decision: query.decision, limit: query.limit, tenant: query.tenant },
    }),
  },
  { method: 'GET', url: '/api/v1/audit/verify', tag: 'audit', summary: 'Verify the audit hash chain', command: () => ({ words: ['audit', 'verify'] }) },
  {
    method: 'GET', url: '/api/v1/instances', tag: 'instances', summary: 'List instances (claw status)',
    query: { tenant: str('Tenant name'), project: str('Project name'), selector: str('Label selector, e.g. team=sales'), phase: { type: 'string', enum: ['creating', 'running', 'stopped', 'failed'] } },
    command: ({ query }) => ({ words: ['status'], flags: { tenant: query.tenant, project: query.project, selector: query.selector, phase: query.phase } }),
  },
  {
    method: 'POST', url: '/api/v1/instances', tag: 'instances', summary: 'Create an instance (claw create)', created: true,
    body: {
      required: ['name'],
      properties: {
        name: str('Instance name'), tenant: str('Tenant'), project: str('Project'), type: str('Claw type'), version: str('Version'), template: str('Config template'),
        set: { type: 'object', additionalProperties: { type: 'string', maxLength: 2000 }, description: 'Template variables' },
        cpu: str('CPU, e.g. 500m'), memory: str('Memory, e.g. 2Gi'), storage: str('Size of each volume'),
        labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 }, description: 'Labels' },
        wait: { type: 'boolean', description: 'Answer when Running (or Failed)' },
      },
    },
    command: ({ body }) => ({
      words: ['create'], positionals: [s(body.name)],
      flags: {
        tenant: s(body.tenant), project: s(body.project), type: s(body.type), version: s(body.version), template: s(body.template),
        cpu: s(body.cpu), memory: s(body.memory), storage: s(body.storage), set: pairs(body.set), label: pairs(body.labels), wait: body.wait === true,
      },
    }),
  },
  { method: 'GET', url: '/api/v1/instances/:id', tag: 'instances', summary: 'One instance (claw status NAME)', params: { id: str('Instance id') }, command: ({ params }) => ({ words: ['status'], positionals: [params.id] }) },
  {
    method: 'PUT', url: '/api/v1/instances/:id', tag: 'instances', summary: 'Change version, config, resources or labels (claw update)', params: { id: str('Instance id') },
    body: {
      properties: {
        version: str('Version'), set: { type: 'object', additionalProperties: { type: 'string', maxLength: 2000 } }, unset: { type: 'array', items: { type: 'string', maxLength: 100 } },
        cpu: str('CPU'), memory: str('Memory'), labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } }, wait: { type: 'boolean' },
      },
    },
    command: ({ params, body }) => ({
      words: ['update'], positionals: [params.id],
      flags: { version: s(body.version), set: pairs(body.set), unset: strings(body.unset), cpu: s(body.cpu), memory: s(body.memory), label: pairs(body.labels), wait: body.wait === true },
    }),
  },
  {
    method: 'DELETE', url: '/api/v1/instances/:id', tag: 'instances', summary: 'Destroy an instance (claw destroy)', params: { id: str('Instance id') },
    query: { keepData: { type: 'string', enum: ['true', 'false'] } },
    command: ({ params, query }) => ({ words: ['destroy'], positionals: [params.id], flags: { 'keep-data': query.keepData === 'true' } }),
  },
  ...(['start', 'stop', 'restart'] as const).map((verb): ResourceRoute => ({
    method: 'POST', url: `/api/v1/instances/:id/${verb}`, tag: 'instances', summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} an instance (claw ${verb})`,
    params: { id: str('Instance id') },
    body: { properties: { wait: { type: 'boolean' }, ...(verb === 'stop' ? { force: { type: 'boolean', description: 'Kill at once' } } : {}) } },
    command: ({ params, body }) => ({ words: [verb], positionals: [params.id], flags: { wait: body.wait === true, ...(verb === 'stop' ? { force: body.force === true } : {}) } }),
  })),
  {
    method: 'GET', url: '/api/v1/instances/:id/logs', tag: 'instances', summary: 'Log lines (claw logs)', params: { id: str('Instance id') },
    query: { tail: new IntFlagQuery(['logs'], 'tail', '^[0-9]{1,5}$'), since: str('e.g. 1h'), previous: { type: 'string', enum: ['true', 'false'] } },
    command: ({ params, query }) => ({ words: ['logs'], positionals: [params.id], flags: { tail: query.tail, since: query.since, previous: query.previous === 'true' } }),
  },
  {
    method: 'GET', url: '/api/v1/approvals', tag: 'approvals', summary: 'Approvals waiting (or all with all=true)',
    query: { tenant: str('Tenant name'), all: { type: 'string', enum: ['true', 'false'] } },
    command: ({ query }) => ({ words: ['approvals'], flags: { tenant: query.tenant, all: query.all === 'true' } }),
  },
  {
    method: 'GET', url: '/api/v1/approvals/:id', tag: 'approvals', summary: 'One approval with its votes', params: { id: str('Approval number', { pattern: '^[0-9]{1,9}$' }) },
    command: ({ params }) => ({ words: ['approvals'], positionals: [params.id] }),
  },
  ...(['approve', 'reject'] as const).map((verb): ResourceRoute => ({
    method: 'POST', url: `/api/v1/approvals/:id/${verb}`, tag: 'approvals',
    summary: verb === 'approve' ? 'Approve (claw approve): at the threshold the held command runs as requested' : 'Reject (claw reject): the held command never runs',
    params: { id: str('Approval number', { pattern: '^[0-9]{1,9}$' }) },
    body: { properties: { reason: str('Why', { maxLength: 500 }) } },
    command: ({ params, body }) => ({ words: [verb], positionals: [params.id], flags: { reason: s(body.reason) } }),
  })),
  { method: 'GET', url: '/api/v1/instances/:id/events', tag: 'instances', summary: 'Events (claw events)', params: { id: str('Instance id') }, command: ({ params }) => ({ words: ['events'], positionals: [params.id] }) },
];

/** `{ a: '1' }` -> `['a=1']` for repeatable key=value flags. */
function pairs(value: unknown): string[] | undefined {
  return value && typeof value === 'object' ? Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

/** The query schema as validated, and as documented when an `int` flag's range is worth showing. */
function queryDocs(query: Record<string, object | IntFlagQuery>, commands: CommandRegistry): { validated: Record<string, object>; documented?: Record<string, object> } {
  const validated: Record<string, object> = {};
  const documented: Record<string, object> = {};
  let ranged = false;
  for (const [name, entry] of Object.entries(query)) {
    if (!(entry instanceof IntFlagQuery)) {
      validated[name] = documented[name] = entry;
      continue;
    }
    const spec = commands.find(entry.words)?.command?.flags[entry.flag];
    // A route naming a flag that is not an int is a mistake in this file: it stops the start, never a request.
    if (spec?.kind !== 'int') throw new Error(`route query ${name}: claw ${entry.words.join(' ')} has no int flag --${entry.flag}`);
    const range = rangeText(spec);
    const description = `${spec.help.en}${range ? `; ${range.en}${spec.clamp ? ' (a value outside is brought to the nearest bound)' : ''}` : ''}`;
    validated[name] = { type: 'string', pattern: entry.pattern, description };
    documented[name] = { type: 'integer', description, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}) };
    ranged = true;
  }
  return { validated, ...(ranged ? { documented } : {}) };
}

/** Registers routes that run commands (these, or another file's: src/api/routes/usage.ts). */
export function resourceRoutes(app: FastifyInstance, api: ApiContext, routes: readonly ResourceRoute[] = ROUTES): void {
  for (const route of routes) {
    const { 200: ok, ...failures } = envelopeResponses;
    const response = route.created ? { 201: ok, ...failures } : envelopeResponses;
    const schema: Record<string, unknown> = { tags: [route.tag], summary: route.summary, response };
    if (route.params) schema.params = { type: 'object', required: Object.keys(route.params), properties: route.params };
    const query = route.query && queryDocs(route.query, api.commands);
    if (query) schema.querystring = { type: 'object', additionalProperties: false, properties: query.validated };
    if (route.body) schema.body = { type: 'object', additionalProperties: false, required: route.body.required ?? [], properties: route.body.properties };
    app.route({
      method: route.method,
      url: route.url,
      schema,
      // The document shows what the value means (an integer in a range), not only how it is spelled.
      ...(query?.documented ? { config: { swaggerTransform: ({ schema: s, url }) => ({ schema: { ...s, querystring: { type: 'object', additionalProperties: false, properties: query.documented } }, url }) } } : {}),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const spec = route.command({ params: request.params as Params, query: (request.query ?? {}) as Query, body: (request.body ?? {}) as Body });
        const text = commandText(spec.words, spec.positionals ?? [], spec.flags ?? {});
        return runCommand(api, request, reply, text, { exact: true, successStatus: route.created ? 201 : 200, ...(spec.attachment !== undefined ? { attachment: spec.attachment } : {}) });
      },
    });
  }
}
