// A tenant's space on Kubernetes: its labelled namespace, ResourceQuota and NetworkPolicy, written only when they differ.
import type { CoreV1Api, NetworkingV1Api, V1Namespace, V1NetworkPolicy, V1ResourceQuota } from '@kubernetes/client-node';
import { RuntimeError, type TenantQuota } from '../runtime.js';
import { toRuntimeError } from './api-errors.js';
import { namespaceManifest, quotaHard, quotaManifest, tenantLabels } from './manifests.js';
import { NETWORK_POLICY_NAME, QUOTA_NAME, tenantNamespace } from './names.js';
import { networkPolicyManifest, type NetworkIsolation } from './network-policy.js';
import { sameMap, sameValue, syncObject } from './object-sync.js';
import type { Logger } from '../../util/logger.js';
import type { RuntimeMeter } from '../runtime-meter.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Right after a quota is written its usage is computed within about a second; wait that long, not forever. */
const QUOTA_SETTLE_MS = 10_000;
const POLL_MS = 200;

export class TenantSpaces {
  /** tenant -> the quota last applied, and until when that is trusted without asking the apiserver. */
  private readonly applied = new Map<string, { hard: string; until: number }>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly networking: NetworkingV1Api,
    private readonly isolation: Required<NetworkIsolation>,
    private readonly cacheTtlMs: number,
    private readonly logger: Logger,
    private readonly meter: RuntimeMeter,
  ) {}

  async ensure(tenant: string, quota: TenantQuota): Promise<void> {
    const hard = JSON.stringify(quotaHard(quota));
    const cached = this.applied.get(tenant);
    if (cached && cached.hard === hard && cached.until > Date.now()) return;
    const namespace = tenantNamespace(tenant);
    const core = this.core;

    const namespaceOutcome = await syncObject<V1Namespace>({
      what: `namespace ${namespace}`,
      read: () => core.readNamespace({ name: namespace }),
      create: () => core.createNamespace({ body: namespaceManifest(tenant) }),
      update: (existing) => {
        if (existing.metadata?.deletionTimestamp) {
          throw new RuntimeError('unavailable', `namespace ${namespace} is being deleted; the tenant can be set up again once it is gone`);
        }
        // Labels others put on the namespace stay; ours are added or corrected.
        const labels = { ...existing.metadata?.labels, ...tenantLabels(tenant) };
        if (sameMap(labels, existing.metadata?.labels)) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels } };
      },
      replace: (body) => core.replaceNamespace({ name: namespace, body }),
    });

    const desired = quotaManifest(tenant, quota);
    const outcome = await syncObject<V1ResourceQuota>({
      what: `resource quota ${QUOTA_NAME} in ${namespace}`,
      read: () => core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace }),
      create: () => core.createNamespacedResourceQuota({ namespace, body: desired }),
      update: (existing) => {
        if (sameMap(existing.spec?.hard, desired.spec?.hard) && sameMap(existing.metadata?.labels, desired.metadata?.labels)) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels: desired.metadata?.labels }, spec: { ...existing.spec, hard: desired.spec?.hard } };
      },
      replace: (body) => core.replaceNamespacedResourceQuota({ name: QUOTA_NAME, namespace, body }),
    });
    const policy = networkPolicyManifest(tenant, this.isolation);
    const { networking } = this;
    const policyOutcome = await syncObject<V1NetworkPolicy>({
      what: `network policy ${NETWORK_POLICY_NAME} in ${namespace}`,
      read: () => networking.readNamespacedNetworkPolicy({ name: NETWORK_POLICY_NAME, namespace }),
      create: () => networking.createNamespacedNetworkPolicy({ namespace, body: policy }),
      update: (existing) => {
        // The whole spec is ours: an edit made behind our back (a widened rule) is put back.
        if (sameValue(existing.spec, policy.spec) && sameMap(existing.metadata?.labels, policy.metadata?.labels)) return undefined;
        return { ...existing, metadata: { ...existing.metadata, labels: policy.metadata?.labels }, spec: policy.spec };
      },
      replace: (body) => networking.replaceNamespacedNetworkPolicy({ name: NETWORK_POLICY_NAME, namespace, body }),
    });
    if (namespaceOutcome !== 'unchanged') this.meter.write('namespace', namespaceOutcome);
    if (policyOutcome !== 'unchanged') this.meter.write('networkpolicy', policyOutcome);
    if (outcome !== 'unchanged') this.meter.write('resourcequota', outcome);
    if (outcome !== 'unchanged') await this.waitForQuotaStatus(namespace);
    this.applied.set(tenant, { hard, until: Date.now() + this.cacheTtlMs });
  }

  /** The namespace turned out to be missing: the next ensure() must look again rather than trust the cache. */
  forget(tenant: string): void {
    this.applied.delete(tenant);
  }

  /**
   * Until the quota controller has computed the new quota's usage, the apiserver refuses every pod and PVC in the
   * namespace ("status unknown for quota"). Waiting here (bounded) keeps the very next apply from failing.
   */
  private async waitForQuotaStatus(namespace: string): Promise<void> {
    const deadline = Date.now() + QUOTA_SETTLE_MS;
    while (Date.now() < deadline) {
      try {
        const quota = await this.core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace });
        if (sameMap(quota.status?.hard, quota.spec?.hard) && quota.status?.used) return;
      } catch (err) {
        throw toRuntimeError(err, `resource quota ${QUOTA_NAME} in ${namespace}`);
      }
      await sleep(POLL_MS);
    }
    this.logger.warn({ namespace }, 'resource quota usage not computed yet; writes may be refused for a moment');
  }
}
