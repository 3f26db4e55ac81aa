// Deterministic names, labels and annotations of everything the Kubernetes runtime creates, derived from the InstanceRef.
import type { InstanceRef } from '../runtime.js';

export const MANAGED_BY = 'open-cluster-claw';

export const LABEL_TENANT = 'clusterclaw.io/tenant';
export const LABEL_PROJECT = 'clusterclaw.io/project';
export const LABEL_INSTANCE = 'clusterclaw.io/instance';
export const LABEL_TYPE = 'clusterclaw.io/type';
export const LABEL_INSTANCE_ID = 'clusterclaw.io/instance-id';
export const LABEL_APP_NAME = 'app.kubernetes.io/name';
export const LABEL_APP_VERSION = 'app.kubernetes.io/version';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

export const ANNOTATION_SPEC_HASH = 'clusterclaw.io/spec-hash';
export const ANNOTATION_RESTART_GENERATION = 'clusterclaw.io/restart-generation';
export const ANNOTATION_CONFIG_HASH = 'clusterclaw.io/config-hash';

/** Selects every pod the control plane manages, across tenants. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

export const QUOTA_NAME = 'claw-quota';
export const LEASE_NAME = 'open-cluster-claw-reconciler';
/** The Service port's name, so probes and clients can refer to it without knowing the number. */
export const PORT_NAME = 'gateway';

export function tenantNamespace(tenant: string): string {
  return `claw-${tenant}`;
}

export interface InstanceNames {
  namespace: string;
  /** Pod, Service, Secret and ConfigMap share it: `claw-<project>-<name>`. */
  base: string;
  configPvc: string;
  dataPvc: string;
}

/** The caller guarantees `claw-<project>-<name>` is a valid DNS-1035 label of at most 63 characters. */
export function instanceNames(ref: InstanceRef): InstanceNames {
  const base = `claw-${ref.project}-${ref.name}`;
  return { namespace: tenantNamespace(ref.tenant), base, configPvc: `${base}-config`, dataPvc: `${base}-data` };
}

/** Label values: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric (or empty). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * A ConfigMap key for a file path relative to the files directory. Keys allow only [-._a-zA-Z0-9], so every other
 * character (the `/` of subdirectories first of all) and `_` itself become `_xx` (hex): the mapping is reversible and
 * two paths never share a key. `openclaw.json` stays `openclaw.json`.
 */
export function fileKey(path: string): string {
  let key = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const ch = String.fromCharCode(byte);
    key += /[-.a-zA-Z0-9]/.test(ch) ? ch : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return key;
}

/** Why a file path cannot be projected from a ConfigMap, or undefined when it can. */
export function invalidFilePath(path: string): string | undefined {
  if (path === '' || path.startsWith('/')) return 'must be a non-empty relative path';
  if (path.includes('\0')) return 'must not contain a NUL byte';
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'must not contain empty, "." or ".." segments';
  if (fileKey(path).length > 253) return 'is too long';
  return undefined;
}
