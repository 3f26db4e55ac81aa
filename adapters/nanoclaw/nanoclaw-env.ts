// The environment NanoClaw reads (its src/config.ts, credential-proxy.ts, logger.ts; see README), from the unified config.
import type { UnifiedConfig } from '../../src/engines/adapters/claw-adapter.js';
import type { VariableType } from '../../src/engines/config/template-catalog.js';

/**
 * Template variables and the environment variable each becomes. NanoClaw reads these from process.env first (config.ts:
 * `process.env.X || envConfig.X || default`), so the pod's environment is where they go.
 */
export const PLAIN_ENV = {
  'assistant.name': 'ASSISTANT_NAME',
  'assistant.hasOwnNumber': 'ASSISTANT_HAS_OWN_NUMBER',
  timezone: 'TZ',
  'agent.image': 'CONTAINER_IMAGE',
  'agent.timeoutMs': 'CONTAINER_TIMEOUT',
  'agent.idleTimeoutMs': 'IDLE_TIMEOUT',
  'agent.maxConcurrent': 'MAX_CONCURRENT_CONTAINERS',
  'agent.maxOutputBytes': 'CONTAINER_MAX_OUTPUT_SIZE',
  'messages.maxPerPrompt': 'MAX_MESSAGES_PER_PROMPT',
  'onecli.url': 'ONECLI_URL',
  'log.level': 'LOG_LEVEL',
} as const;

/**
 * What NanoClaw's credential proxy reads, and only from the `.env` file in its working directory (never process.env):
 * secrets, and the upstream URL. The start script copies them from the environment into `.env` and removes them from
 * the environment before NanoClaw starts, so NanoClaw's process (and the agent containers it spawns) never hold them.
 */
export const SECRET_ENV = { 'model.apiKey': 'ANTHROPIC_API_KEY', 'model.oauthToken': 'CLAUDE_CODE_OAUTH_TOKEN' } as const;
export const PROXY_ENV = { 'model.baseUrl': 'ANTHROPIC_BASE_URL' } as const;
export const DOT_ENV_KEYS = [...Object.values(SECRET_ENV), ...Object.values(PROXY_ENV)];

/** Sidecar settings: the Docker daemon the agents run in. */
export const DOCKER_VARIABLES = ['docker.image', 'docker.cpu', 'docker.memory'] as const;
/** The image of NanoClaw itself (tagged with the instance's version). */
export const IMAGE_VARIABLE = 'image.repository';
/** Text of the generated CLAUDE.md files. */
export const MEMORY_VARIABLES = ['instructions.global', 'instructions.main'] as const;

/** Every template variable this adapter reads and the type it reads it as (templates are checked against it). */
export const VARIABLE_TYPES: Readonly<Record<string, VariableType>> = {
  'assistant.name': 'string', 'assistant.hasOwnNumber': 'boolean', timezone: 'string', 'agent.image': 'string', 'agent.timeoutMs': 'number',
  'agent.idleTimeoutMs': 'number', 'agent.maxConcurrent': 'number', 'agent.maxOutputBytes': 'number', 'messages.maxPerPrompt': 'number',
  'onecli.url': 'url', 'log.level': 'string', 'model.apiKey': 'secret', 'model.oauthToken': 'secret', 'model.baseUrl': 'url',
  'docker.image': 'string', 'docker.cpu': 'string', 'docker.memory': 'string', [IMAGE_VARIABLE]: 'string', 'instructions.global': 'string', 'instructions.main': 'string',
};

/** Every template variable this adapter reads; parseConfig refuses any other, so a template cannot set one that does nothing. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  ...Object.keys(PLAIN_ENV), ...Object.keys(SECRET_ENV), ...Object.keys(PROXY_ENV), ...DOCKER_VARIABLES, IMAGE_VARIABLE, ...MEMORY_VARIABLES,
]);

export function text(config: UnifiedConfig, key: string): string {
  const value = config.values[key];
  return value === undefined ? '' : String(value);
}

/** The plain variables as NanoClaw spells them: numbers as integers, booleans as `true`/`false`; unset ones left out. */
export function plainEnv(config: UnifiedConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [variable, name] of Object.entries({ ...PLAIN_ENV, ...PROXY_ENV })) {
    const value = text(config, variable);
    if (value !== '') env[name] = value;
  }
  return env;
}

export function secretEnv(config: UnifiedConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [variable, name] of Object.entries(SECRET_ENV)) {
    const value = config.secrets[variable];
    if (value) env[name] = value;
  }
  return env;
}
