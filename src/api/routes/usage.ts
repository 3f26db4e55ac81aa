// REST routes for usage (claw usage, claw top): typed shortcuts that run the same commands, under the same RBAC and audit.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { IntFlagQuery, resourceRoutes, type ResourceRoute } from './resources.js';

const str = (description: string, extra: object = {}) => ({ type: 'string', minLength: 1, maxLength: 200, description, ...extra });
const since = str('Start of the period: 1h, 24h, 7d, 30d or an ISO date such as 2026-01-31 (default 7d)', { maxLength: 40 });
const by = { type: 'string', enum: ['instance', 'project', 'tenant', 'model'], description: 'Group rows by (tenant: platform-wide only)' };

const USAGE_ROUTES: ResourceRoute[] = [
  {
    method: 'GET', url: '/api/v1/usage', tag: 'usage', summary: 'Tokens and model cost over a period, grouped (claw usage)',
    query: { since, by, tenant: str('Tenant name (none: your tenant, or the platform for platform members)'), project: str('Project name'), limit: new IntFlagQuery(['usage'], 'limit', '^[0-9]{1,4}$') },
    command: ({ query }) => ({ words: ['usage'], flags: { since: query.since, by: query.by, tenant: query.tenant, project: query.project, limit: query.limit } }),
  },
  {
    method: 'GET', url: '/api/v1/instances/:id/usage', tag: 'usage', summary: 'Tokens and model cost of one instance (claw usage NAME)',
    params: { id: str('Instance name') },
    query: { since, by, tenant: str('Tenant name'), project: str('Project name') },
    command: ({ params, query }) => ({ words: ['usage'], positionals: [params.id], flags: { since: query.since, by: query.by, tenant: query.tenant, project: query.project } }),
  },
  {
    method: 'GET', url: '/api/v1/top', tag: 'usage', summary: 'The busiest running claws now: CPU and memory in use (claw top)',
    query: { tenant: str('Tenant name'), project: str('Project name'), selector: str('Label selector, e.g. team=sales'), limit: new IntFlagQuery(['top'], 'limit', '^[0-9]{1,3}$') },
    command: ({ query }) => ({ words: ['top'], flags: { tenant: query.tenant, project: query.project, selector: query.selector, limit: query.limit } }),
  },
];

export function usageRoutes(app: FastifyInstance, api: ApiContext): void {
  resourceRoutes(app, api, USAGE_ROUTES);
}
