// Liveness, readiness (the database answers; chat channels reported) and Prometheus metrics; public (no token), as
// probes and scrapers expect.
import type { FastifyInstance } from 'fastify';
import type { ChannelReport } from '../../engines/channels/channel-directory.js';
import type { Metrics } from '../../observability/metrics.js';
import type { RuntimeIsolation } from '../../runtime/runtime.js';

export interface HealthDeps {
  ready: () => Promise<Record<string, boolean>>;
  /** Configured chat channels; reported, not required: a platform outage must not take the API out of service. */
  channels: () => ChannelReport[];
  metrics: Metrics;
  /** Where claws run and how they are isolated; reported, like the channels. */
  runtime: () => { kind: string; isolation: RuntimeIsolation };
}

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const statusSchema = {
    type: 'object',
    properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } },
  } as const;
  const readySchema = {
    type: 'object',
    properties: {
      ...statusSchema.properties,
      channels: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: { mode: { type: 'string' }, connected: { type: 'boolean' }, detail: { type: 'string' }, since: { type: 'string' } },
        },
      },
      runtime: {
        type: 'object',
        properties: {
          kind: { type: 'string' },
          isolation: { type: 'string' },
          tenants: { type: 'array', items: { type: 'string' } },
          detail: { type: 'string' },
        },
      },
    },
  } as const;

  app.get('/healthz', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness: the process serves requests', security: [], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { public: true },
    schema: {
      tags: ['health'], summary: 'Readiness: the database is reachable; also which chat channels are connected and how claws are isolated', security: [],
      response: { 200: readySchema, 503: readySchema },
    },
  }, async (_request, reply) => {
    const checks = await deps.ready();
    const ready = Object.values(checks).every(Boolean);
    const channels = Object.fromEntries(deps.channels().map((c) => [c.platform, {
      mode: c.mode, connected: c.connected, ...(c.detail ? { detail: c.detail } : {}), ...(c.since ? { since: c.since.toISOString() } : {}),
    }]));
    const { kind, isolation } = deps.runtime();
    const runtime = { kind, isolation: isolation.mode, ...(isolation.tenants ? { tenants: [...isolation.tenants] } : {}), ...(isolation.reason ? { detail: isolation.reason.en } : {}) };
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks, channels, runtime };
  });

  app.get('/metrics', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Prometheus metrics', security: [], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
