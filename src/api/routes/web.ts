// The web admin page: a chat console that sends commands to the same API with the user's token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../../util/package-root.js';

export function webRoutes(app: FastifyInstance): void {
  // Read once at start: the page is static, and a missing file should fail the start, not a request.
  const page = readFileSync(join(PACKAGE_ROOT, 'src', 'web', 'index.html'), 'utf8');
  // Public: the page holds no data; it asks for a token and sends it with every API call.
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
    return page;
  });
}
