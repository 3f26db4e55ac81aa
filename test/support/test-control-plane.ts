// Starts a real control plane for a test: its own database and data dir, listening on 127.0.0.1 on a free port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { createControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../src/control-plane.js';
import type { Principal } from '../../src/model/principal.js';
import { randomToken } from '../../src/util/ids.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from './databases.js';

export interface TestControlPlane {
  plane: ControlPlane;
  url: string;
  adminToken: string;
  db: TestDatabase;
  dataDir: string;
  /** POSTs command text to /api/v1/commands with a token and returns status and body. */
  command(token: string, text: string, locale?: 'zh' | 'en'): Promise<{ status: number; body: CommandAnswer }>;
  /** Runs command text through the dispatcher directly, as the given principal. */
  run(principal: Principal, text: string, locale?: 'zh' | 'en'): ReturnType<ControlPlane['dispatcher']['dispatch']>;
  principal(token: string): Promise<Principal>;
  close(): Promise<void>;
}

export interface CommandAnswer {
  ok: boolean;
  result?: Record<string, unknown>;
  text: string;
  error?: { code: string; message: string; hint: string | null; suggestions: string[]; pointer?: string };
}

export interface TestControlPlaneOptions {
  /** A database kind to create, or an existing database to share with another control plane (a replica). */
  database?: TestDatabaseKind | TestDatabase;
  adminToken?: string;
  settings?: Partial<Settings>;
  /** Claw adapters in place of the build's own (e.g. stubOpenClawAdapter, which runs a stand-in process). */
  adapters?: ControlPlaneOptions['adapters'];
  /** Chat platforms in place of the build's own (a test adds its own platform module to BUILT_IN_PLATFORMS). */
  platforms?: ControlPlaneOptions['platforms'];
}

export async function startTestControlPlane(options: TestControlPlaneOptions = {}): Promise<TestControlPlane> {
  const shared = typeof options.database === 'object';
  const db = typeof options.database === 'object' ? options.database : await createTestDatabase(options.database ?? 'sqlite');
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-data-'));
  const adminToken = options.adminToken ?? `claw_test_${randomToken(24)}`;
  // The shipped defaults (configs/claw.yaml, no environment), with what every test needs isolated.
  const settings: Settings = {
    ...loadSettings({ env: {} }),
    host: '127.0.0.1', port: 0, dataDir, database: db.settings, adminToken,
    rateLimit: { perMinute: 60_000, burst: 1000 }, authFailureLimit: { perMinute: 60_000, burst: 1000 }, logLevel: 'silent', cacheDir: join(dataDir, 'cache'),
    ...options.settings,
  };
  const plane = await createControlPlane(settings, {
    ...(options.adapters ? { adapters: options.adapters } : {}), ...(options.platforms ? { platforms: options.platforms } : {}),
  });
  const url = await plane.listen();
  let seq = 0;
  return {
    plane, url, adminToken, db, dataDir,
    async command(token, text, locale) {
      const response = await fetch(`${url}/api/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(locale ? { text, locale } : { text }),
      });
      return { status: response.status, body: (await response.json()) as CommandAnswer };
    },
    run(principal, text, locale = 'en') {
      return plane.dispatcher.dispatch({ requestId: `test-${++seq}`, channel: 'api', principal, text, locale });
    },
    async principal(token) {
      const p = await plane.identity.fromToken(token);
      if (!p) throw new Error('unknown token');
      return p;
    },
    async close() {
      await plane.close();
      if (!shared) await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates tenant, project, member and token as the admin; returns the member's token. */
export async function seedMember(t: TestControlPlane, input: { tenant: string; member: string; role: string; project?: string }): Promise<string> {
  const admin = t.adminToken;
  const ok = async (text: string) => {
    const r = await t.command(admin, text);
    if (!r.body.ok && r.body.error?.code !== 'conflict') throw new Error(`${text}: ${r.body.text}`);
    return r;
  };
  await ok(`claw tenant create ${input.tenant}`);
  if (input.project) await ok(`claw project create ${input.project} --tenant ${input.tenant}`);
  await ok(`claw member add ${input.member} --tenant ${input.tenant} --role ${input.role}`);
  const token = await ok(`claw token create --member ${input.member} --tenant ${input.tenant}`);
  return String(token.body.result?.token);
}
