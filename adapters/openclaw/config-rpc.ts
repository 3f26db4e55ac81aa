// Reads the config a running OpenClaw gateway holds through its admin RPC `config.get` (plugin admin-http-rpc).
import type { ClawEndpoint, RunningConfig } from '../../src/engines/adapters/claw-adapter.js';
import { comparableOpenClawConfig } from './config-compare.js';

/** A gateway that takes longer is busy or hung: the caller treats the claw as not answering and asks again later. */
const TIMEOUT_MS = 10_000;

export class ConfigRpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigRpcError';
  }
}

/**
 * What openclaw 2026.9.6 answers (src/gateway/config-get-response.ts): the config file as the gateway last read it,
 * redacted (`raw`, `parsed`, `sourceConfig`; SecretRef ids become `__OPENCLAW_REDACTED__`), `valid`, and three hashes,
 * each an HMAC under a key of the claw's own state (so none compares with a hash computed here): `hash` of the file's
 * text, `configRevisionHash` of its source config and `appliedConfigHash` of the source config the runtime applied.
 * The last two are equal once the gateway runs what the file says, and differ while a change waits for its reload
 * (or was refused: `config reload skipped (invalid config)`).
 */
interface ConfigGetPayload {
  valid?: unknown;
  sourceConfig?: unknown;
  configRevisionHash?: unknown;
  appliedConfigHash?: unknown;
}

export async function readOpenClawConfig(claw: Pick<ClawEndpoint, 'endpoint' | 'gatewayToken'>, signal: AbortSignal): Promise<RunningConfig> {
  let response: Response;
  try {
    response = await fetch(`${claw.endpoint.replace(/\/+$/, '')}/api/v1/admin/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${claw.gatewayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'config.get', params: {} }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
    });
  } catch (error) {
    throw new ConfigRpcError(`config.get: ${(error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as { ok?: unknown; payload?: unknown; error?: { message?: unknown } } | undefined;
  if (!response.ok || body?.ok !== true) {
    const reason = typeof body?.error?.message === 'string' ? body.error.message.slice(0, 200) : `HTTP ${response.status}`;
    throw new ConfigRpcError(`config.get: ${reason}`);
  }
  const payload = body.payload as ConfigGetPayload | undefined;
  if (!payload || typeof payload.sourceConfig !== 'object' || payload.sourceConfig === null) throw new ConfigRpcError('config.get: the answer has no sourceConfig');
  const applied = payload.valid === true && typeof payload.appliedConfigHash === 'string' && payload.appliedConfigHash === payload.configRevisionHash;
  return { ...comparableOpenClawConfig(payload.sourceConfig), applied };
}
