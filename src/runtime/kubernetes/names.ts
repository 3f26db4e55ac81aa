// Deterministic names, labels and annotations of everything the Kubernetes runtime creates, derived from the InstanceRef.
import { createHash } from 'node:crypto';
import type { InstanceRef } from '../workload.js';

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
/** The NetworkPolicy of each tenant namespace. */
export const NETWORK_POLICY_NAME = 'claw-isolation';
export const LEASE_NAME = 'open-cluster-claw-reconciler';
/** The Service port's name, so probes and clients can refer to it without knowing the number. */
export const PORT_NAME = 'gateway';

export function tenantNamespace(tenant: string): string {
  return `claw-${tenant}`;
}

export interface InstanceNames {
  namespace: string;
  /** Pod, Service, Secret and ConfigMap share it: `claw-<project>-<name>-<suffix of the id>` (see instanceNames). */
  base: string;
  configPvc: string;
  dataPvc: string;
}

/**
 * Hex digits of the id's digest that end every name: 40 bits make two instances of one namespace meeting on a name
 * vanishingly unlikely, and when they do, the ownership check (the instance-id label) refuses rather than shares.
 */
const SUFFIX_LENGTH = 10;
/** The longest base: a DNS label's 63 characters minus `-config`, the longest ending a claim adds. */
const MAX_BASE = 63 - '-config'.length;

function namesOf(tenant: string, base: string): InstanceNames {
  return { namespace: tenantNamespace(tenant), base, configPvc: `${base}-config`, dataPvc: `${base}-data` };
}

/** The stable part of every object name that only this instance id produces. */
export function instanceSuffix(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, SUFFIX_LENGTH);
}

/**
 * Unique by construction: `claw-<project>-<name>` alone made project `a` instance `b-c` and project `a-b` instance `c`
 * the same objects. The readable prefix is cut to fit 63 characters (a cut can only shorten it; the suffix decides).
 */
export function instanceNames(ref: InstanceRef): InstanceNames {
  const prefix = `claw-${ref.project}-${ref.name}`.slice(0, MAX_BASE - SUFFIX_LENGTH - 1).replace(/-+$/, '');
  return namesOf(ref.tenant, `${prefix}-${instanceSuffix(ref.id)}`);
}

/** The names instances created before the unique names got (`claw-<project>-<name>`); such instances keep them. */
export function legacyInstanceNames(ref: InstanceRef): InstanceNames {
  return namesOf(ref.tenant, `claw-${ref.project}-${ref.name}`);
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

/** The file path a ConfigMap key stands for (fileKey's inverse). */
export function pathOfFileKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === '_' && /^[0-9a-f]{2}$/.test(key.slice(i + 1, i + 3))) {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Why a file path cannot be projected from a ConfigMap, or undefined when it can. */
export function invalidFilePath(path: string): string | undefined {
  if (path === '' || path.startsWith('/')) return 'must be a non-empty relative path';
  if (path.includes('\0')) return 'must not contain a NUL byte';
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'must not contain empty, "." or ".." segments';
  if (fileKey(path).length > 253) return 'is too long';
  return undefined;
}
