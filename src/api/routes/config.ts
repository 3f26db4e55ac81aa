// REST routes for the config center (variables, templates, versions): typed shortcuts that run the same commands, under
// the same RBAC and audit. Rollouts have their own file (rollouts.ts).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { MAX_ATTACHMENT } from './commands.js';
import { IntFlagQuery, resourceRoutes, type ResourceRoute } from './resources.js';

const str = (description: string, extra: object = {}) => ({ type: 'string', minLength: 1, maxLength: 200, description, ...extra });
const flag = { type: 'string', enum: ['true', 'false'] };
/** Where a variable is set: one of these (none: the token's tenant). */
const scopeQuery = {
  global: { ...flag, description: 'Global scope (platform admins)' },
  tenant: str('Tenant name'), project: str('Project name'), instance: str('Instance name or id'),
};
type ScopeQuery = Partial<Record<keyof typeof scopeQuery, string | undefined>>;
const scopeFlags = (q: ScopeQuery) => ({ global: q.global === 'true', tenant: q.tenant, project: q.project, instance: q.instance });
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const yamlBody = {
  required: ['yaml'],
  properties: { yaml: { type: 'string', minLength: 1, maxLength: MAX_ATTACHMENT, description: 'The template as YAML' }, message: str('Why: kept with the version', { maxLength: 500 }) },
};

const CONFIG_ROUTES: ResourceRoute[] = [
  {
    method: 'GET', url: '/api/v1/config/variables', tag: 'config', summary: 'Variables set at a scope, or an instance\'s effective config with provenance (claw config list)',
    query: scopeQuery, command: ({ query }) => ({ words: ['config', 'list'], flags: scopeFlags(query) }),
  },
  {
    method: 'GET', url: '/api/v1/config/variables/:name', tag: 'config', summary: 'One variable; with instance, every layer\'s value (claw config get --explain)',
    params: { name: str('Variable name', { maxLength: 100 }) }, query: scopeQuery,
    command: ({ params, query }) => ({ words: ['config', 'get'], positionals: [params.name], flags: { ...scopeFlags(query), explain: query.instance !== undefined } }),
  },
  {
    method: 'PUT', url: '/api/v1/config/variables', tag: 'config', summary: 'Set variables at a scope as a new version (claw config set); published separately',
    body: {
      required: ['values'],
      properties: {
        values: { type: 'object', minProperties: 1, maxProperties: 100, additionalProperties: { type: 'string', maxLength: 2000 }, description: 'name: value (a list as a,b,c)' },
        global: { type: 'boolean' }, tenant: str('Tenant name'), project: str('Project name'), instance: str('Instance name or id'), message: str('Why', { maxLength: 500 }),
      },
    },
    command: ({ body }) => ({
      words: ['config', 'set'], positionals: Object.entries(body.values as Record<string, string>).map(([k, v]) => `${k}=${v}`),
      flags: { global: body.global === true, tenant: s(body.tenant), project: s(body.project), instance: s(body.instance), message: s(body.message) },
    }),
  },
  {
    method: 'DELETE', url: '/api/v1/config/variables/:name', tag: 'config', summary: 'Unset a variable at a scope as a new version (claw config unset)',
    params: { name: str('Variable name', { maxLength: 100 }) }, query: { ...scopeQuery, message: str('Why', { maxLength: 500 }) },
    command: ({ params, query }) => ({ words: ['config', 'unset'], positionals: [params.name], flags: { ...scopeFlags(query), message: query.message } }),
  },
  {
    method: 'GET', url: '/api/v1/config/versions', tag: 'config', summary: 'Config versions, newest first (claw config history)',
    query: { tenant: str('Tenant name'), instance: str('Only versions reaching this instance'), limit: new IntFlagQuery(['config', 'history'], 'limit', '^[0-9]{1,3}$') },
    command: ({ query }) => ({ words: ['config', 'history'], flags: { tenant: query.tenant, instance: query.instance, limit: query.limit } }),
  },
  {
    method: 'GET', url: '/api/v1/config/diff', tag: 'config', summary: 'What changed between two versions (claw config diff)',
    query: { from: str('Version, e.g. v12', { maxLength: 12 }), to: str('Version, e.g. v14', { maxLength: 12 }), tenant: str('Tenant name') },
    command: ({ query }) => ({ words: ['config', 'diff'], positionals: [query.from, query.to], flags: { tenant: query.tenant } }),
  },
  { method: 'GET', url: '/api/v1/templates', tag: 'config', summary: 'Config templates (claw template list)', command: () => ({ words: ['template', 'list'] }) },
  {
    method: 'GET', url: '/api/v1/templates/:name', tag: 'config', summary: 'A template\'s YAML and variables, now or at a version (claw template show)',
    params: { name: str('Template name', { maxLength: 63 }) }, query: { version: str('Version, e.g. v12', { maxLength: 12 }) },
    command: ({ params, query }) => ({ words: ['template', 'show'], positionals: [params.name], flags: { version: query.version } }),
  },
  {
    method: 'POST', url: '/api/v1/templates', tag: 'config', summary: 'Create a template from YAML (claw template create)', created: true, body: yamlBody,
    command: ({ body }) => ({ words: ['template', 'create'], flags: { file: 'request.yaml', message: s(body.message) }, attachment: s(body.yaml) }),
  },
  {
    method: 'PUT', url: '/api/v1/templates/:name', tag: 'config', summary: 'Replace a template\'s YAML (claw template edit)',
    params: { name: str('Template name', { maxLength: 63 }) }, body: yamlBody,
    command: ({ params, body }) => ({ words: ['template', 'edit'], positionals: [params.name], flags: { file: 'request.yaml', message: s(body.message) }, attachment: s(body.yaml) }),
  },
];

export function configRoutes(app: FastifyInstance, api: ApiContext): void {
  resourceRoutes(app, api, CONFIG_ROUTES);
}
