// JSON schemas shared by the API's routes: the success and error envelopes every command-backed route answers with.

export const errorEnvelope = {
  $id: 'ErrorEnvelope',
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { type: 'boolean', enum: [false] },
    error: {
      type: 'object',
      required: ['code', 'message', 'hint', 'suggestions'],
      properties: {
        code: { type: 'string', description: 'Stable error code: parse_error, unknown_command, unknown_flag, invalid_argument, unauthorized, forbidden, not_found, conflict, rate_limited, ...' },
        message: { type: 'string' },
        hint: { type: 'string', nullable: true },
        suggestions: { type: 'array', items: { type: 'string' } },
        pointer: { type: 'string', description: 'The input with a caret line under the offending part' },
      },
    },
    text: { type: 'string', description: 'The error rendered as plain text' },
  },
} as const;

export const resultEnvelope = {
  $id: 'ResultEnvelope',
  type: 'object',
  required: ['ok', 'result', 'text'],
  properties: {
    ok: { type: 'boolean', enum: [true] },
    result: { description: 'Structured result of the command' },
    text: { type: 'string', description: 'The result rendered as plain text' },
  },
} as const;

export const envelopeResponses = {
  200: { $ref: 'ResultEnvelope#' },
  /** The command waits for approval (`result.approval`). */
  202: { $ref: 'ResultEnvelope#' },
  '4xx': { $ref: 'ErrorEnvelope#' },
  '5xx': { $ref: 'ErrorEnvelope#' },
} as const;
