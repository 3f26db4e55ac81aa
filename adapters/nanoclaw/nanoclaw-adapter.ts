// The NanoClaw adapter: unified config -> the environment, .env keys and groups/<folder>/CLAUDE.md NanoClaw reads, and its pod.
import type { ClawAdapter, ConfigProblem, GeneratedFiles, RuntimeInfo, UnifiedConfig, WorkloadParts } from '../../src/engines/adapters/claw-adapter.js';
import type { ClawLayout, Sidecar } from '../../src/runtime/claw-layout.js';
import { checkGroupMemory, groupMemoryFiles } from './group-memory.js';
import { KNOWN_VARIABLES, plainEnv, secretEnv, text, VARIABLE_TYPES } from './nanoclaw-env.js';
import { APP_DIR, startScript } from './start-script.js';

/** NanoClaw's package.json version read for this adapter (see README); its image is tagged with the instance's version. */
export const NANOCLAW_VERSION = '1.1.3';
/** config.ts: CREDENTIAL_PROXY_PORT defaults to 3001. The proxy is the only port NanoClaw listens on. */
const PROXY_PORT = 3001;
/** The Docker daemon's socket, in a directory the claw and the daemon share (never a TCP port: that would be root on the node). */
const DOCKER_SOCKET_DIR = '/var/run/clusterclaw-docker';
/** index.ts: SIGTERM waits up to 10 s for running agents (queue.shutdown(10000)), then disconnects the channels. */
const GRACE_SECONDS = 30;

/**
 * NanoClaw keeps everything under its project root: groups/ (per-group memory and logs) on the config volume, data/
 * (agent sessions, IPC) on the data volume, and store/ (its SQLite database) in a directory of the data volume.
 */
const NANOCLAW_LAYOUT: ClawLayout = {
  pod: {
    port: PROXY_PORT,
    configDir: `${APP_DIR}/groups`,
    dataDir: `${APP_DIR}/data`,
    // NanoClaw logs to the console only (logger.ts), which is what `claw logs` shows; nothing writes this file.
    logFile: `${APP_DIR}/data/nanoclaw.log`,
    mounts: [{ volume: 'data', subPath: 'store', path: `${APP_DIR}/store` }],
  },
  local: {
    runs: false,
    reason: {
      en: 'NanoClaw is not published on npm (it runs from a git checkout) and runs its agents in Docker containers; run it on the Kubernetes runtime.',
      zh: 'NanoClaw 未发布到 npm（需从 git 源码运行），且在 Docker 容器中运行智能体；请使用 Kubernetes 运行时。',
    },
  },
};

const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const INTEGER_VARIABLES = ['agent.timeoutMs', 'agent.idleTimeoutMs', 'agent.maxConcurrent', 'agent.maxOutputBytes', 'messages.maxPerPrompt'];

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * NanoClaw runs each agent with `docker run` (container-runner.ts, container-runtime.ts). In a pod that is a Docker
 * daemon beside it (Docker-in-Docker, privileged): it sees the claw's volumes at the same paths, so the `-v` bind mounts
 * NanoClaw passes name the same files, and it keeps its images and containers inside the pod (see README for why not
 * the node's socket).
 */
function dockerSidecar(config: UnifiedConfig): Sidecar {
  return {
    name: 'docker',
    image: text(config, 'docker.image'),
    command: [],
    // The socket's group is the claw's (gid 1000), so NanoClaw's docker CLI can use it without root.
    args: [`--host=unix://${DOCKER_SOCKET_DIR}/docker.sock`, '--group=1000'],
    // No TLS certificates to generate: there is no TCP listener.
    env: { DOCKER_TLS_CERTDIR: '' },
    privileged: true,
    resources: { cpu: text(config, 'docker.cpu'), memory: text(config, 'docker.memory') },
    sharesClawVolumes: true,
    scratchDirs: ['/var/lib/docker'],
    sharedDirs: [DOCKER_SOCKET_DIR],
  };
}

export const nanoclawAdapter: ClawAdapter = {
  type: 'nanoclaw',
  displayName: 'NanoClaw',
  defaultVersion: NANOCLAW_VERSION,
  layout: NANOCLAW_LAYOUT,
  variables: VARIABLE_TYPES,

  checkVersion(version) {
    return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version) ? null : `"${version}" is not a NanoClaw version such as ${NANOCLAW_VERSION}`;
  },

  parseConfig(config: UnifiedConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const key of [...Object.keys(config.values), ...Object.keys(config.secrets)]) {
      if (!KNOWN_VARIABLES.has(key)) problems.push({ path: key, message: 'NanoClaw does not read this variable' });
    }
    for (const key of INTEGER_VARIABLES) {
      const value = config.values[key];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) problems.push({ path: key, message: 'expected a whole number above 0' });
    }
    const zone = text(config, 'timezone');
    if (zone && !validTimeZone(zone)) problems.push({ path: 'timezone', message: 'expected an IANA time zone such as Asia/Shanghai' });
    if (!/^[^\s#'"`$\\]+$/.test(text(config, 'assistant.name'))) problems.push({ path: 'assistant.name', message: 'one word: it is the @mention trigger' });
    if (!CPU.test(text(config, 'docker.cpu'))) problems.push({ path: 'docker.cpu', message: 'expected a CPU quantity such as 1 or 500m' });
    if (!MEMORY.test(text(config, 'docker.memory'))) problems.push({ path: 'docker.memory', message: 'expected a size such as 2Gi' });
    for (const key of ['image.repository', 'agent.image', 'docker.image']) {
      if (!/^[a-z0-9][a-z0-9._/:@-]*$/.test(text(config, key))) problems.push({ path: key, message: 'expected an image reference' });
    }
    return problems;
  },

  generateConfig(config: UnifiedConfig): GeneratedFiles {
    return groupMemoryFiles(config);
  },

  validate(files: GeneratedFiles): ConfigProblem[] {
    return checkGroupMemory(files);
  },

  workload(config: UnifiedConfig, runtime: RuntimeInfo): WorkloadParts {
    const { target } = runtime;
    return {
      image: `${text(config, 'image.repository')}:${runtime.version}`,
      command: ['/bin/sh', '-c', startScript(target.filesDir)],
      args: [],
      env: {
        ...plainEnv(config),
        CREDENTIAL_PROXY_PORT: String(target.port),
        // All interfaces of the pod: agents reach it through the daemon's bridge (host.docker.internal), the kubelet's
        // probes through the pod IP; the tenant's NetworkPolicy keeps everyone else out.
        CREDENTIAL_PROXY_HOST: '0.0.0.0',
        DOCKER_HOST: `unix://${DOCKER_SOCKET_DIR}/docker.sock`,
      },
      secretEnv: secretEnv(config),
      // NanoClaw has no health endpoint, and an HTTP GET of the proxy would go upstream with the key: TCP connects only.
      // The proxy listens after the daemon answered `docker info` and the database opened, so it means "started".
      probes: {
        startup: { periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
        readiness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
        liveness: { periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
      },
      user: 1000,
      group: 1000,
      terminationGraceSeconds: GRACE_SECONDS,
      sidecars: [dockerSidecar(config)],
    };
  },
};
