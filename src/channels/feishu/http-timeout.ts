// The SDK's own HTTP instance with a default per-request timeout; the SDK sets none, so a stuck call would hang forever.
import { defaultHttpInstance } from '@larksuiteoapi/node-sdk';
import type { HttpInstance, HttpRequestOptions } from '@larksuiteoapi/node-sdk';

/**
 * Delegates to `defaultHttpInstance` (axios with the SDK's interceptors: answers resolve to the body, errors keep
 * `response.status/headers/data`), adding `timeout` where the caller gave none (the WS endpoint call brings its own).
 */
export function httpWithTimeout(timeoutMs: number): HttpInstance {
  // The SDK's HttpInstance is a structural subset of axios; its request options type is what it passes in.
  const base = defaultHttpInstance as unknown as HttpInstance;
  const withTimeout = <D>(opts: HttpRequestOptions<D> | undefined): HttpRequestOptions<D> => ({ ...opts, timeout: opts?.timeout ?? timeoutMs });
  return {
    request: (opts) => base.request(withTimeout(opts)),
    get: (url, opts) => base.get(url, withTimeout(opts)),
    delete: (url, opts) => base.delete(url, withTimeout(opts)),
    head: (url, opts) => base.head(url, withTimeout(opts)),
    options: (url, opts) => base.options(url, withTimeout(opts)),
    post: (url, data, opts) => base.post(url, data, withTimeout(opts)),
    put: (url, data, opts) => base.put(url, data, withTimeout(opts)),
    patch: (url, data, opts) => base.patch(url, data, withTimeout(opts)),
  };
}
