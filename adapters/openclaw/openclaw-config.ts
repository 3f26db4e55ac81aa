// Generates openclaw.json from the unified config and the runtime target, following OpenClaw 2026.9.x's strict schema.
import type { RuntimeInfo, UnifiedConfig } from '../../src/engines/adapters/claw-adapter.js';

/** Environment variable names the generated config refers to through env SecretRefs (never literal secrets). */
export const GATEWAY_TOKEN_ENV = 'OPENCLAW_GATEWAY_TOKEN';
export const MODEL_KEY_ENV = { 'openai-compatible': 'CLAW_MODEL_API_KEY', anthropic: 'ANTHROPIC_API_KEY' } as const;
/** The provider id of an OpenAI-compatible endpoint inside the company. */
export const CORP_PROVIDER = 'corp-llm';
export const CONFIG_FILE = 'openclaw.json';

type Provider = 'openai-compatible' | 'anthropic' | 'none';

const envRef = (id: string) => ({ source: 'env', provider: 'default', id });

function text(config: UnifiedConfig, key: string): string {
  return String(config.values[key] ?? '');
}

function num(config: UnifiedConfig, key: string): number {
  return Number(config.values[key]);
}

export function provider(config: UnifiedConfig): Provider {
  return (config.values['model.provider'] ?? 'none') as Provider;
}

function models(config: UnifiedConfig): Record<string, unknown> {
  const common = { mode: 'merge', catalogRefresh: { enabled: false } };
  switch (provider(config)) {
    case 'openai-compatible':
      return {
        ...common,
        providers: {
          [CORP_PROVIDER]: {
            baseUrl: text(config, 'model.baseUrl'),
            api: 'openai-completions',
            ...(config.secrets['model.apiKey'] ? { apiKey: envRef(MODEL_KEY_ENV['openai-compatible']) } : {}),
            models: [
              {
                id: text(config, 'model.id'),
                name: text(config, 'model.name') || text(config, 'model.id'),
                input: ['text'],
                contextWindow: num(config, 'model.contextWindow'),
                maxTokens: num(config, 'model.maxTokens'),
                // Costs are unknown for an internal endpoint; zero keeps usage.cost's token counts meaningful.
                cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              },
            ],
          },
        },
      };
    case 'anthropic':
      return { ...common, providers: { anthropic: { apiKey: envRef(MODEL_KEY_ENV.anthropic) } } };
    case 'none':
      return common;
  }
}

function primaryModel(config: UnifiedConfig): string | undefined {
  switch (provider(config)) {
    case 'openai-compatible': return `${CORP_PROVIDER}/${text(config, 'model.id')}`;
    case 'anthropic': return `anthropic/${text(config, 'model.id')}`;
    case 'none': return undefined;
  }
}

/** The whole openclaw.json as an object: everything explicit, nothing that reaches the internet or spends tokens unasked. */
export function buildOpenClawConfig(config: UnifiedConfig, runtime: RuntimeInfo): Record<string, unknown> {
  const { target } = runtime;
  const primary = primaryModel(config);
  const plugins: Record<string, unknown> = {
    // The control plane reads health, status and usage through this plugin's POST /api/v1/admin/rpc.
    'admin-http-rpc': { enabled: true },
    // Dreaming runs a daily model job nobody asked for.
    'memory-core': { config: { dreaming: { enabled: false } } },
  };
  if (config.values['metrics.prometheus'] === true) plugins['diagnostics-prometheus'] = { enabled: true };
  return {
    gateway: {
      mode: 'local',
      port: target.port,
      // Always explicit: unset, OpenClaw binds 0.0.0.0 when it believes it runs in a container.
      bind: target.bind,
      auth: { mode: 'token', token: envRef(GATEWAY_TOKEN_ENV) },
      // The control plane rewrites the file in place (locally; a ConfigMap update in a pod) and the gateway's watcher
      // applies what OpenClaw hot-applies; what needs a restart (config-reload.ts) comes as a new workload instead.
      reload: { mode: 'hybrid' },
      terminal: { enabled: false },
      // With the UI on, every unknown path answers 200 HTML, which would fool the HTTP probes.
      controlUi: { enabled: false },
      // POST /v1/chat/completions (Bearer gateway token, "model": "openclaw") runs the agent: how people and tests talk
      // to a claw over HTTP. Behind the same token auth as everything else on the gateway.
      http: { endpoints: { chatCompletions: { enabled: true } } },
    },
    agents: {
      defaults: {
        workspace: `${target.configDir}/workspace`,
        ...(primary ? { model: { primary } } : {}),
        heartbeat: { every: '0m' },
      },
      entries: { main: { name: text(config, 'agent.name') || 'Main' } },
    },
    models: models(config),
    plugins: { entries: plugins },
    logging: { file: target.logFile, level: text(config, 'log.level') || 'info' },
    update: { checkOnStart: false },
    telemetry: { enabled: false },
    discovery: { mdns: { mode: 'off' } },
  };
}
