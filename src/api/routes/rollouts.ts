// REST routes for rollouts (claw config publish / rollback, claw rollout status|pause|resume|abort): typed shortcuts that
// run the same commands, under the same RBAC, approvals and audit.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { resourceRoutes, type ResourceRoute } from './resources.js';

const str = (description: string, extra: object = {}) => ({ type: 'string', minLength: 1, maxLength: 200, description, ...extra });
const id = { id: str('Rollout number', { pattern: '^[0-9]{1,9}$' }) };
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The claws and the strategy, as `claw config publish` and `claw config rollback` take them. */
const targetProperties = {
  names: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 63 }, maxItems: 500, description: 'Instance names (or selector, or all)' },
  selector: str('Label selector, e.g. team=sales'),
  all: { type: 'boolean', description: 'Every instance of the tenant (or project)' },
  tenant: str('Tenant name'),
  project: str('Project name'),
  canary: str('Canary: a number (2), a share (10%) or names (demo,demo2)', { maxLength: 500 }),
  maxUnavailable: str('Claws moved at once after the canary: 3 or 20%', { maxLength: 10 }),
  autoPromote: str('Promote a healthy canary after this long, e.g. 10m', { maxLength: 40 }),
  healthTimeout: str('A moved claw must be running and ready within this, e.g. 5m', { maxLength: 40 }),
  message: str('Why', { maxLength: 500 }),
  dryRun: { type: 'boolean', description: 'Show the plan, change nothing' },
};

function targetFlags(body: Record<string, unknown>) {
  return {
    selector: s(body.selector), all: body.all === true, tenant: s(body.tenant), project: s(body.project), canary: s(body.canary),
    'max-unavailable': s(body.maxUnavailable), 'auto-promote': s(body.autoPromote), 'health-timeout': s(body.healthTimeout), message: s(body.message),
    'dry-run': body.dryRun === true,
  };
}

const scopeQuery = { tenant: str('Tenant name'), project: str('Project name') };

const ROLLOUT_ROUTES: ResourceRoute[] = [
  {
    method: 'GET', url: '/api/v1/rollouts', tag: 'rollouts', summary: 'Active and recent rollouts (claw rollout status)', query: scopeQuery,
    command: ({ query }) => ({ words: ['rollout', 'status'], flags: { tenant: query.tenant, project: query.project } }),
  },
  {
    method: 'GET', url: '/api/v1/rollouts/:id', tag: 'rollouts', summary: 'One rollout with a line per claw (claw rollout status ID)', params: id, query: scopeQuery,
    command: ({ params, query }) => ({ words: ['rollout', 'status'], positionals: [params.id], flags: { tenant: query.tenant, project: query.project } }),
  },
  {
    method: 'POST', url: '/api/v1/rollouts', tag: 'rollouts', summary: 'Publish the newest config to claws as a rollout (claw config publish); dryRun shows the plan',
    body: { properties: targetProperties },
    command: ({ body }) => ({ words: ['config', 'publish'], positionals: strings(body.names), flags: targetFlags(body) }),
  },
  {
    method: 'POST', url: '/api/v1/config/rollback', tag: 'rollouts', summary: 'Roll claws back to a config version, or undo a rollout (claw config rollback)',
    body: { properties: { ...targetProperties, to: str('The version to go back to, e.g. v12', { maxLength: 12 }), rollout: { type: 'integer', minimum: 1, description: 'Undo this rollout' } } },
    command: ({ body }) => ({
      words: ['config', 'rollback'], positionals: strings(body.names),
      flags: { ...targetFlags(body), to: s(body.to), rollout: typeof body.rollout === 'number' ? String(body.rollout) : undefined },
    }),
  },
  ...(['pause', 'resume', 'abort'] as const).map((verb): ResourceRoute => ({
    method: 'POST', url: `/api/v1/rollouts/:id/${verb}`, tag: 'rollouts',
    summary: {
      pause: 'Pause a rollout (claw rollout pause)', resume: 'Resume a rollout or promote its canary (claw rollout resume)', abort: 'Stop a rollout where it is (claw rollout abort)',
    }[verb],
    params: id, body: { properties: { tenant: str('Tenant name'), project: str('Project name') } },
    command: ({ params, body }) => ({ words: ['rollout', verb], positionals: [params.id], flags: { tenant: s(body.tenant), project: s(body.project) } }),
  })),
];

export function rolloutRoutes(app: FastifyInstance, api: ApiContext): void {
  resourceRoutes(app, api, ROLLOUT_ROUTES);
}
