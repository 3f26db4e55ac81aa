// The composition root: opens the store, wires engines, pipeline and API, and owns start-up and shutdown.
import type { FastifyInstance } from 'fastify';
import { COMMANDS } from '../commands/index.js';
import type { Settings } from './config/settings.js';
import { AccessEngine } from './engines/access/access-engine.js';
import { ensureBootstrapAdmin, type BootstrapResult } from './engines/access/bootstrap.js';
import { RoleCatalog } from './engines/access/role-catalog.js';
import { AuditLog } from './engines/audit/audit-log.js';
import type { Engines } from './pipeline/handler-engines.js';
import { TenancyEngine } from './engines/tenancy/tenancy-engine.js';
import { TokenBudgets } from './engines/budgets/token-budgets.js';
import { UsageEngine } from './engines/usage/usage-engine.js';
import { PriceTable } from './engines/usage/price-table.js';
import { UsageCollector } from './engines/usage/usage-collector.js';
import { UsageStore } from './engines/usage/usage-store.js';
import { buildServer } from './api/server.js';
import { Metrics } from './observability/metrics.js';
import { loadAliases } from './pipeline/aliases.js';
import { CommandRegistry } from './pipeline/command-registry.js';
import { Dispatcher } from './pipeline/dispatcher.js';
import { HelpCatalog } from './pipeline/help-catalog.js';
import { IdentityResolver } from './pipeline/identity.js';
import { openStore, withStartupLock, type Store } from './store/data-source.js';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { ADAPTERS } from '../adapters/index.js';
import { AdapterRegistry } from './engines/adapters/adapter-registry.js';
import type { ClawAdapter } from './engines/adapters/claw-adapter.js';
import { ConfigStore } from './engines/config/config-store.js';
import { Controller } from './engines/lifecycle/controller.js';
import { InstanceEvents } from './engines/lifecycle/instance-events.js';
import { LifecycleEngine } from './engines/lifecycle/lifecycle-engine.js';
import { Reconciler } from './engines/lifecycle/reconciler.js';
import { WorkloadBuilder } from './engines/lifecycle/workload-builder.js';
import { alertGauge, instancePhaseGauge, leaderGauge, runtimeMeter, tokenGauges, usageCollectionGauges, workQueueGauges } from './observability/metrics.js';
import { monthIn } from './util/zoned-time.js';
import { createRuntime } from './runtime/create-runtime.js';
import type { Runtime } from './runtime/runtime.js';
import { InstanceEntity } from './store/entities/instance.js';
import { SecretBox } from './store/secret-box.js';
import { KeyRotation } from './engines/secrets/key-rotation.js';
import { randomToken } from './util/ids.js';
import { ChatIdentities } from './engines/access/chat-identities.js';
import { checkRules, loadApprovalPolicy } from './engines/approvals/approval-policy.js';
import { SeparationOfDuties } from './engines/access/separation-of-duties.js';
import { ApprovalsEngine } from './engines/approvals/approvals-engine.js';
import { approvedCommandRunner } from './pipeline/approved-command-runner.js';
import { BudgetGuard } from './pipeline/budget-guard.js';
import { createChannels } from './channels/channel-registry.js';
import type { ChatPlatformModule } from './channels/chat-platform.js';
import { BUILT_IN_PLATFORMS } from './channels/platforms.js';
import { PlatformDirectory } from './model/chat-platforms.js';
import { ChannelHealth, ChatService } from './channels/chat-service.js';
import { Outbox } from './channels/outbox/outbox.js';
import { DigestSender } from './channels/digest-sender.js';
import { DigestBuilder } from './engines/digests/digest-builder.js';
import { DigestEngine } from './engines/digests/digest-engine.js';
import { DEFAULT_DIGEST_CRON } from './engines/digests/digest-schedule.js';
import { DigestScheduler } from './engines/digests/digest-scheduler.js';
import { AlertCards } from './channels/alert-cards.js';
import { RolloutCards } from './channels/rollout-cards.js';
import { RolloutDriver } from './engines/rollouts/rollout-driver.js';
import { RolloutsEngine } from './engines/rollouts/rollout-engine.js';
import { AlertsEngine } from './engines/alerts/alerts-engine.js';
import { loadAlertRules } from './engines/alerts/alert-rules.js';
import type { Logger } from './util/logger.js';

export interface ControlPlane {
  settings: Settings;
  store: Store;
  engines: Engines;
  registry: CommandRegistry;
  dispatcher: Dispatcher;
  identity: IdentityResolver;
  server: FastifyInstance;
  runtime: Runtime;
  controller: Controller;
  chat: ChatService;
  secrets: SecretBox;
  /** Templates, variables and config versions. */
  configs: ConfigStore;
  bootstrap: BootstrapResult;
  /** Listens on the configured host and port; returns the base URL (the port may have been 0). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Prometheus process metrics; off in tests that run several control planes in one process. */
  processMetrics?: boolean;
  /** The claw types to run: every adapter of this build (adapters/) by default; tests and the bench swap in stand-ins. */
  adapters?: readonly ClawAdapter[];
  /** The chat platforms: every one of this build (src/channels/platforms.ts) by default; a test may add its own. */
  platforms?: readonly ChatPlatformModule[];
}

export async function createControlPlane(settings: Settings, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // Everything that can be checked without the database is checked first, so a bad config fails fast.
  const roles = RoleCatalog.fromFile();
  const platformModules = options.platforms ?? BUILT_IN_PLATFORMS;
  const platforms = new PlatformDirectory(platformModules);
  const registry = new CommandRegistry(COMMANDS, loadAliases(), platforms);
  const adapters = new AdapterRegistry(options.adapters ?? ADAPTERS);
  const secrets = SecretBox.load(settings.secretKey, settings.dataDir, { previous: settings.secretKeyPrevious, refreshMs: settings.secretRefreshMs });
  const approvalPolicy = loadApprovalPolicy();
  checkRules(approvalPolicy.rules, registry.flagsOf, 'configs/approvals.yaml');
  const alertRules = loadAlertRules();
  const prices = PriceTable.load();

  const store = await openStore(settings.database);
  let runtime: Runtime | undefined;
  try {
    const db = store.dataSource;
    await secrets.bindTo(db);
    // The server's logger doubles as everyone's, so internal errors carry request ids in one log stream.
    let server: FastifyInstance | undefined;
    const logger: Logger = {
      debug: (obj, msg) => server?.log.debug(obj, msg),
      info: (obj, msg) => server?.log.info(obj, msg),
      warn: (obj, msg) => server?.log.warn(obj, msg),
      error: (obj, msg) => server?.log.error(obj, msg),
    };
    const metrics = new Metrics({ processMetrics: options.processMetrics ?? false });
    runtime = createRuntime(settings, db, logger, runtimeMeter(metrics));
    const tenancy = new TenancyEngine(db);
    const access = new AccessEngine(db, roles);
    const history = new InstanceEvents(db);
    // Built-in templates into the database, legacy instance values into variables: before anything reconciles.
    const configs = new ConfigStore({ db, secrets, adapters });
    await configs.bootstrap();
    const builder = new WorkloadBuilder(adapters, secrets);
    const lifecycle = new LifecycleEngine(db, runtime, adapters, configs, builder, secrets, history, settings.instanceDefaults, settings.quota);
    const audit = new AuditLog(db, secrets.derive('audit'));
    const help = new HelpCatalog(registry);
    const approvals = new ApprovalsEngine(db, secrets, approvalPolicy, audit, new SeparationOfDuties(db, access));
    const identities = new ChatIdentities(db);
    const channels = createChannels(platformModules, settings.channels, logger);
    const outbox = new Outbox(db, secrets);
    const usage = new UsageEngine(db, prices, settings.usage);
    const budgets = new TokenBudgets(db, usage, settings.timeZone);
    const alerts = new AlertsEngine({
      db, rules: alertRules, timing: settings.alerts, logger, usage, audit,
      budgets: { budgets: async () => (await budgets.current()).map((b) => ({ tenantId: b.tenant.id, tenant: b.tenant.name, projectId: b.project?.id, project: b.project?.name, used: b.used, limit: b.limit })) },
    });
    const digests = new DigestEngine(db, new DigestBuilder(db, { usage, alerts, budgets }, settings.timeZone), {
      cron: DEFAULT_DIGEST_CRON, timeZone: settings.timeZone, locale: settings.chatLocale, minIntervalMs: settings.digestMinIntervalMs,
    });
    const rollouts = new RolloutsEngine({ db, lifecycle, configs, logger });
    const engines: Engines = {
      tenancy, access, lifecycle, audit, help, approvals, identities, channels: new ChannelHealth(channels, outbox), platforms, usage, budgets, alerts, digests, config: configs,
      secrets: new KeyRotation(db, secrets), rollouts,
    };
    const bootstrap = await withStartupLock(db, async () => {
      await roles.sync(db);
      return ensureBootstrapAdmin({ db, tenancy, access, adminToken: settings.adminToken, dataDir: settings.dataDir });
    });

    const reconciler = new Reconciler({
      db, runtime, builder, configs, events: history, quotaDefaults: settings.quota, live: lifecycle.live,
      deadlines: { unschedulableMs: settings.unschedulableTimeoutMs, readyMs: settings.readyTimeoutMs },
    });
    let chat: ChatService | undefined;
    // Loops that run on the elected leader only (chat deliveries, usage collection, alert evaluation, digests): each is
    // started with the leadership's signal and ends when it aborts.
    const leaderLoops: Array<(signal: AbortSignal) => void> = [(signal) => chat?.lead(signal)];
    const usageCollector = new UsageCollector({ db, runtime, adapters, configs, secrets, store: new UsageStore(db), settings: settings.usage, logger });
    leaderLoops.push((signal) => usageCollector.start(signal));
    const controller = new Controller({
      db, runtime, reconciler, logger, workers: settings.reconciler.workers, resyncMs: settings.reconciler.resyncMs,
      onLead: (signal) => { for (const loop of leaderLoops) loop(signal); },
      elector: runtime.leaderElector(`${hostname()}-${process.pid}-${randomToken(6)}`),
    });
    controller.onResult(({ outcome, ms }) => {
      metrics.reconciles.inc({ outcome });
      metrics.reconcileDuration.observe(ms / 1000);
    });
    lifecycle.onChange = (id) => controller.enqueue(id);
    instancePhaseGauge(metrics, async () =>
      (await db.getRepository(InstanceEntity).createQueryBuilder('i').select('i.phase', 'phase').addSelect('COUNT(*)', 'n').groupBy('i.phase').getRawMany<{ phase: string; n: string }>())
        .map((r) => ({ phase: r.phase, n: Number(r.n) })));

    const identity = new IdentityResolver(access, identities, tenancy);
    const dispatcher = new Dispatcher({ registry, engines, metrics, logger, maxLength: settings.commandMaxLength, secretNames: configs.secretNames });
    approvals.execute = approvedCommandRunner({ dispatcher, tenancy, access, locale: settings.chatLocale });
    const budgetGuard = new BudgetGuard({ db, budgets, tenancy, access, dispatcher, logger, intervalMs: settings.usage.intervalMs, locale: settings.chatLocale });
    leaderLoops.push((signal) => budgetGuard.start(signal));
    alerts.channels = engines.channels;
    alerts.drift = { drifted: () => lifecycle.drifted().map((d) => ({ ...d, since: d.since ?? d.checkedAt })) };
    leaderLoops.push((signal) => lifecycle.checkDriftPeriodically(signal));
    leaderLoops.push((signal) => alerts.start(signal));
    const digestScheduler = new DigestScheduler({ db, engine: digests, replica: `${hostname()}-${process.pid}`, logger });
    leaderLoops.push((signal) => digestScheduler.start(signal));
    const rolloutDriver = new RolloutDriver({ engine: rollouts, logger });
    leaderLoops.push((signal) => rolloutDriver.start(signal));
    alertGauge(metrics, () => alerts.firingCounts());
    tokenGauges(metrics, async () => (await usage.tokens({ since: monthIn(settings.timeZone, new Date()).start, until: new Date() }, 'tenant'))
      .map((r) => ({ tenant: r.label, tokens: r.totalTokens, cost: r.cost, currency: r.currency, estimated: r.estimated })));
    usageCollectionGauges(metrics, () => usageCollector.lastPass);
    // Aborted first at shutdown: channels stop receiving, leader loops end, and commands waiting for instances answer.
    const stopController = new AbortController();
    // Every waiting command and leader loop listens to it: hundreds at once are normal, not a leak.
    setMaxListeners(0, stopController.signal);
    // Every replica, not only the leader: each seals with the key generation it last read (claw secret rotate-key).
    secrets.start(stopController.signal);
    chat = new ChatService({
      db, secrets, channels, outbox, dispatcher, identity, chatIdentities: identities, tenancy, approvals, audit, help, metrics, logger,
      locale: settings.chatLocale, requireMention: settings.requireMention, signal: stopController.signal,
    });
    alerts.notifier = new AlertCards({ replies: chat.replies, outbox, channels, locale: settings.chatLocale });
    rollouts.notifier = new RolloutCards({ replies: chat.replies, outbox, channels, locale: settings.chatLocale });
    digestScheduler.delivery = new DigestSender(chat.replies, outbox);
    server = await buildServer({
      api: { dispatcher, commands: registry, defaultLocale: settings.apiLocale, commandMaxLength: settings.commandMaxLength, signal: stopController.signal },
      identity,
      metrics,
      ready: async () => ({ database: await store.ping() }),
      channels: () => engines.channels.channels(),
      runtime: () => ({ kind: settings.runtime, isolation: lifecycle.isolation() }),
      // Every channel that receives events over HTTP (Feishu in webhook mode) is served at POST /webhooks/<platform>.
      webhooks: Object.fromEntries([...channels.keys()].flatMap((name) => {
        const handler = chat.webhook(name);
        return handler ? [[name, handler]] : [];
      })),
      rateLimit: settings.rateLimit,
      authFailureLimit: settings.authFailureLimit,
      logLevel: settings.logLevel,
      alertmanager: { token: settings.alerts.alertmanagerToken, locale: settings.apiLocale, receive: (received, requestId) => alerts.receive(received, requestId) },
    });
    const app = server;
    const liveRuntime = runtime;
    const liveChat = chat;
    await chat.start(stopController.signal);
    controller.start(stopController.signal);
    leaderGauge(metrics, () => controller.isLeader());
    workQueueGauges(metrics, () => controller.queueStats());

    return {
      settings, store, engines, registry, dispatcher, identity, server: app, runtime: liveRuntime, controller, chat, secrets, configs, bootstrap,
      async listen() {
        return app.listen({ host: settings.host, port: settings.port });
      },
      async close() {
        stopController.abort();
        await app.close();
        await liveChat.drain();
        // Counts of repeated refusals still gathering go to the trail while the store is open.
        await dispatcher.flushRefusals();
        controller.stop();
        await controller.idle();
        await usageCollector.stopped();
        await lifecycle.driftChecksStopped();
        await rolloutDriver.stopped();
        await liveRuntime.close();
        await store.close();
      },
    };
  } catch (error) {
    await runtime?.close();
    await store.close();
    throw error;
  }
}
