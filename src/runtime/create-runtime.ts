// Chooses the runtime from the settings: supervised local processes (the default) or Kubernetes.
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { Settings } from '../config/settings.js';
import { createKubernetesRuntime } from './kubernetes/index.js';
import { createLocalRuntime } from './local/index.js';
import type { Runtime } from './runtime.js';
import type { RuntimeMeter } from './runtime-meter.js';
import type { Logger } from '../util/logger.js';

export function createRuntime(settings: Settings, db: DataSource, logger: Logger, meter: RuntimeMeter): Runtime {
  if (settings.runtime === 'kubernetes') {
    return createKubernetesRuntime({
      ...(settings.kubernetes.kubeconfig ? { kubeconfigPath: settings.kubernetes.kubeconfig } : {}),
      ...(settings.kubernetes.context ? { context: settings.kubernetes.context } : {}),
      ...(settings.kubernetes.storageClass ? { storageClassName: settings.kubernetes.storageClass } : {}),
      leaseNamespace: settings.kubernetes.leaseNamespace,
      leaseName: settings.kubernetes.leaseName,
      network: {
        ...(settings.kubernetes.controlPlaneNamespace ? { controlPlaneNamespace: settings.kubernetes.controlPlaneNamespace } : {}),
        controlPlaneSelector: settings.kubernetes.controlPlaneSelector,
        modelNamespaces: settings.kubernetes.modelNamespaces,
      },
      logger,
      meter,
    });
  }
  return createLocalRuntime({
    rootDir: join(settings.dataDir, 'instances'), cacheDir: settings.cacheDir, db, logger, meter,
    isolation: settings.local.isolation, uidRange: settings.local.uidRange,
  });
}
