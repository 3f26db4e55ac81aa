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

  readonly leader = new Gauge({ name: 'claw_reconciler_leader', help: '1 while this replica runs the reconciler.', registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process metrics (memory, event loop lag) are for the server; tests with several apps in one process skip them.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'claw_' });
  }
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
