// Chat platforms that push events over HTTP (Feishu in webhook mode), each at POST /webhooks/<platform>: the raw body goes to the channel untouched,
// because the signature covers the exact bytes; the channel verifies, decrypts and answers.
import type { FastifyInstance } from 'fastify';

export type WebhookHandler = (request: { headers: Record<string, string | string[] | undefined>; rawBody: string }) => Promise<{ status: number; body: unknown }>;

/** Chat events are a few kilobytes; anything near this is not an event. */
const WEBHOOK_BODY_LIMIT = 64 * 1024;

export async function webhookRoutes(app: FastifyInstance, handlers: Readonly<Record<string, WebhookHandler>>): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    for (const [platform, handle] of Object.entries(handlers)) {
      if (!handle) continue;
      scope.post(`/webhooks/${platform}`, {
        // Public: the platform has no token of ours; the channel checks the signature and refuses anything else.
        config: { public: true },
        schema: {
          tags: ['chat'], summary: `Event callback for ${platform} (webhook mode): verified, decrypted and acknowledged by the channel`, security: [],
          response: { default: { type: 'object', additionalProperties: true } },
        },
      }, async (request, reply) => {
        const result = await handle({ headers: request.headers, rawBody: typeof request.body === 'string' ? request.body : '' });
        return reply.status(result.status).send(result.body ?? {});
      });
    }
  });
}
