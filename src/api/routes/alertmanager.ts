// POST /webhooks/alertmanager: Prometheus Alertmanager's webhook (version 4), authenticated by the bearer token of
// CLAW_ALERTMANAGER_TOKEN. Its alerts become alert cards routed by their tenant and project labels; a malformed body
// is refused whole with the first problem named (400), and a wrong or missing token with 401.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAlertmanagerPayload, type AlertmanagerAlert } from '../../engines/alerts/alertmanager-payload.js';
import { ClawError } from '../../errors/claw-error.js';
import type { Locale } from '../../i18n/locale.js';
import { renderErrorText, toApiError } from '../../render/error-text.js';

export interface AlertmanagerRouteOptions {
  /** The bearer token Alertmanager sends (`http_config.authorization.credentials`); unset refuses every request. */
  token: string | undefined;
  locale: Locale;
  receive(alerts: AlertmanagerAlert[], requestId: string): Promise<{ opened: number; duplicates: number; resolved: number; unknown: number }>;
  /** A request without the token: audited like any unauthenticated call. */
  rejected(request: FastifyRequest): Promise<unknown>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export function alertmanagerRoute(app: FastifyInstance, o: AlertmanagerRouteOptions): void {
  const expected = o.token ? digest(o.token) : undefined;
  const send = (reply: FastifyReply, error: ClawError) => reply.status(error.status).send({ ok: false, error: toApiError(error, o.locale), text: renderErrorText(error, o.locale) });
  app.post('/webhooks/alertmanager', {
    // Alertmanager holds no member token; this route checks its own bearer token instead.
    config: { public: true },
    schema: {
      tags: ['alerts'], summary: 'Prometheus Alertmanager webhook (version 4): alerts become chat cards routed by their tenant and project labels; Bearer CLAW_ALERTMANAGER_TOKEN', security: [],
      response: { default: { type: 'object', additionalProperties: true } },
    },
  }, async (request, reply) => {
    const header = request.headers.authorization;
    const given = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : '';
    // Digests of equal length, so the comparison takes the same time whatever the token's length or content.
    if (!expected || !given || !timingSafeEqual(digest(given), expected)) {
      if (!expected) request.log.warn('Alertmanager webhook refused: CLAW_ALERTMANAGER_TOKEN is not set');
      await o.rejected(request);
      return send(reply, new ClawError('CLAW_AUTH_UNAUTHENTICATED', {}));
    }
    let alerts: AlertmanagerAlert[];
    try {
      alerts = parseAlertmanagerPayload(request.body);
    } catch (error) {
      if (error instanceof ClawError) return send(reply, error);
      throw error;
    }
    const outcome = await o.receive(alerts, String(request.id));
    return reply.status(200).send({ ok: true, result: outcome });
  });
}
