// Which changes of openclaw.json a running gateway applies in place and which need a restart: OpenClaw's own reload
// rules (openclaw 2026.9.6, src/gateway/config-reload-plan.ts), reduced to a projection of the file that holds exactly
// the restart-bound part, so two files with equal projections differ only in what the gateway hot-applies.
import type { GeneratedFiles } from '../../src/engines/adapters/claw-adapter.js';
import { CONFIG_FILE } from './openclaw-config.js';

/** `restart`: the gateway must restart; `hot`: applied in place (some restart a subsystem); `none`: read at next use. */
export type ReloadKind = 'restart' | 'hot' | 'none';

/**
 * OpenClaw's core and default rules (CORE_RELOAD_POLICIES, DEFAULT_RELOAD_POLICIES). The longest matching prefix decides,
 * `*` matches one segment, and a path no rule matches restarts, as in OpenClaw. Rules plugins and channels register
 * at run time are left out: the generated config configures no channel, and a path they would make hot restarts here,
 * which is never wrong, only slower.
 */
const RULES: ReadonlyArray<readonly [ReloadKind, readonly string[]]> = [
  ['none', ['gateway.remote', 'gateway.reload']],
  ['restart', ['gateway.auth.token', 'gateway.auth.password', 'mcp.apps', 'secrets.egressProxy', 'gateway.portals']],
  ['hot', [
    'gateway.http.endpoints', 'gateway.http.securityHeaders.strictTransportSecurity', 'gateway.tools', 'gateway.cliAgents',
    'gateway.controlUi.enabled', 'gateway.controlUi.environment', 'gateway.controlUi.communityInvite', 'gateway.controlUi.github',
    'gateway.controlUi.sessionObserver', 'gateway.controlUi.embedSandbox', 'gateway.controlUi.allowExternalEmbedUrls',
    'gateway.controlUi.automaticallyFetchFavicons', 'gateway.controlUi.experimental.customPlugins', 'gateway.controlUi.allowedOrigins',
    'gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback', 'gateway.nodes.browser', 'gateway.nodes.pairing', 'gateway.nodes.commands',
    'gateway.nodes.pluginTools.enabled', 'gateway.nodes.allowSkills', 'gateway.push.apns.relay', 'gateway.terminal', 'gateway.auth.rateLimit',
    'gateway.roles', 'gateway.trustedProxies', 'gateway.allowRealIpFallback', 'gateway.auth.allowTailscale', 'gateway.auth.identityScopes',
    'gateway.auth.trustedProxy', 'diagnostics.enabled', 'discovery.mdns.mode', 'mcp.apps.sandboxOrigin', 'agents.defaults', 'desktop.host',
    'cloudWorkers', 'hooks', 'agents.defaults.heartbeat', 'agents.defaults.models', 'agents.defaults.modelPolicy', 'agents.defaults.model',
    'models', 'agent.heartbeat', 'agents.entries', 'agents.entries.*.decisionModel', 'agents.defaults.sessionStore', 'agents.ownership',
    'skills.workshop.autonomous.mode', 'agents.defaults.decisionModel', 'plugins.load', 'plugins.installs', 'cron', 'transcripts',
    'cloudWorkers.profiles', 'mcp', 'gateway.publicOrigin', 'talk.provider', 'talk.realtime.provider', 'session.scope', 'session.store',
    'tools', 'approvals.exec', 'approvals.plugin', 'auth.order', 'auth.profiles', 'broadcast', 'memory.citations', 'worktreeRoot',
    'worktreeAcceleration', 'security.audit.suppressions', 'security.installPolicy', 'diagnostics.cacheTrace.enabled', 'acp',
    'attachments.ttlHours', 'update.checkOnStart', 'update.channel', 'update.auto.enabled', 'telemetry.enabled', 'telemetry.consentedAt',
    'plugins', 'channels',
  ]],
  ['none', [
    'meta', 'identity', 'wizard', 'logging', 'agents', 'bindings', 'audio', 'agent', 'routing', 'messages', 'session', 'talk', 'skills',
    'secrets', 'tui', 'ui',
  ]],
  ['restart', ['gateway', 'discovery']],
];

interface Rule {
  kind: ReloadKind;
  segments: string[];
}

/** Longest prefix first; among equally long ones, fewer wildcards first (OpenClaw's compareReloadRules). */
const SORTED: readonly Rule[] = RULES.flatMap(([kind, prefixes]) => prefixes.map((p) => ({ kind, segments: p.split('.') })))
  .sort((a, b) => b.segments.length - a.segments.length || a.segments.filter((s) => s === '*').length - b.segments.filter((s) => s === '*').length);

function matches(path: readonly string[], rule: Rule): boolean {
  return rule.segments.length <= path.length && rule.segments.every((s, i) => (s === '*' ? path[i] !== undefined && path[i] !== '' : s === path[i]));
}

/** How the gateway takes a change at this config path (`gateway.port`, `agents.entries.main.name`). */
export function reloadKindOf(path: string): ReloadKind {
  const segments = path.split('.');
  return SORTED.find((rule) => matches(segments, rule))?.kind ?? 'restart';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The restart-bound part of a parsed openclaw.json: every leaf (a value, an array, an empty object) at a restart path,
 * and the key set of every object at a restart path, so a subtree appearing or going under `gateway` restarts too
 * (OpenClaw sees that as a change of the subtree's own path, which no hot rule names).
 */
function restartPart(value: unknown, path: string[], out: Array<[string, unknown]>): void {
  const here = path.join('.');
  if (isObject(value) && Object.keys(value).length > 0) {
    const keys = Object.keys(value).sort();
    if (path.length > 0 && reloadKindOf(here) === 'restart') out.push([`${here}{}`, keys]);
    if (path.length === 0) out.push(['{}', keys.filter((k) => reloadKindOf(k) === 'restart')]);
    for (const key of keys) restartPart(value[key], [...path, key], out);
    return;
  }
  if (reloadKindOf(here) === 'restart') out.push([here, value]);
}

/**
 * What of the generated files a running gateway cannot take in place: equal projections mean the files differ only in
 * hot or no-op paths. A file other than openclaw.json, or one that is not JSON, is restart-bound as a whole.
 */
export function openClawRestartProjection(files: GeneratedFiles): unknown {
  const out: Array<[string, unknown]> = [];
  for (const name of Object.keys(files).sort()) {
    const text = files[name]!;
    if (name !== CONFIG_FILE) {
      out.push([`file:${name}`, text]);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      out.push([`file:${name}`, text]);
      continue;
    }
    restartPart(parsed, [], out);
  }
  return out;
}
