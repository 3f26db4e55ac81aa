// Runs command text for an API route and answers with the result or error envelope and the matching HTTP status.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderErrorText, toApiError } from '../render/error-text.js';
import { renderText } from '../render/text.js';
import type { ApiContext } from './api-context.js';
import { channelOf, localeOf } from './request-context.js';

export async function runCommand(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  text: string,
  options: { locale?: string; exact?: boolean; successStatus?: number } = {},
): Promise<unknown> {
  const principal = request.principal;
  if (!principal) throw new Error('runCommand needs an authenticated request');
  const outcome = await api.dispatcher.dispatch({
    requestId: String(request.id),
    channel: channelOf(request),
    principal,
    text,
    locale: localeOf(request, options.locale, api.defaultLocale),
    normalize: !options.exact,
    signal: api.signal,
  });
  if (outcome.ok) {
    // Held for approval: accepted, not done; the result names the approval to follow.
    reply.status(outcome.held ? 202 : (options.successStatus ?? 200));
    return { ok: true, result: outcome.result, text: renderText(outcome.view) };
  }
  reply.status(outcome.error.status);
  return { ok: false, error: toApiError(outcome.error, outcome.locale), text: renderErrorText(outcome.error, outcome.locale) };
}
