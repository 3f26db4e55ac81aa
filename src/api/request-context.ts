// What the API knows about a request after authentication: the principal, its channel and locale.
import type { FastifyRequest } from 'fastify';
import { localeFromAcceptLanguage, parseLocale, type Locale } from '../i18n/locale.js';
import type { ChannelName } from '../pipeline/dispatcher.js';
import type { Principal } from '../model/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The CLI and the web page say who they are, so the audit trail shows the channel people actually used. */
export function channelOf(request: FastifyRequest): ChannelName {
  const client = String(request.headers['x-claw-client'] ?? '').toLowerCase();
  return client === 'cli' || client === 'web' ? client : 'api';
}

export function localeOf(request: FastifyRequest, bodyLocale: string | undefined, fallback: Locale): Locale {
  return parseLocale(bodyLocale) ?? parseLocale(String(request.headers['x-claw-locale'] ?? '')) ?? localeFromAcceptLanguage(request.headers['accept-language']) ?? fallback;
}
