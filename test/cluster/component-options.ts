// What every fake cluster component (kubelet, volume provisioner) takes: how to reach the API server, and where its
// diagnostics go: a caller's function, a file, or nowhere.
import { appendFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export type LogSink = (line: string) => void;

export interface ComponentOptions {
  /** Either a kubeconfig file or a loaded KubeConfig. */
  kubeconfigPath?: string;
  kubeConfig?: KubeConfig;
  /** Log sink for diagnostics; default: appended to logFile when given, else dropped. */
  log?: LogSink;
  logFile?: string;
}

export function kubeConfigFor(options: ComponentOptions, component: string): KubeConfig {
  if (options.kubeConfig) return options.kubeConfig;
  if (!options.kubeconfigPath) throw new Error(`${component} needs kubeconfigPath or kubeConfig`);
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  return kc;
}

export function logSinkFor(options: ComponentOptions): LogSink {
  if (options.log) return options.log;
  const logFile = options.logFile;
  if (!logFile) return () => undefined;
  return (line) => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // diagnostics only
    }
  };
}
