// The web admin page: a chat console that sends commands to the same API with the user's token.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PACKAGE_ROOT } from '../../util/package-root.js';

/**
 * Only the page's own files may run or style it: no inline script (an injected one cannot run), no framing
 * (clickjacking of the console), no plugins, forms and fetches to this origin only.
 */
export const WEB_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

/** Served files: read once at start, so a missing one fails the start, not a request. */
const FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/web/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/web/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

function secure(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', WEB_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    // The page's URL carries nothing secret, but no other site needs to learn it either.
    .header('referrer-policy', 'no-referrer')
    // The token lives in sessionStorage; a cached copy of the page is harmless but a stale script is not.
    .header('cache-control', 'no-cache');
}

export function webRoutes(app: FastifyInstance): void {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(join(PACKAGE_ROOT, 'src', 'web', file), 'utf8');
    // Public: the page and its files hold no data; the page asks for a token and sends it with every API call.
    app.get(url, { config: { public: true }, schema: { hide: true, security: [] } }, async (_request, reply) => {
      secure(reply, type);
      return body;
    });
  }
}
