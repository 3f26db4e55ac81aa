// The logging the Kubernetes runtime needs: pino-compatible (object first, then message), never given a secret.

export interface RuntimeLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** For callers that pass no logger: background failures are retried anyway, so dropping their log lines is safe. */
export const silentLogger: RuntimeLogger = { warn: () => undefined, error: () => undefined };
