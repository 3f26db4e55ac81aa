// Where the runtime's Kubernetes credentials come from, and API clients that give up on a silent apiserver.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  ServerConfiguration,
  createConfiguration,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

export interface KubeConfigSource {
  /** A loaded configuration (takes precedence). */
  kubeConfig?: KubeConfig;
  /** A kubeconfig file. */
  kubeconfigPath?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

/**
 * The explicit config, else the file, else the pod's service account when running in a cluster. There is no silent
 * fallback to ~/.kube/config: a control plane must never act on whatever cluster a laptop happens to point at.
 */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  let kc: KubeConfig;
  if (source.kubeConfig) kc = source.kubeConfig;
  else if (source.kubeconfigPath) {
    kc = new KubeConfig();
    kc.loadFromFile(source.kubeconfigPath);
  } else if (process.env['KUBERNETES_SERVICE_HOST']) {
    kc = new KubeConfig();
    kc.loadFromCluster();
  } else {
    throw new Error(
      'Kubernetes runtime: no cluster configured. Pass kubeConfig or kubeconfigPath, or run inside a cluster (KUBERNETES_SERVICE_HOST).',
    );
  }
  if (source.context) {
    if (!kc.getContextObject(source.context)) throw new Error(`Kubernetes runtime: context "${source.context}" not found in the kubeconfig`);
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('Kubernetes runtime: the kubeconfig has no current cluster');
  return kc;
}

/** Aborts each request after `timeoutMs`: the client has no timeout of its own, and a hung socket would stall a reconcile. */
function timeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (context: RequestContext) => {
      const existing = context.getSignal();
      const timeout = AbortSignal.timeout(timeoutMs);
      context.setSignal(existing ? AbortSignal.any([existing, timeout]) : timeout);
      return context;
    },
    post: async (response: ResponseContext) => response,
  };
}

export interface ApiClients {
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  networking: NetworkingV1Api;
  /** metrics.k8s.io (pod CPU and memory) where the cluster serves it. */
  custom: CustomObjectsApi;
}

/** The same clients `kc.makeApiClient` builds, plus a per-request timeout. */
export function createApiClients(kc: KubeConfig, timeoutMs: number): ApiClients {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('Kubernetes runtime: the kubeconfig has no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [timeoutMiddleware(timeoutMs)],
  });
  return { core: new CoreV1Api(configuration), coordination: new CoordinationV1Api(configuration), networking: new NetworkingV1Api(configuration), custom: new CustomObjectsApi(configuration) };
}
