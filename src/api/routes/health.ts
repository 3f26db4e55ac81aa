// Liveness, readiness (the database answers; chat channels reported) and Prometheus metrics; public (no token), as
// probes and scrapers expect.
import type { FastifyInstance } from 'fastify';
import type { ChannelReport } from '../../engines/channels/channel-directory.js';
import type { Metrics } from '../../observability/metrics.js';

export interface HealthDeps {
  ready: () => Promise<Record<string, boolean>>;
  /** Configured chat channels; reported, not required: a platform outage must not take the API out of service. */
  channels: () => ChannelReport[];
  metrics: Metrics;
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
    },
  } as const;

  app.get('/healthz', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness: the process serves requests', security: [], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { public: true },
    schema: {
      tags: ['health'], summary: 'Readiness: the database is reachable; also which chat channels are connected', security: [],
      response: { 200: readySchema, 503: readySchema },
    },
  }, async (_request, reply) => {
    const checks = await deps.ready();
    const ready = Object.values(checks).every(Boolean);
    const channels = Object.fromEntries(deps.channels().map((c) => [c.platform, {
      mode: c.mode, connected: c.connected, ...(c.detail ? { detail: c.detail } : {}), ...(c.since ? { since: c.since.toISOString() } : {}),
    }]));
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks, channels };
  });

  app.get('/metrics', {
    config: { public: true },
    schema: { tags: ['health'], summary: 'Prometheus metrics', security: [], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
