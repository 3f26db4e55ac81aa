// Builds the fastify server: request ids, authentication of every route not declared public, rate limits, routes, errors, metrics.
import '@fastify/swagger';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ClawError } from '../errors/claw-error.js';
import type { LogLevel } from '../config/settings.js';
import type { Metrics } from '../observability/metrics.js';
import type { IdentityResolver } from '../pipeline/identity.js';
import { renderErrorText, toApiError } from '../render/error-text.js';
import { PACKAGE_VERSION } from '../util/package-root.js';
import type { ApiContext } from './api-context.js';
import { authenticateRoutes } from './authentication.js';
import { channelOf, localeOf } from './request-context.js';
import { commandRoutes } from './routes/commands.js';
import { healthRoutes, type HealthDeps } from './routes/health.js';
import { webhookRoutes } from './routes/webhooks.js';
import { alertmanagerRoute, type AlertmanagerRouteOptions } from './routes/alertmanager.js';
import { resourceRoutes } from './routes/resources.js';
import { usageRoutes } from './routes/usage.js';
import { rolloutRoutes } from './routes/rollouts.js';
import { configRoutes } from './routes/config.js';
import { webRoutes } from './routes/web.js';
import { errorEnvelope, resultEnvelope } from './schemas.js';

/** Commands are short; the largest legitimate body is a config upload in later issues. */
const BODY_LIMIT = 256 * 1024;

export interface ServerOptions {
  api: ApiContext;
  identity: IdentityResolver;
  metrics: Metrics;
  ready: () => Promise<Record<string, boolean>>;
  channels: HealthDeps['channels'];
  runtime: HealthDeps['runtime'];
  /** Event callbacks of chat channels in webhook mode. */
  webhooks: Parameters<typeof webhookRoutes>[1];
  /** Prometheus Alertmanager's webhook (POST /webhooks/alertmanager); absent, the route does not exist. */
  alertmanager?: Omit<AlertmanagerRouteOptions, 'rejected'>;
  rateLimit: { perMinute: number; burst: number };
  /** Failed authentications per client address before it is refused without a database query. */
  authFailureLimit: { perMinute: number; burst: number };
  logLevel: LogLevel;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { api, identity, metrics } = options;
  const app = Fastify({
    logger: { level: options.logLevel, redact: ['req.headers.authorization', 'headers.authorization'] },
    bodyLimit: BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.decorateRequest('principal', null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Open Cluster Claw API', version: PACKAGE_VERSION, description: 'ChatOps control plane for fleets of AI assistants. Every route runs a `claw` command and is audited.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // Name shared schemas by their $id (ResultEnvelope, ErrorEnvelope) instead of def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(errorEnvelope);
  app.addSchema(resultEnvelope);

  const sendError = (request: FastifyRequest, reply: FastifyReply, error: ClawError) => {
    const locale = localeOf(request, undefined, api.defaultLocale);
    return reply.status(error.status).send({ ok: false, error: toApiError(error, locale), text: renderErrorText(error, locale) });
  };

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // Before any route: each route is authenticated by what the router matched unless it is declared public.
  authenticateRoutes(app, {
    identity,
    rateLimit: options.rateLimit,
    failureLimit: options.authFailureLimit,
    send: sendError,
    reject: (request, who) => {
      // The matched route, not the URL text, says whether the body is a command.
      const body = request.body as { text?: unknown } | undefined;
      const command = request.method === 'POST' && request.routeOptions.url === '/api/v1/commands' && typeof body?.text === 'string';
      const text = command ? String(body.text) : `${request.method} ${request.url}`;
      return api.dispatcher.rejectUnauthenticated({ requestId: String(request.id), channel: channelOf(request), text, identity: who });
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return sendError(request, reply, new ClawError('CLAW_HTTP_BAD_REQUEST', { detail: error.message }));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(request, reply, new ClawError('CLAW_HTTP_BODY_TOO_LARGE', { limit: BODY_LIMIT }));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      // Malformed JSON, wrong content type and the like: the client's mistake, said plainly.
      const clawError = new ClawError('CLAW_HTTP_BAD_REQUEST', { detail: error.message });
      const locale = localeOf(request, undefined, api.defaultLocale);
      return reply.status(error.statusCode).send({ ok: false, error: toApiError(clawError, locale), text: renderErrorText(clawError, locale) });
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(request, reply, new ClawError('CLAW_INTERNAL_ERROR', { correlationId: request.id }));
  });

  app.setNotFoundHandler((request, reply) => sendError(request, reply, new ClawError('CLAW_HTTP_ROUTE_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] })));

  healthRoutes(app, { ready: options.ready, channels: options.channels, runtime: options.runtime, metrics });
  await webhookRoutes(app, options.webhooks);
  if (options.alertmanager) {
    alertmanagerRoute(app, {
      ...options.alertmanager,
      rejected: (request) => api.dispatcher.rejectUnauthenticated({ requestId: String(request.id), channel: 'api', text: 'POST /webhooks/alertmanager', identity: null }),
    });
  }
  commandRoutes(app, api);
  resourceRoutes(app, api);
  usageRoutes(app, api);
  rolloutRoutes(app, api);
  configRoutes(app, api);
  webRoutes(app);
  app.get('/api/v1/openapi.json', { schema: { tags: ['meta'], summary: 'This OpenAPI document' } }, async () => app.swagger());

  await app.ready();
  return app;
}
