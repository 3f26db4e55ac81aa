// CPU and memory of claws' pods from metrics.k8s.io (metrics-server), which not every cluster serves: without it the
// answer says so, rather than showing zeros.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { parseQuantity } from '../../model/values/quantity.js';
import type { ResourceUsage, UsageReport } from '../runtime.js';
import { httpStatus } from './api-errors.js';
import { LABEL_INSTANCE_ID } from './names.js';

interface PodMetrics {
  metadata?: { labels?: Record<string, string> };
  timestamp?: string;
  containers?: Array<{ usage?: { cpu?: string; memory?: string } }>;
}

/** metrics-server reports CPU in nanocores ("123456789n") or microcores, which people never type: only it needs these. */
const SUB_MILLI: Record<string, number> = { n: 1e-6, u: 1e-3 };

/** "250m", "123456789n", "2" -> millicores; anything unreadable counts as none. */
export function cpuMillicores(quantity: string | undefined): number {
  const fine = /^(\d+)(n|u)$/.exec(quantity ?? '');
  if (fine) return Math.round(Number(fine[1]) * SUB_MILLI[fine[2]!]!);
  const parsed = parseQuantity(quantity ?? '', 'cpu');
  return parsed.ok ? Math.round(parsed.value.value * 1000) : 0;
}

/** "123456Ki", "64Mi", "1000000" -> bytes, read as every other Kubernetes quantity here is. */
export function memoryBytes(quantity: string | undefined): number {
  const parsed = parseQuantity(quantity ?? '', 'bytes');
  return parsed.ok ? Math.round(parsed.value.value) : 0;
}

const UNSERVED = {
  en: 'this cluster does not serve metrics.k8s.io, so CPU and memory in use are unknown (install metrics-server)',
  zh: '此集群未提供 metrics.k8s.io，无法得知实际 CPU 和内存用量（请安装 metrics-server）',
};

/** Where metrics-server serves pod usage. */
export const METRICS_API = { group: 'metrics.k8s.io', version: 'v1beta1' };

/** Usage of the pods of `ids` in the tenants' namespaces (`api`: another metrics API, for tests). */
export async function podUsage(custom: CustomObjectsApi, namespaces: readonly string[], ids: ReadonlySet<string>, api = METRICS_API): Promise<UsageReport> {
  const byInstance = new Map<string, ResourceUsage>();
  for (const namespace of namespaces) {
    let list: { items?: PodMetrics[] };
    try {
      list = (await custom.listNamespacedCustomObject({
        ...api, namespace, plural: 'pods', labelSelector: LABEL_INSTANCE_ID,
      })) as { items?: PodMetrics[] };
    } catch (error) {
      // 404: the API group is not registered; 503: registered, but metrics-server is not answering.
      const status = httpStatus(error);
      if (status === 404 || status === 503) return { available: false, reason: UNSERVED };
      throw error;
    }
    for (const pod of list.items ?? []) {
      const id = pod.metadata?.labels?.[LABEL_INSTANCE_ID];
      if (!id || !ids.has(id)) continue;
      const containers = pod.containers ?? [];
      byInstance.set(id, {
        cpuMillicores: containers.reduce((sum, c) => sum + cpuMillicores(c.usage?.cpu), 0),
        memoryBytes: containers.reduce((sum, c) => sum + memoryBytes(c.usage?.memory), 0),
        sampledAt: pod.timestamp ? new Date(pod.timestamp) : new Date(),
      });
    }
  }
  return { available: true, byInstance };
}
