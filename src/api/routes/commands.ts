// POST /api/v1/commands: runs `claw ...` text as the token's member, exactly as chat and the CLI do.
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { acceptsProgress, runCommand } from '../run-command.js';
import { envelopeResponses } from '../schemas.js';

/** Templates are hand-written YAML; the YAML parser refuses more than 1 MiB anyway. */
export const MAX_ATTACHMENT = 256 * 1024;

export function commandRoutes(app: FastifyInstance, api: ApiContext): void {
  app.post<{ Body: { text: string; locale?: string; attachment?: string } }>('/api/v1/commands', {
    schema: {
      tags: ['commands'],
      summary: 'Run a command',
      description: 'Parses and runs command text (`claw tenant list`, `claw help`) with the permissions of the token\'s member. Every attempt is audited. '
        + 'With `Accept: application/x-ndjson`, a command that reports progress (`--wait`) answers 200 with NDJSON: `{"progress": "..."}` lines, '
        + 'then the envelope with the HTTP status it would have had as `status`; other commands answer as usual.',
      body: {
        type: 'object',
        required: ['text'],
        additionalProperties: false,
        properties: {
          text: { type: 'string', minLength: 1, description: `The command, e.g. "claw tenant list"; at most ${api.commandMaxLength} characters (longer text is refused as parse_error and audited)` },
          locale: { type: 'string', enum: ['zh', 'en', 'zh-CN', 'en-US'], description: 'Language of the reply (default: Accept-Language, then the server setting)' },
          attachment: {
            type: 'string', maxLength: MAX_ATTACHMENT,
            description: `A document for a command's \`--file\` (a template's YAML for \`claw template create|edit\`); at most ${MAX_ATTACHMENT} characters. The claw CLI reads the file and sends it here.`,
          },
        },
      },
      response: envelopeResponses,
    },
  }, async (request, reply) => runCommand(api, request, reply, request.body.text, {
    locale: request.body.locale, progress: acceptsProgress(request), ...(request.body.attachment !== undefined ? { attachment: request.body.attachment } : {}),
  }));
}
