// The composition root: opens the store, wires engines, pipeline and API, and owns start-up and shutdown.
import type { FastifyInstance } from 'fastify';
import { COMMANDS } from '../commands/index.js';
import type { Settings } from './config/settings.js';
import { AccessEngine } from './engines/access/access-engine.js';
import { ensureBootstrapAdmin, type BootstrapResult } from './engines/access/bootstrap.js';
import { RoleCatalog } from './engines/access/role-catalog.js';
import { AuditLog } from './engines/audit/audit-log.js';
import type { Engines } from './engines/engines.js';
import { TenancyEngine } from './engines/tenancy/tenancy-engine.js';
import { buildServer } from './api/server.js';
import { Metrics } from './observability/metrics.js';
import { loadAliases } from './pipeline/aliases.js';
import { CommandRegistry } from './pipeline/command-registry.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { HelpCatalog } from './pipeline/help-catalog.js';
import { IdentityResolver } from './pipeline/identity.js';
import { openStore, withStartupLock, type Store } from './store/data-source.js';

export interface ControlPlane {
  settings: Settings;
  store: Store;
  engines: Engines;
  registry: CommandRegistry;
  dispatcher: Dispatcher;
  identity: IdentityResolver;
  server: FastifyInstance;
  bootstrap: BootstrapResult;
  /** Listens on the configured host and port; returns the base URL (the port may have been 0). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Prometheus process metrics; off in tests that run several control planes in one process. */
  processMetrics?: boolean;
}

export async function createControlPlane(settings: Settings, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // Everything that can be checked without the database is checked first, so a bad config fails fast.
  const roles = RoleCatalog.fromFile();
  const registry = new CommandRegistry(COMMANDS, loadAliases());

  const store = await openStore(settings.database);
  try {
    const db = store.dataSource;
    const tenancy = new TenancyEngine(db);
    const access = new AccessEngine(db, roles);
    const engines: Engines = { tenancy, access, audit: new AuditLog(db), help: new HelpCatalog(registry) };
    const bootstrap = await withStartupLock(db, async () => {
      await roles.sync(db);
      return ensureBootstrapAdmin({ db, tenancy, access, adminToken: settings.adminToken, dataDir: settings.dataDir });
    });

    const metrics = new Metrics({ processMetrics: options.processMetrics ?? false });
    const identity = new IdentityResolver(access);
    // The server's logger doubles as the dispatcher's, so internal errors carry the request id in one log stream.
    let server: FastifyInstance | undefined;
    const logger = { error: (obj: object, msg?: string) => server?.log.error(obj, msg), warn: (obj: object, msg?: string) => server?.log.warn(obj, msg) };
    const dispatcher = new Dispatcher({ registry, engines, metrics, logger, maxLength: settings.commandMaxLength });
    server = await buildServer({
      api: { dispatcher, defaultLocale: settings.apiLocale, commandMaxLength: settings.commandMaxLength },
      identity,
      metrics,
      ready: async () => ({ database: await store.ping() }),
      rateLimit: settings.rateLimit,
      logLevel: settings.logLevel,
    });
    const app = server;

    return {
      settings, store, engines, registry, dispatcher, identity, server: app, bootstrap,
      async listen() {
        return app.listen({ host: settings.host, port: settings.port });
      },
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
