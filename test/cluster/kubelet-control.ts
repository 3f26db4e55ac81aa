// Typed client (and wire types) for the fake kubelet's loopback control endpoint, usable from vitest workers.

/** Faults a test can inject into pods; `clear` removes matching rules and heals the pods. */
export type FaultKind = 'crashloop' | 'oom' | 'image-pull' | 'never-ready' | 'clear';

export interface FaultRuleInput {
  /** Namespace the rule applies to. */
  namespace: string;
  /**
   * Label selector, either a map (all must match) or the usual string syntax:
   * `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma separated.
   * Omitted or empty: every pod in the namespace.
   */
  selector?: string | Record<string, string>;
  fault: FaultKind;
  /** Only this container is affected; default: every container of the pod. */
  container?: string;
}

export interface FaultRule {
  id: string;
  namespace: string;
  /** Normalised selector string ('' = everything in the namespace). */
  selector: string;
  fault: Exclude<FaultKind, 'clear'>;
  container?: string;
  createdAt: string;
}

export interface AddFaultResult {
  /** Present when a fault was added. */
  rule?: FaultRule;
  /** Number of rules removed (fault `clear`). */
  cleared?: number;
  /** Pods (namespace/name) the change was applied to right away. */
  affectedPods: string[];
}

export interface SetLogsInput {
  namespace: string;
  pod: string;
  /** Default: the pod's first container (or `main` when the pod is not known yet). */
  container?: string;
  lines: string[];
  /** append (default) adds to the current run; replace swaps the whole buffer. */
  mode?: 'append' | 'replace';
  /** Write the logs of the previous (crashed) run instead, served for `previous=true`. */
  previous?: boolean;
}

export interface SetMetricsInput {
  namespace: string;
  pod: string;
  /** Default: every container of the pod. */
  container?: string;
  /** Kubernetes quantities, e.g. "250m" and "128Mi". */
  cpu?: string;
  memory?: string;
}

export interface DeletionRecord {
  namespace: string;
  name: string;
  uid: string;
  /**
   * Grace period of the delete as the kubelet saw it (metadata.deletionGracePeriodSeconds):
   * 0 for a force delete, typically 30 for a default graceful delete. When several deletes
   * were seen (graceful then force), this is the smallest.
   */
  gracePeriodSeconds: number;
  /** Every grace period observed, in order. */
  observedGracePeriods: number[];
  /** True when the grace period was 0 (force delete or immediate removal). */
  force: boolean;
  observedAt: string;
  /** Set once the pod object is gone from the apiserver. */
  completedAt?: string;
}

export interface KubeletPodView {
  namespace: string;
  name: string;
  uid: string;
  fault?: Exclude<FaultKind, 'clear'>;
  ruleId?: string;
  restartCount: number;
  ready: boolean;
  terminating: boolean;
  podIP: string;
}

export interface ExecResultRecord {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  at: string;
}

export class KubeletControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeletControlError';
  }
}

/** HTTP client of the fake kubelet control endpoint (plain http on 127.0.0.1). */
export class KubeletControl {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new KubeletControlError(res.status, `${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Registers a fault rule; it applies to matching pods now and to ones created later. */
  addFault(input: FaultRuleInput): Promise<AddFaultResult> {
    return this.call('POST', '/faults', input);
  }

  /**
   * Removes rules and heals the pods they affected. Without a selector every rule of the
   * namespace goes; without a namespace every rule goes.
   */
  clearFaults(filter: { namespace?: string; selector?: string | Record<string, string> } = {}): Promise<AddFaultResult> {
    return this.call('POST', '/faults/clear', filter);
  }

  listFaults(): Promise<FaultRule[]> {
    return this.call('GET', '/faults');
  }

  setLogs(input: SetLogsInput): Promise<void> {
    return this.call('POST', '/logs', input);
  }

  appendLogs(namespace: string, pod: string, lines: string[], container?: string): Promise<void> {
    return this.setLogs({ namespace, pod, lines, container, mode: 'append' });
  }

  setMetrics(input: SetMetricsInput): Promise<void> {
    return this.call('POST', '/metrics', input);
  }

  deletions(filter: { namespace?: string; pod?: string } = {}): Promise<DeletionRecord[]> {
    const q = new URLSearchParams();
    if (filter.namespace) q.set('namespace', filter.namespace);
    if (filter.pod) q.set('pod', filter.pod);
    return this.call('GET', `/deletions${q.size > 0 ? `?${q.toString()}` : ''}`);
  }

  /** Waits until the kubelet has seen the pod's deletion (and, by default, the pod is gone). */
  async waitForDeletion(
    namespace: string,
    pod: string,
    opts: { timeoutMs?: number; completed?: boolean } = {},
  ): Promise<DeletionRecord> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    const wantCompleted = opts.completed ?? true;
    for (;;) {
      const rec = (await this.deletions({ namespace, pod })).at(-1);
      if (rec && (!wantCompleted || rec.completedAt)) return rec;
      if (Date.now() > deadline) {
        throw new Error(`fake kubelet did not observe deletion of ${namespace}/${pod} in time (last: ${JSON.stringify(rec)})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  pods(): Promise<KubeletPodView[]> {
    return this.call('GET', '/pods');
  }

  /** Commands run through the fake exec endpoint, oldest first. */
  execs(): Promise<ExecResultRecord[]> {
    return this.call('GET', '/execs');
  }
}
