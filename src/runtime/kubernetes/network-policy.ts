// The NetworkPolicy of a tenant's namespace: claws accept traffic only from the control plane and reach only DNS, the
// control plane and their model endpoints; never a pod of another tenant.
import { readFileSync } from 'node:fs';
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import { NETWORK_POLICY_NAME, tenantNamespace } from './names.js';
import { tenantLabels } from './manifests.js';

export interface NetworkIsolation {
  /**
   * Namespace of the control plane's pods. Default: the namespace this process runs in when it runs in a pod (its
   * service account says so), else `default`.
   */
  controlPlaneNamespace?: string;
  /** Labels of the control plane's pods. Default `app.kubernetes.io/name=open-cluster-claw`, the chart's label. */
  controlPlaneSelector?: Record<string, string>;
  /** In-cluster namespaces of model endpoints (e.g. `llm` for llm-gateway.llm.svc). Default `llm`, the default template's. */
  modelNamespaces?: string[];
}

export const DEFAULT_CONTROL_PLANE_SELECTOR: Record<string, string> = { 'app.kubernetes.io/name': 'open-cluster-claw' };
export const DEFAULT_MODEL_NAMESPACES = ['llm'];

/** Set on every namespace by the apiserver since Kubernetes 1.21: the one portable way to select a namespace by name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Addresses that are not the public internet: pods, services and nodes live here in practically every cluster
 * (RFC 1918, CGNAT, link-local with the cloud metadata endpoint, loopback; IPv6 unique-local and link-local).
 */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8'];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'];

function ownNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function resolvedIsolation(o: NetworkIsolation = {}): Required<NetworkIsolation> {
  return {
    controlPlaneNamespace: o.controlPlaneNamespace || ownNamespace() || 'default',
    controlPlaneSelector: o.controlPlaneSelector && Object.keys(o.controlPlaneSelector).length > 0 ? o.controlPlaneSelector : DEFAULT_CONTROL_PLANE_SELECTOR,
    // A tenant's namespace never becomes a model endpoint: that would open one tenant's claws to another's.
    modelNamespaces: (o.modelNamespaces ?? DEFAULT_MODEL_NAMESPACES).filter((ns) => !ns.startsWith('claw-')),
  };
}

const namespaceNamed = (name: string): V1NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } });

/**
 * One policy for every pod of the namespace (`podSelector: {}`): whatever runs there is a claw or sits beside them, and
 * both are untrusted. Deny by default in both directions, then allow:
 * - ingress from the control plane's pods only (admin RPC, chat completions); kubelet probes come from the node and
 *   are not subject to policies;
 * - egress to DNS in kube-system (UDP and TCP 53), to the control plane's pods (the claw skill calls its API; no port
 *   filter, since a policy sees the pod's port, not the Service's), to the model namespaces (likewise any port), and to
 *   public addresses (a model API on the internet). A NetworkPolicy cannot name a host, so "the model endpoint of the
 *   config" is as close as a portable policy gets: in-cluster endpoints by namespace, external ones as "not private".
 */
export function networkPolicyManifest(tenant: string, isolation: Required<NetworkIsolation>): V1NetworkPolicy {
  const controlPlane: V1NetworkPolicyPeer = {
    ...namespaceNamed(isolation.controlPlaneNamespace),
    podSelector: { matchLabels: isolation.controlPlaneSelector },
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: NETWORK_POLICY_NAME, namespace: tenantNamespace(tenant), labels: tenantLabels(tenant) },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: [controlPlane] }],
      egress: [
        { to: [namespaceNamed('kube-system')], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [controlPlane] },
        ...(isolation.modelNamespaces.length > 0 ? [{ to: isolation.modelNamespaces.map(namespaceNamed) }] : []),
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_V4 } },
            { ipBlock: { cidr: '::/0', except: PRIVATE_V6 } },
          ],
        },
      ],
    },
  };
}
