// The one logger shape every part takes: pino's (fastify's) methods, object first, so all parts log into one stream.

/**
 * Structured fields first, then a message, as pino takes them; fastify's `app.log` and a pino logger satisfy it as they
 * are. Never pass a secret or chat text in either.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** For callers that pass no logger (tests, tools): what is logged is also retried or reported another way. */
export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A logger that adds these fields to every line (like pino's `child`), e.g. the channel a line is about. */
export function withFields(logger: Logger, fields: object): Logger {
  return {
    debug: (obj, msg) => logger.debug({ ...obj, ...fields }, msg),
    info: (obj, msg) => logger.info({ ...obj, ...fields }, msg),
    warn: (obj, msg) => logger.warn({ ...obj, ...fields }, msg),
    error: (obj, msg) => logger.error({ ...obj, ...fields }, msg),
  };
}
