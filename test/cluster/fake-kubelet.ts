// A fake kubelet: registers a Node, drives pod status, serves logs/exec over HTTPS and injects faults, all via a real apiserver.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type CoreV1Event,
  type V1CustomResourceDefinition,
  type V1Node,
  type V1NodeCondition,
} from '@kubernetes/client-node';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  AddFaultResult,
  DeletionRecord,
  ExecResultRecord,
  FaultKind,
  FaultRule,
  FaultRuleInput,
  KubeletPodView,
  SetLogsInput,
  SetMetricsInput,
} from './kubelet-control.js';
import { createCa, issueCert } from './pki.js';
import { kubeConfigFor, logSinkFor, type ComponentOptions } from './component-options.js';

export const FAKE_NODE_NAME = 'claw-fake-node';
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

export interface FakeKubeletOptions extends ComponentOptions {
  /** Default `claw-fake-node`. */
  nodeName?: string;
  /** Containers with a readinessProbe turn ready this long after starting (others at once). Default 200 ms. */
  readyDelayMs?: number;
  /** Graceful deletions finish after min(grace period, this cap). Default 300 ms. */
  gracefulDeleteCapMs?: number;
  /** Time between simulated restarts of crashlooping / OOM-killed containers. Default 500 ms. */
  crashLoopIntervalMs?: number;
  /** Time between simulated image pull retries (ErrImagePull <-> ImagePullBackOff). Default 1000 ms. */
  imagePullRetryMs?: number;
  /** Interval of readiness-probe failure events for never-ready pods. Default 1000 ms. */
  unhealthyEventIntervalMs?: number;
  /** Node status heartbeat and lease renewal interval. Default 10 s. */
  heartbeatMs?: number;
  /** Refresh interval of PodMetrics timestamps. Default 15 s. */
  metricsRefreshMs?: number;
  /** Generated log lines per container start. Default 5. */
  generatedLogLines?: number;
  /** Control endpoint port (plain http, 127.0.0.1). Default: free port. */
  controlPort?: number;
  /** Kubelet HTTPS port (127.0.0.1). Default: free port. */
  kubeletPort?: number;
  /** The node's capacity. Default 64 CPUs, 256Gi, 1000 pods; the bench raises it for fleets of thousands. */
  capacity?: { cpu: string; memory: string; pods: string };
}

type ActiveFault = Exclude<FaultKind, 'clear'>;

interface LogLine {
  ts: Date;
  text: string;
}

interface LogBuffer {
  current: LogLine[];
  previous?: LogLine[];
  followers: Set<(line: LogLine | null) => void>;
}

interface ContainerRt {
  name: string;
  image: string;
  hasReadinessProbe: boolean;
  restartCount: number;
  containerID: string;
  startedAt: string;
  readyAt: number;
  everStarted: boolean;
  waiting?: { reason: string; message: string };
  /** Final terminated state (restartPolicy Never after a crash). */
  terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string };
  lastTerminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string };
  nextCrashAt?: number;
  nextPullAt?: number;
  nextUnhealthyAt?: number;
  requests: { cpu?: string; memory?: string };
}

interface PodRt {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  restartPolicy: string;
  containers: ContainerRt[];
  initContainers: Array<{ name: string; image: string }>;
  podIP: string;
  startTime: string;
  fault?: { kind: ActiveFault; ruleId: string; container?: string };
  conditionSince: Map<string, { status: string; since: string }>;
  terminating: boolean;
  terminatedAt?: string;
  deleteAt?: number;
  finalDeleteIssued: boolean;
  busy: boolean;
  lastStatusJson?: string;
  metricsWritten: boolean;
  gone: boolean;
}

/** The subset of a Pod the kubelet reads; fits both typed list results and raw watch objects. */
interface RawPod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: unknown;
    deletionGracePeriodSeconds?: number;
    resourceVersion?: string;
  };
  spec?: {
    nodeName?: string;
    restartPolicy?: string;
    containers?: Array<{ name: string; image?: string; readinessProbe?: unknown; resources?: { requests?: Record<string, unknown> } }>;
    initContainers?: Array<{ name: string; image?: string }>;
  };
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const NODE_TAINTS_TO_CLEAR = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.cloudprovider.kubernetes.io/uninitialized']);

function apiCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

function errText(err: unknown): string {
  if (err instanceof Error) {
    const body = (err as { body?: unknown }).body;
    return body ? `${err.message} ${typeof body === 'string' ? body : JSON.stringify(body)}` : err.message;
  }
  return String(err);
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const iso = (ms: number = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** metav1.MicroTime only parses exactly six fractional digits. */
const microTime = (ms: number = Date.now()): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const rfc3339Nano = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

// ------------------------------------------------------------------------------------------------
// Label selectors (the subset tests need: equality, inequality, existence and set membership).
// ------------------------------------------------------------------------------------------------

interface Requirement {
  key: string;
  op: 'eq' | 'neq' | 'exists' | 'notexists' | 'in' | 'notin';
  values: string[];
}

export function normalizeSelector(sel: string | Record<string, string> | undefined): string {
  if (sel === undefined) return '';
  if (typeof sel === 'string') return sel.trim();
  return Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k] ?? ''}`)
    .join(',');
}

export function parseSelector(sel: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const reqs: Requirement[] = [];
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(raw))) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter(Boolean);
      reqs.push({ key: m[1]!, op: m[2] === 'in' ? 'in' : 'notin', values });
    } else if ((m = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(raw))) {
      reqs.push({ key: m[1]!, op: 'neq', values: [m[2]!] });
    } else if ((m = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(raw))) {
      reqs.push({ key: m[1]!, op: 'eq', values: [m[2]!] });
    } else if ((m = /^!\s*(\S+)$/.exec(raw))) {
      reqs.push({ key: m[1]!, op: 'notexists', values: [] });
    } else if (/^\S+$/.test(raw)) {
      reqs.push({ key: raw, op: 'exists', values: [] });
    } else {
      throw new Error(`unsupported label selector term: ${raw}`);
    }
  }
  return reqs;
}

export function selectorMatches(reqs: Requirement[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.values[0];
      case 'neq':
        return !has || v !== r.values[0];
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(v ?? '');
      case 'notin':
        return !has || !r.values.includes(v ?? '');
    }
    return false;
  });
}

interface StoredRule extends FaultRule {
  reqs: Requirement[];
  seq: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeKubelet {
  readonly nodeName: string;
  private readonly kc: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly coord: CoordinationV1Api;
  private readonly ext: ApiextensionsV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly opts: Required<
    Pick<
      FakeKubeletOptions,
      | 'readyDelayMs'
      | 'gracefulDeleteCapMs'
      | 'crashLoopIntervalMs'
      | 'imagePullRetryMs'
      | 'unhealthyEventIntervalMs'
      | 'heartbeatMs'
      | 'metricsRefreshMs'
      | 'generatedLogLines'
      | 'controlPort'
      | 'kubeletPort'
    >
  >;
  private readonly logSink: (line: string) => void;

  private readonly pods = new Map<string, PodRt>();
  private readonly rules: StoredRule[] = [];
  private ruleSeq = 0;
  private readonly logs = new Map<string, LogBuffer>();
  private readonly metrics = new Map<string, Record<string, { cpu?: string; memory?: string }>>();
  private readonly deletionRecords: DeletionRecord[] = [];
  private readonly deletionByUid = new Map<string, DeletionRecord>();
  private readonly events = new Map<string, { name: string; namespace: string; count: number }>();
  private readonly execRecords: ExecResultRecord[] = [];
  private ipCounter = 2;

  private started = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<unknown>>();
  private watchAbort: AbortController | undefined;
  private resyncPending = false;
  private kubeletServer: HttpsServer | undefined;
  private controlServer: HttpServer | undefined;
  private wss: WebSocketServer | undefined;
  private controlUrlValue = '';
  private kubeletPortValue = 0;
  private leaseCreated = false;
  /** Conditions never change, so their transition time stays at registration like a real kubelet's. */
  private readonly nodeConditionsSince = new Date();
  private readonly capacity: FakeKubeletOptions['capacity'];

  constructor(options: FakeKubeletOptions) {
    this.capacity = options.capacity;
    this.kc = kubeConfigFor(options, 'FakeKubelet');
    this.nodeName = options.nodeName ?? FAKE_NODE_NAME;
    this.opts = {
      readyDelayMs: options.readyDelayMs ?? 200,
      gracefulDeleteCapMs: options.gracefulDeleteCapMs ?? 300,
      crashLoopIntervalMs: options.crashLoopIntervalMs ?? 500,
      imagePullRetryMs: options.imagePullRetryMs ?? 1_000,
      unhealthyEventIntervalMs: options.unhealthyEventIntervalMs ?? 1_000,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      metricsRefreshMs: options.metricsRefreshMs ?? 15_000,
      generatedLogLines: options.generatedLogLines ?? 5,
      controlPort: options.controlPort ?? 0,
      kubeletPort: options.kubeletPort ?? 0,
    };
    this.logSink = logSinkFor(options);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.coord = this.kc.makeApiClient(CoordinationV1Api);
    this.ext = this.kc.makeApiClient(ApiextensionsV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
  }

  /** Base URL of the plain-http control endpoint (see kubelet-control.ts). */
  get controlUrl(): string {
    return this.controlUrlValue;
  }

  /** Port of the HTTPS kubelet endpoint the apiserver talks to. */
  get kubeletPort(): number {
    return this.kubeletPortValue;
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle
  // ----------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) throw new Error('FakeKubelet already started');
    this.started = true;
    try {
      await this.startKubeletServer();
      await this.startControlServer();
      await this.ensureMetricsCrds();
      await this.registerNode();
      await this.renewLease();
      await this.relist();
      this.every(50, () => this.tick());
      this.every(this.opts.heartbeatMs, () => this.track(this.heartbeat(), 'heartbeat'));
      this.every(this.opts.metricsRefreshMs, () => this.refreshAllMetrics());
      this.log(`started: node=${this.nodeName} kubelet=https://127.0.0.1:${this.kubeletPortValue} control=${this.controlUrlValue}`);
    } catch (err) {
      await this.stop();
      throw new Error(`fake kubelet failed to start: ${errText(err)}`);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.watchAbort?.abort();
    this.watchAbort = undefined;
    for (const buf of this.logs.values()) for (const f of buf.followers) f(null);
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    await Promise.all([closeServer(this.kubeletServer), closeServer(this.controlServer)]);
    // Let in-flight API calls settle so nothing writes to the apiserver after stop() resolves.
    const settle = Promise.allSettled([...this.inflight]);
    await Promise.race([settle, new Promise((r) => setTimeout(r, 3_000).unref())]);
    this.log('stopped');
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Runs a background API operation; failures are logged, never thrown into the void. */
  private track(p: Promise<unknown>, what: string): void {
    const guarded = p.catch((err: unknown) => {
      if (!this.stopped) this.log(`${what} failed: ${errText(err)}`);
    });
    this.inflight.add(guarded);
    void guarded.finally(() => this.inflight.delete(guarded));
  }

  private log(line: string): void {
    this.logSink(`[fake-kubelet] ${line}`);
  }

  // ----------------------------------------------------------------------------------------------
  // node, lease, CRDs
  // ----------------------------------------------------------------------------------------------

  private nodeStatus(): V1Node['status'] {
    const now = new Date();
    const cond = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.nodeConditionsSince,
    });
    const resources = { cpu: '64', memory: '256Gi', pods: '1000', ...this.capacity, 'ephemeral-storage': '1Ti' };
    return {
      capacity: resources,
      allocatable: resources,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: this.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.kubeletPortValue } },
      nodeInfo: {
        machineID: 'claw-fake-machine',
        systemUUID: 'claw-fake-system',
        bootID: 'claw-fake-boot',
        kernelVersion: '6.1.0-claw-fake',
        osImage: 'Open Cluster Claw fake kubelet',
        containerRuntimeVersion: 'fake://1.0.0',
        kubeletVersion: 'v1.20.2',
        kubeProxyVersion: 'v1.20.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  private async registerNode(): Promise<void> {
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: {
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'beta.kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'claw-fake',
        },
      },
      spec: {},
      status: this.nodeStatus(),
    };
    try {
      await this.core.createNode({ body: node });
    } catch (err) {
      if (apiCode(err) !== 409) throw err;
    }
    await this.postNodeStatus();
    // The TaintNodesByCondition admission plugin adds not-ready on create; the scheduler must not see it.
    await this.clearNodeTaints();
  }

  private async postNodeStatus(): Promise<void> {
    await this.core.patchNodeStatus({ name: this.nodeName, body: { status: this.nodeStatus() } }, MERGE_PATCH);
  }

  private async clearNodeTaints(): Promise<void> {
    const node = await this.core.readNode({ name: this.nodeName });
    const taints = node.spec?.taints ?? [];
    const keep = taints.filter((t) => !NODE_TAINTS_TO_CLEAR.has(t.key));
    if (keep.length === taints.length && node.spec?.unschedulable !== true) return;
    await this.core.patchNode(
      {
        name: this.nodeName,
        body: {
          metadata: { resourceVersion: node.metadata?.resourceVersion },
          spec: { taints: keep.length > 0 ? keep : null, unschedulable: null },
        },
      },
      MERGE_PATCH,
    );
  }

  private async renewLease(): Promise<void> {
    const namespace = 'kube-node-lease';
    if (!this.leaseCreated) {
      try {
        await this.coord.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: this.nodeName,
              namespace,
              ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: await this.nodeUid() }],
            },
            spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40 },
          },
        });
      } catch (err) {
        // kube-node-lease is created by the apiserver shortly after it turns ready; retry on the next beat.
        if (apiCode(err) === 404) return;
        if (apiCode(err) !== 409) throw err;
      }
      this.leaseCreated = true;
    }
    // renewTime goes through a raw merge patch because the typed model would serialise millisecond precision.
    await this.coord.patchNamespacedLease(
      { name: this.nodeName, namespace, body: { spec: { renewTime: microTime(), holderIdentity: this.nodeName } } },
      MERGE_PATCH,
    );
  }

  private async nodeUid(): Promise<string> {
    const node = await this.core.readNode({ name: this.nodeName });
    return node.metadata?.uid ?? '';
  }

  private async heartbeat(): Promise<void> {
    await this.postNodeStatus();
    await this.clearNodeTaints();
    await this.renewLease();
  }

  private async ensureMetricsCrds(): Promise<void> {
    const usageSchema = { type: 'object', additionalProperties: { type: 'string' } };
    const crd = (plural: string, kind: string, scope: 'Namespaced' | 'Cluster'): V1CustomResourceDefinition => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${plural}.${METRICS_GROUP}`,
        // *.k8s.io groups are protected; an "unapproved" marker is the documented escape hatch.
        annotations: { 'api-approved.kubernetes.io': 'unapproved, fake metrics API for the claw test cluster' },
      },
      spec: {
        group: METRICS_GROUP,
        scope,
        names: { plural, kind, listKind: `${kind}List`, singular: kind.toLowerCase() },
        versions: [
          {
            name: METRICS_VERSION,
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                x_kubernetes_preserve_unknown_fields: true,
                properties: {
                  timestamp: { type: 'string' },
                  window: { type: 'string' },
                  ...(scope === 'Namespaced'
                    ? {
                        containers: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: { name: { type: 'string' }, usage: usageSchema },
                          },
                        },
                      }
                    : { usage: usageSchema }),
                },
              },
            },
          },
        ],
      },
    });
    for (const def of [crd('pods', 'PodMetrics', 'Namespaced'), crd('nodes', 'NodeMetrics', 'Cluster')]) {
      try {
        await this.ext.createCustomResourceDefinition({ body: def });
      } catch (err) {
        if (apiCode(err) !== 409) throw err;
      }
    }
    // Established is not enough: the REST handler appears a moment later, so poll a real list call.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await this.custom.listClusterCustomObject({ group: METRICS_GROUP, version: METRICS_VERSION, plural: 'pods' });
        await this.custom.listClusterCustomObject({ group: METRICS_GROUP, version: METRICS_VERSION, plural: 'nodes' });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`metrics CRDs never became servable: ${errText(err)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await this.upsertNodeMetrics();
  }

  private async upsertNodeMetrics(): Promise<void> {
    const body = {
      apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
      kind: 'NodeMetrics',
      metadata: { name: this.nodeName },
      timestamp: iso(),
      window: '30s',
      usage: { cpu: '250m', memory: '1Gi' },
    };
    try {
      await this.custom.patchClusterCustomObject(
        { group: METRICS_GROUP, version: METRICS_VERSION, plural: 'nodes', name: this.nodeName, body },
        MERGE_PATCH,
      );
    } catch (err) {
      if (apiCode(err) !== 404) throw err;
      await this.custom.createClusterCustomObject({ group: METRICS_GROUP, version: METRICS_VERSION, plural: 'nodes', body });
    }
  }

  // ----------------------------------------------------------------------------------------------
  // pod list/watch
  // ----------------------------------------------------------------------------------------------

  private get fieldSelector(): string {
    return `spec.nodeName=${this.nodeName}`;
  }

  private async relist(): Promise<void> {
    const list = await this.core.listPodForAllNamespaces({ fieldSelector: this.fieldSelector });
    const seen = new Set<string>();
    for (const pod of list.items) {
      const uid = pod.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      this.onPodUpsert(pod);
    }
    for (const rt of [...this.pods.values()]) if (!seen.has(rt.uid)) this.onPodDeleted(rt.uid, undefined);
    await this.startWatch(list.metadata?.resourceVersion);
  }

  private async startWatch(resourceVersion: string | undefined): Promise<void> {
    if (this.stopped) return;
    const watch = new Watch(this.kc);
    let sawErrorEvent = false;
    const ctrl = await watch.watch(
      '/api/v1/pods',
      { fieldSelector: this.fieldSelector, resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: RawPod & { code?: number }) => {
        if (this.stopped) return;
        try {
          if (type === 'ADDED' || type === 'MODIFIED') this.onPodUpsert(obj);
          else if (type === 'DELETED') this.onPodDeleted(obj.metadata?.uid ?? '', obj);
          else if (type === 'ERROR') sawErrorEvent = true; // typically 410 Gone; the relist below recovers
        } catch (err) {
          this.log(`watch event ${type} failed: ${errText(err)}`);
        }
      },
      (err: unknown) => {
        if (this.stopped) return;
        this.log(`pod watch ended${err ? `: ${errText(err)}` : ''}${sawErrorEvent ? ' after an ERROR event' : ''}; relisting`);
        this.scheduleResync();
      },
    );
    if (this.stopped) ctrl.abort();
    else this.watchAbort = ctrl;
  }

  private scheduleResync(): void {
    if (this.resyncPending || this.stopped) return;
    this.resyncPending = true;
    this.after(200, () => {
      this.resyncPending = false;
      this.track(
        this.relist().catch((err: unknown) => {
          this.scheduleResync();
          throw err;
        }),
        'relist',
      );
    });
  }

  private onPodUpsert(pod: RawPod): void {
    const md = pod.metadata;
    if (!md?.uid || !md.name || !md.namespace || pod.spec?.nodeName !== this.nodeName) return;
    let rt = this.pods.get(md.uid);
    const now = Date.now();
    if (!rt) {
      if (this.deletionByUid.get(md.uid)?.completedAt) return;
      rt = this.newPodRt(pod, now);
      this.pods.set(rt.uid, rt);
      this.applyFault(rt, this.matchingRule(rt), now);
    } else {
      const labels = md.labels ?? {};
      if (JSON.stringify(labels) !== JSON.stringify(rt.labels)) {
        rt.labels = { ...labels };
        const rule = this.matchingRule(rt);
        if (rule?.id !== rt.fault?.ruleId) this.applyFault(rt, rule, now);
      }
    }
    if (md.deletionTimestamp) this.beginTermination(rt, md.deletionGracePeriodSeconds ?? 0, now);
  }

  private newPodRt(pod: RawPod, now: number): PodRt {
    const md = pod.metadata!;
    const n = this.ipCounter++;
    const rt: PodRt = {
      namespace: md.namespace!,
      name: md.name!,
      uid: md.uid!,
      labels: { ...(md.labels ?? {}) },
      restartPolicy: pod.spec?.restartPolicy ?? 'Always',
      containers: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        hasReadinessProbe: c.readinessProbe != null,
        restartCount: 0,
        containerID: '',
        startedAt: iso(now),
        readyAt: now,
        everStarted: false,
        requests: {
          cpu: c.resources?.requests?.['cpu'] != null ? String(c.resources.requests['cpu']) : undefined,
          memory: c.resources?.requests?.['memory'] != null ? String(c.resources.requests['memory']) : undefined,
        },
      })),
      initContainers: (pod.spec?.initContainers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' })),
      podIP: `10.244.${(n >> 8) & 255}.${n & 255}`,
      startTime: iso(now),
      conditionSince: new Map(),
      terminating: false,
      finalDeleteIssued: false,
      busy: false,
      metricsWritten: false,
      gone: false,
    };
    this.log(`pod ${rt.namespace}/${rt.name} (${rt.uid}) bound to node`);
    return rt;
  }

  private onPodDeleted(uid: string, obj: RawPod | undefined): void {
    const rt = this.pods.get(uid);
    const now = new Date().toISOString();
    let rec = this.deletionByUid.get(uid);
    if (!rec && (rt || obj?.metadata?.name)) {
      // Removed without a graceful phase we could see: a force delete (or a delete of an unstarted pod).
      const grace = obj?.metadata?.deletionGracePeriodSeconds ?? 0;
      rec = this.recordDeletion(rt?.namespace ?? obj?.metadata?.namespace ?? '', rt?.name ?? obj?.metadata?.name ?? '', uid, grace);
    }
    if (rec && !rec.completedAt) rec.completedAt = now;
    if (!rt) return;
    rt.gone = true;
    this.pods.delete(uid);
    for (const c of rt.containers) {
      const key = logKey(rt.namespace, rt.name, c.name);
      const buf = this.logs.get(key);
      if (buf) for (const f of buf.followers) f(null);
      this.logs.delete(key);
    }
    this.metrics.delete(`${rt.namespace}/${rt.name}`);
    for (const k of [...this.events.keys()]) if (k.startsWith(`${uid}|`)) this.events.delete(k);
    if (rt.metricsWritten) {
      this.track(
        this.custom
          .deleteNamespacedCustomObject({ group: METRICS_GROUP, version: METRICS_VERSION, namespace: rt.namespace, plural: 'pods', name: rt.name })
          .catch((err: unknown) => {
            if (apiCode(err) !== 404 && apiCode(err) !== 403) throw err;
          }),
        'delete PodMetrics',
      );
    }
    this.log(`pod ${rt.namespace}/${rt.name} gone`);
  }

  private recordDeletion(namespace: string, name: string, uid: string, grace: number): DeletionRecord {
    const rec: DeletionRecord = {
      namespace,
      name,
      uid,
      gracePeriodSeconds: grace,
      observedGracePeriods: [grace],
      force: grace === 0,
      observedAt: new Date().toISOString(),
    };
    this.deletionRecords.push(rec);
    this.deletionByUid.set(uid, rec);
    if (this.deletionRecords.length > 5_000) {
      const old = this.deletionRecords.shift();
      if (old) this.deletionByUid.delete(old.uid);
    }
    return rec;
  }

  private beginTermination(rt: PodRt, grace: number, now: number): void {
    if (rt.finalDeleteIssued) return; // our own grace-0 delete echoing back
    const rec = this.deletionByUid.get(rt.uid);
    if (!rec) this.recordDeletion(rt.namespace, rt.name, rt.uid, grace);
    else if (rec.observedGracePeriods.at(-1) !== grace) {
      rec.observedGracePeriods.push(grace);
      rec.gracePeriodSeconds = Math.min(rec.gracePeriodSeconds, grace);
      rec.force = rec.gracePeriodSeconds === 0;
    }
    const deleteAt = now + Math.min(grace * 1000, this.opts.gracefulDeleteCapMs);
    if (!rt.terminating) {
      rt.terminating = true;
      rt.terminatedAt = iso(now);
      rt.deleteAt = deleteAt;
      if (grace > 0) {
        for (const c of rt.containers) {
          if (c.everStarted && !c.waiting) this.emitEvent(rt, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
        }
      }
      this.log(`pod ${rt.namespace}/${rt.name} terminating (grace ${grace}s)`);
    } else {
      rt.deleteAt = Math.min(rt.deleteAt ?? deleteAt, deleteAt);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // faults
  // ----------------------------------------------------------------------------------------------

  private matchingRule(rt: PodRt): StoredRule | undefined {
    let best: StoredRule | undefined;
    for (const r of this.rules) {
      if (r.namespace !== rt.namespace || !selectorMatches(r.reqs, rt.labels)) continue;
      if (r.container && !rt.containers.some((c) => c.name === r.container)) continue;
      if (!best || r.seq > best.seq) best = r;
    }
    return best;
  }

  private affected(rt: PodRt, c: ContainerRt): boolean {
    return rt.fault !== undefined && (!rt.fault.container || rt.fault.container === c.name);
  }

  /** Switches a pod to the fault of `rule` (or back to healthy), as a kubelet would observe it. */
  private applyFault(rt: PodRt, rule: StoredRule | undefined, now: number): void {
    rt.fault = rule ? { kind: rule.fault, ruleId: rule.id, container: rule.container } : undefined;
    for (const c of rt.containers) {
      const kind = this.affected(rt, c) ? rt.fault!.kind : undefined;
      c.nextCrashAt = c.nextPullAt = c.nextUnhealthyAt = undefined;
      switch (kind) {
        case 'crashloop':
        case 'oom':
          if (!c.everStarted || c.waiting?.reason.includes('Image')) this.startContainer(rt, c, now);
          this.crashContainer(rt, c, kind, now);
          break;
        case 'image-pull':
          c.waiting = { reason: 'ErrImagePull', message: `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found` };
          c.terminated = undefined;
          c.nextPullAt = now + this.opts.imagePullRetryMs;
          this.emitEvent(rt, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.name);
          this.emitEvent(rt, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${c.waiting.message}`, c.name);
          this.emitEvent(rt, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
          break;
        case 'never-ready':
          if (!c.everStarted || c.waiting || c.terminated) this.startContainer(rt, c, now);
          c.nextUnhealthyAt = now;
          break;
        default:
          // Healthy again: restart whatever is not running; a running container just passes its probe again.
          if (!c.everStarted || c.waiting || c.terminated) this.startContainer(rt, c, now);
      }
    }
  }

  private startContainer(rt: PodRt, c: ContainerRt, now: number): void {
    const restarted = c.everStarted;
    c.everStarted = true;
    c.waiting = undefined;
    c.terminated = undefined;
    c.containerID = `containerd://${hex(32)}`;
    c.startedAt = iso(now);
    c.readyAt = c.hasReadinessProbe ? now + this.opts.readyDelayMs : now;
    const key = logKey(rt.namespace, rt.name, c.name);
    const buf: LogBuffer = this.logs.get(key) ?? { current: [], followers: new Set() };
    this.logs.set(key, buf);
    // A restart begins a fresh run (the crashed one was already saved as `previous`); on the first
    // start, lines a test set before the pod existed are kept as the run's output.
    if (restarted) buf.current = [];
    if (buf.current.length === 0) {
      const ts = new Date(now);
      for (let i = 1; i <= this.opts.generatedLogLines; i++) {
        pushLog(buf, { ts, text: `claw-fake ${rt.namespace}/${rt.name}/${c.name}: log line ${i} of ${this.opts.generatedLogLines}` });
      }
    }
    this.emitEvent(rt, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c.name);
    this.emitEvent(rt, 'Normal', 'Created', `Created container ${c.name}`, c.name);
    this.emitEvent(rt, 'Normal', 'Started', `Started container ${c.name}`, c.name);
  }

  private crashContainer(rt: PodRt, c: ContainerRt, kind: 'crashloop' | 'oom', now: number): void {
    const oom = kind === 'oom';
    const term = {
      exitCode: oom ? 137 : 1,
      reason: oom ? 'OOMKilled' : 'Error',
      startedAt: c.startedAt,
      finishedAt: iso(now),
      containerID: c.containerID,
    };
    const buf = this.logs.get(logKey(rt.namespace, rt.name, c.name));
    if (buf) {
      pushLog(buf, { ts: new Date(now), text: oom ? 'fatal: out of memory (killed by the kernel OOM killer)' : 'panic: simulated crash (claw fake kubelet fault "crashloop")' });
      // The crashed run becomes `previous`; the current buffer keeps showing it until the next start,
      // like `kubectl logs` on a container in CrashLoopBackOff.
      buf.previous = [...buf.current];
    }
    if (oom) {
      this.emitEvent(rt, 'Warning', 'OOMKilling', `Memory cgroup out of memory: Killed process ${1000 + c.restartCount} (${c.name})`, c.name);
    }
    if (rt.restartPolicy === 'Never' || (rt.restartPolicy === 'OnFailure' && term.exitCode === 0)) {
      c.terminated = term;
      c.waiting = undefined;
      c.nextCrashAt = undefined;
      return;
    }
    c.lastTerminated = term;
    c.restartCount++;
    const backoff = Math.min(10 * 2 ** Math.max(0, c.restartCount - 1), 300);
    c.waiting = {
      reason: 'CrashLoopBackOff',
      message: `back-off ${backoff >= 60 ? `${Math.floor(backoff / 60)}m${backoff % 60}s` : `${backoff}s`} restarting failed container=${c.name} pod=${rt.name}_${rt.namespace}(${rt.uid})`,
    };
    c.nextCrashAt = now + this.opts.crashLoopIntervalMs;
    this.emitEvent(rt, 'Warning', 'BackOff', 'Back-off restarting failed container', c.name);
  }

  /** The periodic driver: advances simulated time per pod and pushes changed status. */
  private tick(): void {
    const now = Date.now();
    for (const rt of this.pods.values()) {
      if (rt.busy || rt.gone) continue;
      if (rt.terminating) {
        if (rt.finalDeleteIssued) continue;
        if (now >= (rt.deleteAt ?? now)) {
          this.finalDelete(rt);
          continue;
        }
      } else {
        for (const c of rt.containers) this.advanceContainer(rt, c, now);
      }
      const status = this.buildStatus(rt, now);
      const json = JSON.stringify(status);
      if (json === rt.lastStatusJson) continue;
      rt.busy = true;
      this.track(
        this.core
          .patchNamespacedPodStatus({ name: rt.name, namespace: rt.namespace, body: { status } }, MERGE_PATCH)
          .then(
            () => {
              rt.lastStatusJson = json;
              if (!rt.terminating) this.maybeWriteMetrics(rt);
            },
            (err: unknown) => {
              const code = apiCode(err);
              if (code === 404) return; // deleted meanwhile; the watch will tell
              if (code === 409 || code === 422 || code === 403) {
                this.log(`status patch ${rt.namespace}/${rt.name} refused (${code}): ${errText(err)}`);
                rt.lastStatusJson = json; // do not hammer the apiserver with an unacceptable status
                return;
              }
              throw err;
            },
          )
          .finally(() => {
            rt.busy = false;
          }),
        `status patch ${rt.namespace}/${rt.name}`,
      );
    }
  }

  private advanceContainer(rt: PodRt, c: ContainerRt, now: number): void {
    const kind = this.affected(rt, c) ? rt.fault?.kind : undefined;
    if ((kind === 'crashloop' || kind === 'oom') && c.nextCrashAt !== undefined && now >= c.nextCrashAt) {
      // Restart then crash again straight away: the status keeps showing CrashLoopBackOff with a growing count.
      this.startContainer(rt, c, now);
      this.crashContainer(rt, c, kind, now);
    } else if (kind === 'image-pull' && c.nextPullAt !== undefined && now >= c.nextPullAt) {
      c.nextPullAt = now + this.opts.imagePullRetryMs;
      if (c.waiting?.reason === 'ErrImagePull') {
        c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` };
        this.emitEvent(rt, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, c.name);
        this.emitEvent(rt, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
      } else {
        c.waiting = { reason: 'ErrImagePull', message: `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found` };
        this.emitEvent(rt, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c.name);
        this.emitEvent(rt, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${c.waiting.message}`, c.name);
        this.emitEvent(rt, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
      }
    } else if (kind === 'never-ready' && c.nextUnhealthyAt !== undefined && now >= c.nextUnhealthyAt) {
      c.nextUnhealthyAt = now + this.opts.unhealthyEventIntervalMs;
      this.emitEvent(rt, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', c.name);
    }
  }

  private containerReady(rt: PodRt, c: ContainerRt, now: number): boolean {
    if (rt.terminating || c.waiting || c.terminated || !c.everStarted) return false;
    if (this.affected(rt, c) && rt.fault?.kind === 'never-ready') return false;
    return now >= c.readyAt;
  }

  private buildStatus(rt: PodRt, now: number): Record<string, unknown> {
    const imageID = (image: string): string => `docker.io/library/${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    const containerStatuses = rt.containers.map((c) => {
      const ready = this.containerReady(rt, c, now);
      let state: Record<string, unknown>;
      if (rt.terminating && c.everStarted && !c.waiting) {
        state = c.terminated
          ? { terminated: c.terminated }
          : { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.startedAt, finishedAt: rt.terminatedAt, containerID: c.containerID } };
      } else if (c.terminated) state = { terminated: c.terminated };
      else if (c.waiting) state = { waiting: c.waiting };
      else state = { running: { startedAt: c.startedAt } };
      return {
        name: c.name,
        image: c.image,
        imageID: c.everStarted ? imageID(c.image) : '',
        ...(c.everStarted ? { containerID: c.containerID } : {}),
        ready,
        started: 'running' in state,
        restartCount: c.restartCount,
        state,
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
      };
    });
    const notReady = rt.containers.filter((c) => !this.containerReady(rt, c, now)).map((c) => c.name);
    const allReady = notReady.length === 0;
    const pulling = rt.containers.every((c) => !c.everStarted || c.waiting?.reason === 'ErrImagePull' || c.waiting?.reason === 'ImagePullBackOff');
    const failed = rt.containers.some((c) => c.terminated && c.terminated.exitCode !== 0) && rt.containers.every((c) => c.terminated);
    const phase = failed ? 'Failed' : pulling && !rt.containers.some((c) => c.everStarted && !c.waiting) ? 'Pending' : 'Running';
    const cond = (type: string, ok: boolean, reason?: string, message?: string): Record<string, unknown> => {
      const status = ok ? 'True' : 'False';
      const prev = rt.conditionSince.get(type);
      const since = prev && prev.status === status ? prev.since : iso(now);
      rt.conditionSince.set(type, { status, since });
      return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(ok ? {} : { reason, message }) };
    };
    const unready = `containers with unready status: [${notReady.join(' ')}]`;
    const status: Record<string, unknown> = {
      phase,
      hostIP: '127.0.0.1',
      podIP: rt.podIP,
      podIPs: [{ ip: rt.podIP }],
      startTime: rt.startTime,
      conditions: [
        cond('Initialized', true),
        cond('Ready', allReady, 'ContainersNotReady', unready),
        cond('ContainersReady', allReady, 'ContainersNotReady', unready),
        cond('PodScheduled', true),
      ],
      containerStatuses,
    };
    if (rt.initContainers.length > 0) {
      status['initContainerStatuses'] = rt.initContainers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: imageID(c.image),
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: rt.startTime, finishedAt: rt.startTime } },
        lastState: {},
      }));
    }
    return status;
  }

  private finalDelete(rt: PodRt): void {
    rt.finalDeleteIssued = true;
    rt.busy = true;
    this.track(
      this.core
        .deleteNamespacedPod({
          name: rt.name,
          namespace: rt.namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid: rt.uid } },
        })
        .catch((err: unknown) => {
          const code = apiCode(err);
          if (code !== 404 && code !== 409) throw err;
        })
        .finally(() => {
          rt.busy = false;
        }),
      `final delete ${rt.namespace}/${rt.name}`,
    );
  }

  // ----------------------------------------------------------------------------------------------
  // events
  // ----------------------------------------------------------------------------------------------

  /** Writes (or bumps the count of) a kubelet-style Event about the pod. */
  private emitEvent(rt: PodRt, type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
    if (this.stopped) return;
    const key = `${rt.uid}|${container ?? ''}|${reason}|${message}`;
    const now = new Date();
    const existing = this.events.get(key);
    if (existing) {
      existing.count++;
      const { name, namespace, count } = existing;
      this.track(
        this.core
          .patchNamespacedEvent({ name, namespace, body: { count, lastTimestamp: iso(now.getTime()) } }, MERGE_PATCH)
          .catch((err: unknown) => {
            if (apiCode(err) !== 404 && apiCode(err) !== 403) throw err;
          }),
        `event ${reason}`,
      );
      return;
    }
    const name = `${rt.name}.${hex(8)}`;
    this.events.set(key, { name, namespace: rt.namespace, count: 1 });
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: rt.namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: rt.name,
        namespace: rt.namespace,
        uid: rt.uid,
        ...(container ? { fieldPath: `spec.containers{${container}}` } : {}),
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'kubelet', host: this.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
    };
    this.track(
      this.core.createNamespacedEvent({ namespace: rt.namespace, body }).catch((err: unknown) => {
        // 403: the namespace is terminating; 404: it is gone. Neither matters for a fake.
        if (apiCode(err) !== 403 && apiCode(err) !== 404) throw err;
      }),
      `event ${reason}`,
    );
  }

  // ----------------------------------------------------------------------------------------------
  // metrics
  // ----------------------------------------------------------------------------------------------

  private maybeWriteMetrics(rt: PodRt): void {
    if (rt.metricsWritten || rt.gone) return;
    if (!rt.containers.some((c) => c.everStarted && !c.waiting && !c.terminated)) return;
    rt.metricsWritten = true;
    this.track(this.writePodMetrics(rt), `PodMetrics ${rt.namespace}/${rt.name}`);
  }

  private podMetricsBody(rt: PodRt): Record<string, unknown> {
    const set = this.metrics.get(`${rt.namespace}/${rt.name}`) ?? {};
    return {
      apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
      kind: 'PodMetrics',
      metadata: {
        name: rt.name,
        namespace: rt.namespace,
        labels: rt.labels,
        // The garbage collector removes the metrics with the pod even if the kubelet misses the deletion.
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: rt.name, uid: rt.uid }],
      },
      timestamp: iso(),
      window: '30s',
      containers: rt.containers.map((c) => {
        const usage = { ...(set['*'] ?? {}), ...(set[c.name] ?? {}) };
        return { name: c.name, usage: { cpu: usage.cpu ?? '5m', memory: usage.memory ?? '16Mi' } };
      }),
    };
  }

  private async writePodMetrics(rt: PodRt): Promise<void> {
    if (rt.gone || rt.terminating) return;
    const body = this.podMetricsBody(rt);
    const ids = { group: METRICS_GROUP, version: METRICS_VERSION, namespace: rt.namespace, plural: 'pods' };
    try {
      await this.custom.patchNamespacedCustomObject({ ...ids, name: rt.name, body }, MERGE_PATCH);
    } catch (err) {
      if (apiCode(err) !== 404) {
        if (apiCode(err) === 403) return; // terminating namespace
        throw err;
      }
      try {
        await this.custom.createNamespacedCustomObject({ ...ids, body });
      } catch (err2) {
        if (apiCode(err2) !== 403 && apiCode(err2) !== 409) throw err2;
      }
    }
  }

  private refreshAllMetrics(): void {
    this.track(this.upsertNodeMetrics(), 'NodeMetrics');
    for (const rt of this.pods.values()) {
      if (rt.metricsWritten && !rt.terminating) this.track(this.writePodMetrics(rt), `PodMetrics ${rt.namespace}/${rt.name}`);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // public (in-process) control API; the HTTP control endpoint maps onto these
  // ----------------------------------------------------------------------------------------------

  addFault(input: FaultRuleInput): AddFaultResult {
    if (!input || typeof input.namespace !== 'string' || !input.namespace) throw new HttpError(400, 'namespace is required');
    const fault = input.fault as string;
    if (fault === 'clear') return this.clearFaults({ namespace: input.namespace, selector: input.selector });
    if (fault === 'unschedulable') {
      throw new HttpError(400, 'unschedulable is not a kubelet fault: request more cpu/memory than the node has (64 cpu, 256Gi) and the real scheduler keeps the pod Pending');
    }
    if (!['crashloop', 'oom', 'image-pull', 'never-ready'].includes(fault)) throw new HttpError(400, `unknown fault ${fault}`);
    const selector = normalizeSelector(input.selector);
    let reqs: Requirement[];
    try {
      reqs = parseSelector(selector);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const rule: StoredRule = {
      id: `fault-${++this.ruleSeq}`,
      namespace: input.namespace,
      selector,
      fault: fault as ActiveFault,
      ...(input.container ? { container: input.container } : {}),
      createdAt: new Date().toISOString(),
      reqs,
      seq: this.ruleSeq,
    };
    this.rules.push(rule);
    const affected: string[] = [];
    const now = Date.now();
    for (const rt of this.pods.values()) {
      if (rt.terminating) continue;
      const winner = this.matchingRule(rt);
      if (winner?.id === rule.id) {
        this.applyFault(rt, winner, now);
        affected.push(`${rt.namespace}/${rt.name}`);
      }
    }
    this.log(`fault ${rule.id} ${rule.fault} ns=${rule.namespace} selector="${selector}" -> ${affected.join(', ') || 'no pods yet'}`);
    return { rule: publicRule(rule), affectedPods: affected };
  }

  clearFaults(filter: { namespace?: string; selector?: string | Record<string, string> } = {}): AddFaultResult {
    const selector = filter.selector === undefined ? undefined : normalizeSelector(filter.selector);
    const removed = new Set<string>();
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i]!;
      if (filter.namespace && r.namespace !== filter.namespace) continue;
      if (selector !== undefined && r.selector !== selector) continue;
      removed.add(r.id);
      this.rules.splice(i, 1);
    }
    const affected: string[] = [];
    const now = Date.now();
    for (const rt of this.pods.values()) {
      if (!rt.fault || !removed.has(rt.fault.ruleId) || rt.terminating) continue;
      this.applyFault(rt, this.matchingRule(rt), now);
      affected.push(`${rt.namespace}/${rt.name}`);
    }
    this.log(`cleared ${removed.size} fault rule(s) -> ${affected.join(', ') || 'no pods'}`);
    return { cleared: removed.size, affectedPods: affected };
  }

  listFaults(): FaultRule[] {
    return this.rules.map(publicRule);
  }

  setLogs(input: SetLogsInput): void {
    if (!input?.namespace || !input.pod || !Array.isArray(input.lines)) throw new HttpError(400, 'namespace, pod and lines are required');
    const rt = this.findPod(input.namespace, input.pod);
    const container = input.container ?? rt?.containers[0]?.name ?? 'main';
    const key = logKey(input.namespace, input.pod, container);
    const buf = this.logs.get(key) ?? { current: [], followers: new Set<(l: LogLine | null) => void>() };
    this.logs.set(key, buf);
    const lines = input.lines.map((text) => ({ ts: new Date(), text: String(text) }));
    if (input.previous) {
      buf.previous = input.mode === 'replace' || !buf.previous ? lines : [...buf.previous, ...lines];
      return;
    }
    if (input.mode === 'replace') buf.current = [];
    for (const l of lines) pushLog(buf, l);
  }

  setMetrics(input: SetMetricsInput): void {
    if (!input?.namespace || !input.pod) throw new HttpError(400, 'namespace and pod are required');
    const key = `${input.namespace}/${input.pod}`;
    const set = this.metrics.get(key) ?? {};
    const usage: { cpu?: string; memory?: string } = { ...(set[input.container ?? '*'] ?? {}) };
    if (input.cpu !== undefined) usage.cpu = String(input.cpu);
    if (input.memory !== undefined) usage.memory = String(input.memory);
    set[input.container ?? '*'] = usage;
    this.metrics.set(key, set);
    const rt = this.findPod(input.namespace, input.pod);
    if (rt?.metricsWritten) this.track(this.writePodMetrics(rt), `PodMetrics ${key}`);
  }

  deletions(filter: { namespace?: string; pod?: string } = {}): DeletionRecord[] {
    return this.deletionRecords
      .filter((r) => (!filter.namespace || r.namespace === filter.namespace) && (!filter.pod || r.name === filter.pod))
      .map((r) => ({ ...r, observedGracePeriods: [...r.observedGracePeriods] }));
  }

  podViews(): KubeletPodView[] {
    const now = Date.now();
    return [...this.pods.values()].map((rt) => ({
      namespace: rt.namespace,
      name: rt.name,
      uid: rt.uid,
      ...(rt.fault ? { fault: rt.fault.kind, ruleId: rt.fault.ruleId } : {}),
      restartCount: rt.containers.reduce((n, c) => n + c.restartCount, 0),
      ready: rt.containers.every((c) => this.containerReady(rt, c, now)),
      terminating: rt.terminating,
      podIP: rt.podIP,
    }));
  }

  execs(): ExecResultRecord[] {
    return [...this.execRecords];
  }

  private findPod(namespace: string, name: string): PodRt | undefined {
    let found: PodRt | undefined;
    for (const rt of this.pods.values()) {
      if (rt.namespace !== namespace || rt.name !== name || rt.gone) continue;
      // A terminating pod can briefly share its name with its replacement; the live one wins.
      if (!found || (found.terminating && !rt.terminating)) found = rt;
    }
    return found;
  }

  // ----------------------------------------------------------------------------------------------
  // HTTPS kubelet endpoint (logs, exec) and HTTP control endpoint
  // ----------------------------------------------------------------------------------------------

  private async startKubeletServer(): Promise<void> {
    // The apiserver runs without --kubelet-certificate-authority, so any certificate will do.
    const dir = await mkdtemp(join(tmpdir(), 'claw-kubelet-pki-'));
    let cert: string;
    let key: string;
    try {
      const ca = await createCa(dir, 'kubelet-ca', 'claw-fake-kubelet-ca');
      const leaf = await issueCert(dir, 'kubelet', ca, { commonName: this.nodeName, ips: ['127.0.0.1'], dnsNames: ['localhost', this.nodeName] });
      [cert, key] = await Promise.all([readFile(leaf.certPath, 'utf8'), readFile(leaf.keyPath, 'utf8')]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const server = createHttpsServer({ cert, key }, (req, res) => {
      this.handleKubeletRequest(req, res).catch((err: unknown) => sendError(res, err));
    });
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => {
        for (const p of ['v4.channel.k8s.io', 'channel.k8s.io']) if (protocols.has(p)) return p;
        return false;
      },
    });
    server.on('upgrade', (req: IncomingMessage, socket, head) => this.handleUpgrade(req, socket, head));
    this.kubeletServer = server;
    this.kubeletPortValue = await listen(server, this.opts.kubeletPort);
  }

  private async handleKubeletRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      this.serveLogs(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), decodeURIComponent(m[3]!), url.searchParams, req, res);
      return;
    }
    if (url.pathname.startsWith('/exec/')) throw new HttpError(400, 'exec needs a websocket upgrade (v4.channel.k8s.io)');
    throw new HttpError(404, `fake kubelet: no handler for ${req.method ?? ''} ${url.pathname}`);
  }

  private serveLogs(ns: string, podName: string, container: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const rt = this.findPod(ns, podName);
    const buf = this.logs.get(logKey(ns, podName, container));
    if (!rt) throw new HttpError(404, `pod "${podName}" in namespace "${ns}" not found on node ${this.nodeName}`);
    const c = rt.containers.find((x) => x.name === container);
    if (!c) throw new HttpError(400, `container "${container}" in pod "${podName}" is not valid`);
    const previous = q.get('previous') === 'true';
    if (!previous && !c.everStarted && c.waiting) {
      throw new HttpError(400, `container "${container}" in pod "${podName}" is waiting to start: ${c.waiting.reason === 'ErrImagePull' || c.waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : 'ContainerCreating'}`);
    }
    let lines: LogLine[];
    if (previous) {
      if (!buf?.previous) throw new HttpError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
      lines = buf.previous;
    } else lines = buf?.current ?? [];
    const sinceSeconds = Number(q.get('sinceSeconds') ?? '');
    const sinceTime = q.get('sinceTime');
    let since = 0;
    if (Number.isFinite(sinceSeconds) && sinceSeconds > 0) since = Date.now() - sinceSeconds * 1000;
    if (sinceTime) since = Math.max(since, Date.parse(sinceTime) || 0);
    if (since > 0) lines = lines.filter((l) => l.ts.getTime() >= since);
    const tail = q.get('tailLines');
    if (tail !== null && tail !== '' && Number(tail) >= 0) lines = Number(tail) === 0 ? [] : lines.slice(-Number(tail));
    const timestamps = q.get('timestamps') === 'true';
    const fmt = (l: LogLine): string => (timestamps ? `${rfc3339Nano(l.ts)} ${l.text}\n` : `${l.text}\n`);
    let out = lines.map(fmt).join('');
    const limitBytes = Number(q.get('limitBytes') ?? '');
    if (Number.isFinite(limitBytes) && limitBytes > 0) out = Buffer.from(out).subarray(0, limitBytes).toString('utf8');
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    if (q.get('follow') !== 'true' || previous || !buf) {
      res.end(out);
      return;
    }
    res.write(out);
    const follower = (line: LogLine | null): void => {
      if (line === null) {
        buf.followers.delete(follower);
        res.end();
      } else res.write(fmt(line));
    };
    buf.followers.add(follower);
    req.once('close', () => buf.followers.delete(follower));
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = /^\/exec\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    const rt = m ? this.findPod(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)) : undefined;
    if (!m || !rt || !this.wss) {
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${m ? 'pod not found' : 'not found'}`);
      return;
    }
    const container = decodeURIComponent(m[3]!);
    const command = url.searchParams.getAll('command');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.runExec(ws, rt, container, command));
  }

  /** A tiny "shell": echo prints its arguments, `exit N` fails with N, anything else echoes the command line. */
  private runExec(ws: WebSocket, rt: PodRt, container: string, command: string[]): void {
    this.execRecords.push({ namespace: rt.namespace, pod: rt.name, container, command, at: new Date().toISOString() });
    let argv = command;
    if (argv.length >= 3 && /(^|\/)(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c') argv = (argv[2] ?? '').trim().split(/\s+/);
    let exitCode = 0;
    let stdout: string;
    if (argv[0] === 'echo') stdout = `${argv.slice(1).join(' ')}\n`;
    else if (argv[0] === 'exit') {
      exitCode = Number(argv[1] ?? '0') || 0;
      stdout = '';
    } else stdout = `${command.join(' ')}\n`;
    const frame = (channel: number, data: string): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
    if (stdout) ws.send(frame(1, stdout));
    const status =
      exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: exit status ${exitCode}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
          };
    ws.send(frame(3, JSON.stringify(status)), () => ws.close(1000));
  }

  private async startControlServer(): Promise<void> {
    const server = createHttpServer((req, res) => {
      this.handleControl(req, res).catch((err: unknown) => sendError(res, err));
    });
    this.controlServer = server;
    const port = await listen(server, this.opts.controlPort);
    this.controlUrlValue = `http://127.0.0.1:${port}`;
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
    };
    switch (route) {
      case 'GET /healthz':
        return json(200, { ok: true, node: this.nodeName });
      case 'GET /faults':
        return json(200, this.listFaults());
      case 'POST /faults':
        return json(201, this.addFault((await readJson(req)) as FaultRuleInput));
      case 'POST /faults/clear':
        return json(200, this.clearFaults((await readJson(req)) as { namespace?: string; selector?: string }));
      case 'DELETE /faults':
        return json(200, this.clearFaults({}));
      case 'POST /logs':
        this.setLogs((await readJson(req)) as SetLogsInput);
        return json(204, undefined);
      case 'POST /metrics':
        this.setMetrics((await readJson(req)) as SetMetricsInput);
        return json(204, undefined);
      case 'GET /deletions':
        return json(200, this.deletions({ namespace: url.searchParams.get('namespace') ?? undefined, pod: url.searchParams.get('pod') ?? undefined }));
      case 'GET /pods':
        return json(200, this.podViews());
      case 'GET /execs':
        return json(200, this.execs());
      default:
        throw new HttpError(404, `no route ${route}`);
    }
  }
}

function logKey(ns: string, pod: string, container: string): string {
  return `${ns}/${pod}/${container}`;
}

function pushLog(buf: LogBuffer, line: LogLine): void {
  buf.current.push(line);
  if (buf.current.length > 10_000) buf.current.splice(0, buf.current.length - 10_000);
  for (const f of buf.followers) f(line);
}

function publicRule(r: StoredRule): FaultRule {
  const { reqs: _reqs, seq: _seq, ...rest } = r;
  return rest;
}

function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof HttpError ? err.status : 500;
  const message = err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > 1 << 20) throw new HttpError(413, 'body too large');
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
}

function listen(server: HttpServer | HttpsServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function closeServer(server: HttpServer | HttpsServer | undefined): Promise<void> {
  if (!server?.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
