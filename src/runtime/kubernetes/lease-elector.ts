// Leader election through a coordination.k8s.io/v1 Lease, with resourceVersion as the compare-and-swap.
import { PatchStrategy, V1MicroTime, setHeaderOptions, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { DEFAULT_LEASE_TIMING, LeadershipState, type LeaderElector, type LeaseTiming } from '../leader-elector.js';
import { apiMessage, isConflict, readOrAbsent } from './api-errors.js';
import { toDate } from './observation.js';
import type { Logger } from '../../util/logger.js';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * metav1.MicroTime only parses exactly six fractional digits, and the typed model would send three, so times go into
 * merge patches as preformatted strings.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface KubernetesLeaseElectorOptions {
  coordination: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  timing?: LeaseTiming;
  logger: Logger;
  /** Aborted when the runtime closes: stops the campaign like the caller's own signal. */
  stopSignal: AbortSignal;
}

export class KubernetesLeaseElector extends LeadershipState implements LeaderElector {
  private failing = false;
  private started = false;
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: KubernetesLeaseElectorOptions) {
    super(options.timing ?? DEFAULT_LEASE_TIMING, (err) => options.logger.error({ err: apiMessage(err) }, 'leader election listener threw'));
  }

  start(signal: AbortSignal): void {
    if (this.started) throw new Error('leader elector already started');
    this.started = true;
    this.finished = this.campaign(
      AbortSignal.any([signal, this.options.stopSignal]),
      () => this.tick().catch((err: unknown) => this.onTickError(err)),
      () => this.release().catch((err: unknown) => {
        this.options.logger.warn({ err: apiMessage(err), lease: this.options.name }, 'could not release the leader lease; it expires by itself');
      }),
    );
  }

  /** Resolves once a stopped elector has released its lease (or given up trying). */
  whenStopped(): Promise<void> {
    return this.finished;
  }

  private get durationSeconds(): number {
    return Math.max(1, Math.ceil(this.timing.durationMs / 1000));
  }

  private won(at: number): void {
    this.lastHolder = this.options.identity;
    this.lastRenewal = at;
    if (this.failing) this.options.logger.warn({ lease: this.options.name }, 'leader lease reachable again');
    this.failing = false;
    this.setLeader(true);
  }

  private lost(holder: string | null): void {
    this.lastHolder = holder;
    this.failing = false;
    this.setLeader(false);
  }

  private read(): Promise<V1Lease | undefined> {
    return readOrAbsent(() => this.options.coordination.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace }));
  }

  /** After losing a race, learn who won so holder() is right at once rather than one period later. */
  private async learnHolder(): Promise<void> {
    const lease = await this.read();
    this.lost(lease?.spec?.holderIdentity || null);
  }

  private async tick(): Promise<void> {
    const { coordination, namespace, name, identity } = this.options;
    const now = Date.now();
    const lease = await this.read();
    if (!lease) {
      try {
        await coordination.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.durationSeconds,
              // V1MicroTime serialises with six fractional digits, as the apiserver requires.
              acquireTime: new V1MicroTime(now),
              renewTime: new V1MicroTime(now),
              leaseTransitions: 0,
            },
          },
        });
        this.won(now);
      } catch (err) {
        if (!isConflict(err)) throw err;
        await this.learnHolder();
      }
      return;
    }
    const holder = lease.spec?.holderIdentity || null;
    const renewed = toDate(lease.spec?.renewTime)?.getTime();
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.durationSeconds) * 1000;
    const expired = holder === null || renewed === undefined || renewed + durationMs < now;
    if (holder !== identity && !expired) {
      this.lost(holder);
      return;
    }
    const spec: Record<string, unknown> =
      holder === identity
        ? { holderIdentity: identity, renewTime: microTime(now), leaseDurationSeconds: this.durationSeconds }
        : {
            holderIdentity: identity,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseDurationSeconds: this.durationSeconds,
            leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
          };
    try {
      // resourceVersion in a merge patch is a precondition: if anyone wrote the lease since our read, we get 409.
      await coordination.patchNamespacedLease(
        { name, namespace, body: { metadata: { resourceVersion: lease.metadata?.resourceVersion }, spec } },
        MERGE_PATCH,
      );
      this.won(now);
    } catch (err) {
      if (!isConflict(err)) throw err;
      await this.learnHolder();
    }
  }

  private onTickError(err: unknown): void {
    if (!this.failing) this.options.logger.warn({ err: apiMessage(err), lease: this.options.name }, 'leader lease renewal failed');
    this.failing = true;
    this.renewalFailed();
  }

  /** Empties the holder and backdates the renewal so another replica takes over on its next attempt, not after expiry. */
  private async release(): Promise<void> {
    const lease = await this.read();
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    try {
      await this.options.coordination.patchNamespacedLease(
        {
          name: this.options.name,
          namespace: this.options.namespace,
          body: { metadata: { resourceVersion: lease.metadata?.resourceVersion }, spec: { holderIdentity: null, renewTime: microTime(0) } },
        },
        MERGE_PATCH,
      );
      this.lastHolder = null;
    } catch (err) {
      // Someone else already took it over: nothing left to release.
      if (!isConflict(err)) throw err;
    }
  }
}
