// Runs command text for an API route and answers with the result or error envelope and the matching HTTP status.
// A client that accepts NDJSON sees progress while a command waits: the first progress line starts a streamed answer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClawError } from '../errors/claw-error.js';
import type { Locale } from '../i18n/locale.js';
import type { DispatchOutcome } from '../pipeline/dispatcher.js';
import { renderErrorText, toApiError } from '../render/error-text.js';
import { renderText } from '../render/text.js';
import type { ApiContext } from './api-context.js';
import { channelOf, localeOf } from './request-context.js';

export const NDJSON = 'application/x-ndjson';

/** The CLI and the web console send `Accept: application/x-ndjson` to see progress lines (README, "HTTP API"). */
export function acceptsProgress(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? '').toLowerCase().includes(NDJSON);
}

export async function runCommand(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  text: string,
  options: { locale?: string; exact?: boolean; successStatus?: number; progress?: boolean; attachment?: string } = {},
): Promise<unknown> {
  const principal = request.principal;
  if (!principal) throw new Error('runCommand needs an authenticated request');
  const locale = localeOf(request, options.locale, api.defaultLocale);
  const stream = options.progress ? new ProgressStream(request, reply) : undefined;
  let answer: { status: number; body: unknown };
  try {
    const outcome = await api.dispatcher.dispatch({
      requestId: String(request.id),
      channel: channelOf(request),
      principal,
      text,
      locale,
      normalize: !options.exact,
      signal: api.signal,
      ...(options.attachment !== undefined ? { attachment: options.attachment } : {}),
      ...(stream ? { onProgress: (line: string) => stream.progress(line) } : {}),
    });
    answer = envelope(outcome, options.successStatus ?? 200);
  } catch (error) {
    // Once the answer streams, fastify's error handler can no longer answer; the last line says what went wrong.
    if (!stream?.started) throw error;
    request.log.error({ err: error }, 'request failed');
    answer = errorEnvelope(new ClawError('CLAW_INTERNAL_ERROR', { correlationId: request.id }), locale);
  }
  if (stream?.started) return stream.end(answer);
  reply.status(answer.status);
  return answer.body;
}

function envelope(outcome: DispatchOutcome, successStatus: number): { status: number; body: unknown } {
  if (!outcome.ok) return errorEnvelope(outcome.error, outcome.locale);
  // Held for approval: accepted, not done; the result names the approval to follow.
  return { status: outcome.held ? 202 : successStatus, body: { ok: true, result: outcome.result, text: renderText(outcome.view) } };
}

function errorEnvelope(error: ClawError, locale: Locale): { status: number; body: unknown } {
  return { status: error.status, body: { ok: false, error: toApiError(error, locale), text: renderErrorText(error, locale) } };
}

/**
 * An answer as NDJSON: `{"progress": "..."}` lines, then the envelope with the HTTP status it would have had as
 * `status`. Headers go out with the first progress line, so a command that never reports progress is answered as
 * plain JSON with its real status. A client that hangs up does not stop the command.
 */
class ProgressStream {
  started = false;

  constructor(private readonly request: FastifyRequest, private readonly reply: FastifyReply) {}

  progress(line: string): void {
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      this.reply.raw.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store', 'x-request-id': String(this.request.id) });
    }
    this.write({ progress: line });
  }

  end(answer: { status: number; body: unknown }): FastifyReply {
    this.write({ ...(answer.body as object), status: answer.status });
    if (!this.reply.raw.destroyed) this.reply.raw.end();
    return this.reply;
  }

  private write(message: object): void {
    if (!this.reply.raw.destroyed && !this.reply.raw.writableEnded) this.reply.raw.write(`${JSON.stringify(message)}\n`);
  }
}
