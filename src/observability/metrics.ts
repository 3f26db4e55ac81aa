// Prometheus metrics of the control plane: HTTP requests, commands by name and outcome, and their latencies.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'claw_http_requests_total', help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const, registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'claw_http_request_duration_seconds', help: 'HTTP request latency by route.',
    labelNames: ['method', 'route'] as const, registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });

  readonly commands = new Counter({
    name: 'claw_commands_total', help: 'Command attempts by command, channel, decision and outcome.',
    labelNames: ['command', 'channel', 'decision', 'outcome'] as const, registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'claw_command_duration_seconds', help: 'Command latency from text to result, by command.',
    labelNames: ['command'] as const, registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  readonly reconciles = new Counter({
    name: 'claw_reconcile_total', help: 'Reconcile passes by outcome: success, requeue, error, terminal.',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'claw_reconcile_duration_seconds', help: 'Time of one reconcile pass.',
    registers: [this.registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

  readonly runtimeWrites = new Counter({
    name: 'claw_runtime_writes_total', help: 'Writes to the runtime backend by kind (file, pod, secret, ...) and outcome (created, updated, deleted); zero while nothing changes.',
    labelNames: ['kind', 'outcome'] as const, registers: [this.registry],
  });

  readonly runtimeNotifications = new Counter({
    name: 'claw_runtime_notifications_total', help: 'Runtime change notifications: sent (something observable changed) or suppressed (nothing new).',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });

  readonly runtimeReads = new Counter({
    name: 'claw_runtime_reads_total', help: 'Reads of instance objects by kind and source (cache: from the watch cache, api: from the backend).',
    labelNames: ['kind', 'source'] as const, registers: [this.registry],
  });

  readonly inboundEvents = new Counter({
    name: 'claw_chat_inbound_events_total', help: 'Chat events by platform, kind (message, click) and outcome (new, duplicate, ignored, done, failed, interrupted).',
    labelNames: ['platform', 'kind', 'outcome'] as const, registers: [this.registry],
  });

  readonly inboundAck = new Histogram({
    name: 'claw_chat_inbound_ack_seconds', help: 'Time from an event arriving to it being stored and ready to ack, by platform.',
    labelNames: ['platform'] as const, registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 3],
  });

  readonly outboxDeliveries = new Counter({
    name: 'claw_outbox_deliveries_total', help: 'Outbox delivery attempts by platform and outcome (sent, retry, rate_limited, failed).',
    labelNames: ['platform', 'outcome'] as const, registers: [this.registry],
  });

  readonly outboxDeliveryDuration = new Histogram({
    name: 'claw_outbox_delivery_seconds', help: 'Time of one successful delivery call to the platform.',
    labelNames: ['platform'] as const, registers: [this.registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process metrics (memory, event loop lag) are for the server; tests with several apps in one process skip them.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'claw_' });
  }
}

/** Leadership, read at scrape time: exactly one replica should report 1. */
export function leaderGauge(metrics: Metrics, isLeader: () => boolean): void {
  new Gauge({
    name: 'claw_reconciler_leader', help: '1 while this replica runs the reconciler.', registers: [metrics.registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
}

/** Instances by phase, counted from the database at scrape time (cheap, and never stale). */
export function instancePhaseGauge(metrics: Metrics, count: () => Promise<Array<{ phase: string; n: number }>>): void {
  new Gauge({
    name: 'claw_instances', help: 'Instances by observed phase.', labelNames: ['phase'] as const, registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const { phase, n } of await count()) this.set({ phase }, n);
    },
  });
}

/** Outbox messages by status (pending, failed), counted at scrape time. */
export function outboxGauge(metrics: Metrics, count: () => Promise<{ pending: number; failed: number }>): void {
  new Gauge({
    name: 'claw_outbox_messages', help: 'Outbox messages waiting (pending) or given up on (failed).', labelNames: ['status'] as const, registers: [metrics.registry],
    async collect() {
      const c = await count();
      this.set({ status: 'pending' }, c.pending);
      this.set({ status: 'failed' }, c.failed);
    },
  });
}

/** Chat channels connected (1) or not (0), by platform. */
export function channelGauge(metrics: Metrics, status: () => Array<{ platform: string; connected: boolean }>): void {
  new Gauge({
    name: 'claw_chat_channel_connected', help: 'Whether each configured chat channel is connected.', labelNames: ['platform'] as const, registers: [metrics.registry],
    collect() {
      this.reset();
      for (const s of status()) this.set({ platform: s.platform }, s.connected ? 1 : 0);
    },
  });
}

/** The reconciler's work queue, read at scrape time: keys waiting and how long the oldest has waited. */
export function workQueueGauges(metrics: Metrics, stats: () => { depth: number; oldestAgeMs: number }): void {
  new Gauge({
    name: 'claw_reconcile_queue_depth', help: 'Instances waiting for a reconcile worker (on the leader).', registers: [metrics.registry],
    collect() {
      this.set(stats().depth);
    },
  });
  new Gauge({
    name: 'claw_reconcile_queue_oldest_seconds', help: 'How long the oldest waiting instance has waited for a reconcile worker.', registers: [metrics.registry],
    collect() {
      this.set(stats().oldestAgeMs / 1000);
    },
  });
}

/** The runtime's counters, fed by the runtime through its RuntimeMeter. */
export function runtimeMeter(metrics: Metrics): { write(kind: string, outcome: string): void; notification(outcome: string): void; read(kind: string, source: string): void } {
  return {
    write: (kind, outcome) => metrics.runtimeWrites.inc({ kind, outcome }),
    notification: (outcome) => metrics.runtimeNotifications.inc({ outcome }),
    read: (kind, source) => metrics.runtimeReads.inc({ kind, source }),
  };
}

/** This month's tokens and cost by tenant, read at scrape time from the stored usage (the collector keeps it current). */
export function tokenGauges(metrics: Metrics, month: () => Promise<Array<{ tenant: string; tokens: number; cost: number; currency: string; estimated: boolean }>>): void {
  let last: ReturnType<typeof month> | undefined;
  // One read serves both gauges of a scrape; the next scrape reads again.
  const read = () => (last ??= month().finally(() => setTimeout(() => { last = undefined; }, 1_000).unref()));
  new Gauge({
    name: 'claw_tokens_month', help: 'Tokens (input, output and cache) used this calendar month, by tenant.', labelNames: ['tenant'] as const, registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const r of await read()) this.set({ tenant: r.tenant }, r.tokens);
    },
  });
  new Gauge({
    name: 'claw_cost_month', help: 'Model cost this calendar month by tenant and currency; estimated=true when part of it comes from configs/prices.yaml.',
    labelNames: ['tenant', 'currency', 'estimated'] as const, registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const r of await read()) this.set({ tenant: r.tenant, currency: r.currency, estimated: String(r.estimated) }, r.cost);
    },
  });
}

/** Firing (unacknowledged and not silenced) alerts by severity, counted at scrape time. */
export function alertGauge(metrics: Metrics, firing: () => Promise<Array<{ severity: string; n: number }>>): void {
  new Gauge({
    name: 'claw_alerts_firing', help: 'Alerts firing now (not resolved, acknowledged or silenced), by severity.', labelNames: ['severity'] as const, registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const { severity, n } of await firing()) this.set({ severity }, n);
    },
  });
}

/** The usage collector's latest pass (on the leader): how long ago, how long it took, and how many claws did not answer. */
export function usageCollectionGauges(metrics: Metrics, last: () => { at: Date; ms: number; tokenFailures: number } | undefined): void {
  new Gauge({
    name: 'claw_usage_collection_age_seconds', help: 'Seconds since the last usage collection pass ended (absent on replicas that never collected).', registers: [metrics.registry],
    collect() {
      const pass = last();
      if (pass) this.set((Date.now() - pass.at.getTime()) / 1000);
    },
  });
  new Gauge({
    name: 'claw_usage_collection_seconds', help: 'Duration of the last usage collection pass.', registers: [metrics.registry],
    collect() {
      const pass = last();
      if (pass) this.set(pass.ms / 1000);
    },
  });
  new Gauge({
    name: 'claw_usage_collection_failures', help: 'Claws whose usage could not be read in the last pass (gaps in their series, not zeros).', registers: [metrics.registry],
    collect() {
      const pass = last();
      if (pass) this.set(pass.tokenFailures);
    },
  });
}
