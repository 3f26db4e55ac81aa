// Liveness, readiness (the database answers) and Prometheus metrics; no authentication, as probes and scrapers expect.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';

export function healthRoutes(app: FastifyInstance, deps: { ready: () => Promise<Record<string, boolean>>; metrics: Metrics }): void {
  const statusSchema = {
    type: 'object',
    properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } },
  } as const;

  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness: the process serves requests', security: [], response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: { tags: ['health'], summary: 'Readiness: the database (and later the channels) are reachable', security: [], response: { 200: statusSchema, 503: statusSchema } },
  }, async (_request, reply) => {
    const checks = await deps.ready();
    const ready = Object.values(checks).every(Boolean);
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks };
  });

  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics', security: [], produces: ['text/plain'], response: { 200: { type: 'string' } } },
  }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
