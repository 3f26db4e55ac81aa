// Pure builders of the Kubernetes objects for a tenant and an instance: WorkloadSpec in, manifests out, no API calls.
import { filesDigest } from '../files-digest.js';
import type {
  V1ConfigMap,
  V1Container,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Probe,
  V1ResourceQuota,
  V1Secret,
  V1Service,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { POD_FILES_DIR, type Sidecar } from '../claw-layout.js';
import type { TenantQuota } from '../runtime.js';
import type { HttpProbe, WorkloadSpec } from '../workload.js';
import {
  ANNOTATION_CONFIG_HASH,
  ANNOTATION_RESTART_GENERATION,
  ANNOTATION_SPEC_HASH,
  LABEL_APP_NAME,
  LABEL_APP_VERSION,
  LABEL_INSTANCE,
  LABEL_INSTANCE_ID,
  LABEL_MANAGED_BY,
  LABEL_PROJECT,
  LABEL_TENANT,
  LABEL_TYPE,
  MANAGED_BY,
  PORT_NAME,
  QUOTA_NAME,
  fileKey,
  instanceNames,
  isLabelValue,
  tenantNamespace,
  type InstanceNames,
} from './names.js';

/** Where the ConfigMap with the generated files is mounted in the container (read-only) unless the layout says otherwise. */
export { POD_FILES_DIR } from '../claw-layout.js';

export interface ManifestOptions {
  /** StorageClass of both PVCs; undefined leaves the cluster's default class in charge. */
  storageClassName?: string;
}

export function tenantLabels(tenant: string): Record<string, string> {
  return { [LABEL_TENANT]: tenant, [LABEL_MANAGED_BY]: MANAGED_BY };
}

export function namespaceManifest(tenant: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: tenantNamespace(tenant), labels: tenantLabels(tenant) } };
}

/** Each instance holds two PVCs, hence twice as many claims as instances. */
export function quotaHard(quota: TenantQuota): Record<string, string> {
  return {
    pods: String(quota.instances),
    'requests.cpu': quota.cpu,
    'limits.cpu': quota.cpu,
    'requests.memory': quota.memory,
    'limits.memory': quota.memory,
    'requests.storage': quota.storage,
    persistentvolumeclaims: String(2 * quota.instances),
  };
}

export function quotaManifest(tenant: string, quota: TenantQuota): V1ResourceQuota {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: QUOTA_NAME, namespace: tenantNamespace(tenant), labels: tenantLabels(tenant) },
    spec: { hard: quotaHard(quota) },
  };
}

/** User labels first, so none of them can override a managed one. */
export function instanceLabels(spec: WorkloadSpec): Record<string, string> {
  const managed: Record<string, string> = {
    [LABEL_TENANT]: spec.ref.tenant,
    [LABEL_PROJECT]: spec.ref.project,
    [LABEL_INSTANCE]: spec.ref.name,
    [LABEL_TYPE]: spec.type,
    [LABEL_INSTANCE_ID]: spec.ref.id,
    [LABEL_APP_NAME]: spec.type,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
  // Versions such as `2026.9.6` are valid label values; anything else (a digest, a long tag) is left out, not mangled.
  if (isLabelValue(spec.version) && spec.version !== '') managed[LABEL_APP_VERSION] = spec.version;
  return { ...spec.labels, ...managed };
}

/** Digest of the generated files, so a pod shows which config it was created from. */
export function configHash(files: Record<string, string>): string {
  return filesDigest(files);
}

/** `names` are the ones the runtime resolved for the instance (an instance from before the unique names keeps its own). */
export function secretManifest(spec: WorkloadSpec, names: InstanceNames = instanceNames(spec.ref)): V1Secret {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.secretEnv)) data[key] = Buffer.from(value, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.base, namespace: names.namespace, labels: instanceLabels(spec) },
    type: 'Opaque',
    data,
  };
}

export function configMapManifest(spec: WorkloadSpec, names: InstanceNames = instanceNames(spec.ref)): V1ConfigMap {
  const data: Record<string, string> = {};
  for (const [path, content] of Object.entries(spec.files)) data[fileKey(path)] = content;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: names.base, namespace: names.namespace, labels: instanceLabels(spec) }, data };
}

export function pvcManifest(spec: WorkloadSpec, name: string, options: ManifestOptions, names: InstanceNames = instanceNames(spec.ref)): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: names.namespace, labels: instanceLabels(spec) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.storage } },
      ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
    },
  };
}

/** The pod carries the instance id label; selecting on it (not on names) keeps a Service from ever reaching another instance. */
export function serviceSelector(spec: WorkloadSpec): Record<string, string> {
  return { [LABEL_INSTANCE_ID]: spec.ref.id, [LABEL_MANAGED_BY]: MANAGED_BY };
}

export function serviceManifest(spec: WorkloadSpec, names: InstanceNames = instanceNames(spec.ref)): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: names.base, namespace: names.namespace, labels: instanceLabels(spec) },
    spec: {
      type: 'ClusterIP',
      selector: serviceSelector(spec),
      ports: [{ name: PORT_NAME, port: spec.port, targetPort: spec.port, protocol: 'TCP' }],
    },
  };
}

/** An HTTP GET of the probe's path, or a TCP connect for a claw without a health endpoint. */
function probeOf(probe: HttpProbe | undefined, port: number): V1Probe | undefined {
  if (!probe) return undefined;
  return {
    ...(probe.path === undefined ? { tcpSocket: { port } } : { httpGet: { path: probe.path, port } }),
    periodSeconds: probe.periodSeconds,
    failureThreshold: probe.failureThreshold,
    timeoutSeconds: probe.timeoutSeconds,
    ...(probe.initialDelaySeconds !== undefined ? { initialDelaySeconds: probe.initialDelaySeconds } : {}),
  };
}

/** The claw's volumes as its container mounts them: the two PVCs, their extra mount points, the generated files, shared dirs. */
function clawMounts(spec: WorkloadSpec): V1VolumeMount[] {
  return [
    ...(spec.sidecars ?? []).flatMap((s) => s.sharedDirs.map((path, i) => ({ name: sharedVolume(s, i), mountPath: path }))),
    { name: 'config', mountPath: spec.paths.configDir },
    { name: 'data', mountPath: spec.paths.dataDir },
    ...(spec.mounts ?? []).map((m) => ({ name: m.volume, mountPath: m.path, subPath: m.subPath })),
    // A separate directory: mounting into configDir would hide what the claw writes there, and subPath mounts never update.
    { name: 'files', mountPath: spec.paths.filesDir ?? POD_FILES_DIR, readOnly: true },
  ];
}

const scratchVolume = (sidecar: Sidecar, index: number) => `${sidecar.name}-scratch-${index}`;
const sharedVolume = (sidecar: Sidecar, index: number) => `${sidecar.name}-shared-${index}`;

function sidecarContainer(spec: WorkloadSpec, sidecar: Sidecar): V1Container {
  return {
    name: sidecar.name,
    image: sidecar.image,
    ...(sidecar.command.length > 0 ? { command: sidecar.command } : {}),
    ...(sidecar.args.length > 0 ? { args: sidecar.args } : {}),
    env: Object.keys(sidecar.env).sort().map((name) => ({ name, value: sidecar.env[name] })),
    resources: {
      requests: { cpu: sidecar.resources.cpu, memory: sidecar.resources.memory },
      limits: { cpu: sidecar.resources.cpu, memory: sidecar.resources.memory },
    },
    volumeMounts: [
      // clawMounts includes every sidecar's shared dirs, this one's among them.
      ...(sidecar.sharesClawVolumes ? clawMounts(spec) : sidecar.sharedDirs.map((path, i) => ({ name: sharedVolume(sidecar, i), mountPath: path }))),
      ...sidecar.scratchDirs.map((path, i) => ({ name: scratchVolume(sidecar, i), mountPath: path })),
    ],
    securityContext: sidecar.privileged
      // A container runtime inside the pod needs the node's privileges: say so in the spec, rather than fail obscurely.
      ? { privileged: true, runAsNonRoot: false, runAsUser: 0, allowPrivilegeEscalation: true }
      : { runAsNonRoot: true, runAsUser: spec.user, runAsGroup: spec.group, allowPrivilegeEscalation: false },
  };
}

export function podManifest(spec: WorkloadSpec, names: InstanceNames = instanceNames(spec.ref)): V1Pod {
  const liveness = probeOf(spec.probes.liveness, spec.port);
  const readiness = probeOf(spec.probes.readiness, spec.port);
  const startup = probeOf(spec.probes.startup, spec.port);
  const container: V1Container = {
    name: spec.type,
    image: spec.image,
    ...(spec.command.length > 0 ? { command: spec.command } : {}),
    ...(spec.args.length > 0 ? { args: spec.args } : {}),
    env: Object.keys(spec.env)
      .sort()
      .map((name) => ({ name, value: spec.env[name] })),
    envFrom: [{ secretRef: { name: names.base } }],
    ports: [{ name: PORT_NAME, containerPort: spec.port, protocol: 'TCP' }],
    resources: {
      requests: { cpu: spec.resources.cpu, memory: spec.resources.memory },
      limits: { cpu: spec.resources.cpu, memory: spec.resources.memory },
    },
    ...(liveness ? { livenessProbe: liveness } : {}),
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(startup ? { startupProbe: startup } : {}),
    volumeMounts: clawMounts(spec),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: spec.user,
      runAsGroup: spec.group,
      allowPrivilegeEscalation: false,
    },
  };
  const items = Object.keys(spec.files)
    .sort()
    .map((path) => ({ key: fileKey(path), path }));
  const sidecars = spec.sidecars ?? [];
  const scratch: V1Volume[] = sidecars.flatMap((s) => [
    ...s.scratchDirs.map((_, i) => ({ name: scratchVolume(s, i), emptyDir: {} })),
    ...s.sharedDirs.map((_, i) => ({ name: sharedVolume(s, i), emptyDir: {} })),
  ]);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: names.base,
      namespace: names.namespace,
      labels: instanceLabels(spec),
      annotations: {
        [ANNOTATION_SPEC_HASH]: spec.specHash,
        [ANNOTATION_RESTART_GENERATION]: String(spec.restartGeneration),
        [ANNOTATION_CONFIG_HASH]: spec.configHash ?? configHash(spec.files),
      },
    },
    spec: {
      restartPolicy: 'Always',
      automountServiceAccountToken: false,
      // Service links would put an env var per Service of the namespace into every claw: noise, and a slow start at scale.
      enableServiceLinks: false,
      terminationGracePeriodSeconds: spec.terminationGraceSeconds,
      securityContext: { runAsNonRoot: true, runAsUser: spec.user, runAsGroup: spec.group, fsGroup: spec.group },
      // The claw first: logs, the endpoint and `claw exec` look at the first container.
      containers: [container, ...sidecars.map((s) => sidecarContainer(spec, s))],
      volumes: [
        { name: 'config', persistentVolumeClaim: { claimName: names.configPvc } },
        { name: 'data', persistentVolumeClaim: { claimName: names.dataPvc } },
        { name: 'files', configMap: { name: names.base, ...(items.length > 0 ? { items } : {}) } },
        ...scratch,
      ],
    },
  };
}
