// The Client's own token cache: the SDK's process-wide one never forgets a revoked tenant token, this one can.
import { CTenantAccessToken } from '@larksuiteoapi/node-sdk';
import type { Cache } from '@larksuiteoapi/node-sdk';

interface Entry {
  value: unknown;
  /** Absolute expiry in ms, as the SDK passes it (already 3 min early); undefined = no expiry. */
  expiresAt: number | undefined;
}

type Key = { toString(): string };

const keyOf = (key: Key, namespace: string | undefined): string => (namespace ? `${namespace}/${key.toString()}` : key.toString());

export class TokenCache implements Cache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly appId: string) {}

  get = async (key: Key, options?: { namespace?: string }): Promise<unknown> => {
    const k = keyOf(key, options?.namespace);
    const entry = this.entries.get(k);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return entry.value;
  };

  set = async (key: Key, value: unknown, expire?: number, options?: { namespace?: string }): Promise<boolean> => {
    this.entries.set(keyOf(key, options?.namespace), { value, expiresAt: expire });
    return true;
  };

  /** Forgets the tenant token (revoked, or the secret rotated): the next call fetches a new one. */
  dropTenantToken(): void {
    this.entries.delete(keyOf(CTenantAccessToken, this.appId));
  }

  /** Token values currently held, so log lines can be scrubbed of them. */
  secrets(): string[] {
    const out: string[] = [];
    for (const entry of this.entries.values()) if (typeof entry.value === 'string') out.push(entry.value);
    return out;
  }
}
