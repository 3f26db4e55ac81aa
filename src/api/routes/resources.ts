// REST resources (tenants, projects, members, roles, tokens, audit): typed shortcuts that run the same commands.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { commandText, type FlagValue } from '../command-text.js';
import { runCommand } from '../run-command.js';
import { envelopeResponses } from '../schemas.js';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;
type Body = Record<string, unknown>;

interface ResourceRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  tag: string;
  summary: string;
  params?: Record<string, object>;
  query?: Record<string, object>;
  body?: { required?: string[]; properties: Record<string, object> };
  /** The command this route runs, built from the request; values are quoted, so they parse exactly as sent. */
  command(input: { params: Params; query: Query; body: Body }): { words: string[]; positionals?: Array<string | undefined>; flags?: Record<string, FlagValue> };
  created?: boolean;
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
      decision: { type: 'string', enum: ['allowed', 'denied', 'invalid', 'unauthenticated'] }, limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, tenant: str('Tenant name'),
    },
    command: ({ query }) => ({
      words: ['audit'],
      flags: { since: query.since, member: query.member, command: query.command, decision: query.decision, limit: query.limit, tenant: query.tenant },
    }),
  },
  { method: 'GET', url: '/api/v1/audit/verify', tag: 'audit', summary: 'Verify the audit hash chain', command: () => ({ words: ['audit', 'verify'] }) },
];

export function resourceRoutes(app: FastifyInstance, api: ApiContext): void {
  for (const route of ROUTES) {
    const { 200: ok, ...failures } = envelopeResponses;
    const response = route.created ? { 201: ok, ...failures } : envelopeResponses;
    const schema: Record<string, unknown> = { tags: [route.tag], summary: route.summary, response };
    if (route.params) schema.params = { type: 'object', required: Object.keys(route.params), properties: route.params };
    if (route.query) schema.querystring = { type: 'object', additionalProperties: false, properties: route.query };
    if (route.body) schema.body = { type: 'object', additionalProperties: false, required: route.body.required ?? [], properties: route.body.properties };
    app.route({
      method: route.method,
      url: route.url,
      schema,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const spec = route.command({ params: request.params as Params, query: (request.query ?? {}) as Query, body: (request.body ?? {}) as Body });
        const text = commandText(spec.words, spec.positionals ?? [], spec.flags ?? {});
        return runCommand(api, request, reply, text, { exact: true, successStatus: route.created ? 201 : 200 });
      },
    });
  }
}
