// Test helpers: the provided cluster's KubeConfig and a unique, auto-deleted namespace per test.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, inject } from 'vitest';

let counter = 0;

/** KubeConfig for the cluster started by global-setup.ts (current context `claw-test`). */
export function loadTestKubeConfig(): KubeConfig {
  const path = inject('kubeconfigPath');
  if (!path) throw new Error('kubeconfigPath not provided: add test/cluster/global-setup.ts to the vitest globalSetup');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** A DNS-1123 label unique across vitest workers and runs: `<prefix>-<pid>-<n>-<random>`. */
export function uniqueNamespaceName(prefix = 'claw-test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'claw-test';
  return `${clean}-${process.pid.toString(36)}-${(++counter).toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface TestNamespace {
  readonly name: string;
  /** Deletes the namespace; with wait, resolves only once the namespace controller has removed it. */
  delete(opts?: { wait?: boolean; timeoutMs?: number }): Promise<void>;
}

/** Creates a uniquely named namespace (labelled `clusterclaw.io/test=true`). */
export async function createTestNamespace(kc: KubeConfig, prefix?: string): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = uniqueNamespaceName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'clusterclaw.io/test': 'true' } } } });
  let deleted = false;
  return {
    name,
    async delete(opts = {}) {
      if (!deleted) {
        deleted = true;
        try {
          await core.deleteNamespace({ name });
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      if (!opts.wait) return;
      const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
      for (;;) {
        try {
          await core.readNamespace({ name });
        } catch (err) {
          if ((err as { code?: number }).code === 404) return;
          throw err;
        }
        if (Date.now() > deadline) throw new Error(`namespace ${name} still present after ${opts.timeoutMs ?? 60_000} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

export interface NamespaceFixture {
  /** The current test's namespace (valid inside a test). */
  readonly name: string;
  readonly kc: KubeConfig;
}

/**
 * Registers beforeEach/afterEach hooks giving every test of the enclosing suite its own namespace,
 * deleted after the test (without waiting, so tests stay fast; the namespace controller finishes it).
 */
export function useTestNamespace(prefix?: string): NamespaceFixture {
  let current: TestNamespace | undefined;
  let kc: KubeConfig | undefined;
  beforeEach(async () => {
    kc ??= loadTestKubeConfig();
    current = await createTestNamespace(kc, prefix);
  });
  afterEach(async () => {
    const ns = current;
    current = undefined;
    await ns?.delete();
  });
  return {
    get name(): string {
      if (!current) throw new Error('useTestNamespace().name is only available inside a test');
      return current.name;
    },
    get kc(): KubeConfig {
      kc ??= loadTestKubeConfig();
      return kc;
    },
  };
}
