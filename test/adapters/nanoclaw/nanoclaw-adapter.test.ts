// The NanoClaw adapter: exactly the environment, .env keys and CLAUDE.md files NanoClaw reads, its checks, its start
// script run by a real shell, and its layout (a pod with a Docker daemon; no local process).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nanoclawAdapter } from '../../../adapters/nanoclaw/index.js';
import { APP_DIR } from '../../../adapters/nanoclaw/start-script.js';
import type { RuntimeInfo } from '../../../src/engines/adapters/claw-adapter.js';
import { TemplateCatalog } from '../../../src/engines/config/template-catalog.js';
import { podTarget } from '../../../src/runtime/claw-layout.js';

const templates = TemplateCatalog.fromDirectory();
const pod: RuntimeInfo = { ref: { id: 'i-1', tenant: 'acme', project: 'sales', name: 'nano' }, target: podTarget(nanoclawAdapter.layout.pod), version: '1.1.3' };
const resolve = (set: Record<string, string> = {}, secrets: Record<string, string> = {}) => templates.resolve('nanoclaw', set, secrets);

describe('what NanoClaw reads', () => {
  it('sets the environment its config.ts and logger.ts read, from the template, and the proxy port from the layout', () => {
    const w = nanoclawAdapter.workload(resolve({ 'assistant.name': 'Nina', 'agent.idleTimeoutMs': '300000', 'onecli.url': 'http://onecli:10254' }), pod, 'unused');
    expect(w.env).toEqual({
      ASSISTANT_NAME: 'Nina', ASSISTANT_HAS_OWN_NUMBER: 'false', TZ: 'UTC', CONTAINER_IMAGE: 'nanoclaw-agent:latest', CONTAINER_TIMEOUT: '1800000',
      IDLE_TIMEOUT: '300000', MAX_CONCURRENT_CONTAINERS: '5', CONTAINER_MAX_OUTPUT_SIZE: '10485760', MAX_MESSAGES_PER_PROMPT: '10', ONECLI_URL: 'http://onecli:10254',
      LOG_LEVEL: 'info', CREDENTIAL_PROXY_PORT: '3001', CREDENTIAL_PROXY_HOST: '0.0.0.0', DOCKER_HOST: 'unix:///var/run/clusterclaw-docker/docker.sock',
    });
  });

  it('gives secrets only to the credential proxy, under the names it reads from .env', () => {
    const w = nanoclawAdapter.workload(resolve({ 'model.baseUrl': 'http://llm:8000' }, { 'model.apiKey': 'sk-a', 'model.oauthToken': 'oat-b' }), pod, 'gateway-token');
    expect(w.secretEnv).toEqual({ ANTHROPIC_API_KEY: 'sk-a', CLAUDE_CODE_OAUTH_TOKEN: 'oat-b' });
    expect(w.env.ANTHROPIC_BASE_URL).toBe('http://llm:8000');
    // NanoClaw has no gateway token of its own: it never reaches the pod.
    expect(JSON.stringify(w)).not.toContain('gateway-token');
  });

  it('writes groups/main and groups/global CLAUDE.md with the assistant name and the instructions', () => {
    const files = nanoclawAdapter.generateConfig(resolve({ 'assistant.name': 'Nina', 'instructions.main': 'Report to the ops team.' }), pod);
    expect(Object.keys(files).sort()).toEqual(['groups/global/CLAUDE.md', 'groups/main/CLAUDE.md']);
    expect(files['groups/main/CLAUDE.md']).toMatch(/^# Nina\n\nYou are Nina,/);
    expect(files['groups/main/CLAUDE.md']).toContain('## Instructions\n\nReport to the ops team.\n');
    expect(files['groups/global/CLAUDE.md']).not.toContain('Report to the ops team.');
  });

  it('starts through a shell script that puts the proxy keys in a private .env, out of the environment, and the memory files in place', () => {
    const root = mkdtempSync(join(tmpdir(), 'nanoclaw-start-'));
    const app = join(root, 'app');
    const files = join(root, 'files');
    mkdirSync(app);
    // A ConfigMap volume: the files under ..data, reached through symlinks.
    for (const [path, content] of Object.entries(nanoclawAdapter.generateConfig(resolve(), pod))) {
      mkdirSync(join(files, '..data', path, '..'), { recursive: true });
      writeFileSync(join(files, '..data', path), content);
    }
    symlinkSync('..data/groups', join(files, 'groups'));
    const w = nanoclawAdapter.workload(resolve({ 'model.baseUrl': 'http://llm:8000' }, { 'model.apiKey': "sk-'quoted\" key" }), { ...pod, target: { ...pod.target, filesDir: files } }, 't');
    // The same script, run in a scratch directory instead of /app, with `env` in place of NanoClaw.
    const script = w.command[2]!.replace(`'${APP_DIR}'`, `'${app}'`).replace('exec node dist/index.js', 'exec env');
    const env = execFileSync(w.command[0]!, [w.command[1]!, script], { env: { PATH: process.env.PATH, ...w.env, ...w.secretEnv }, encoding: 'utf8' });
    expect(env).not.toMatch(/ANTHROPIC_/);
    expect(readFileSync(join(app, '.env'), 'utf8')).toBe("ANTHROPIC_API_KEY=sk-'quoted\" key\nANTHROPIC_BASE_URL=http://llm:8000\n");
    expect(statSync(join(app, '.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(app, 'groups/main/CLAUDE.md'), 'utf8')).toContain('You are Andy');
  });
});

describe('checks', () => {
  it('refuses variables NanoClaw does not read and values it would misread', () => {
    const config = resolve();
    const bad = { ...config, values: { ...config.values, 'model.id': 'x', 'agent.maxConcurrent': 0, timezone: 'Mars/Olympus', 'docker.memory': '2GB', 'assistant.name': 'two words' } };
    expect(nanoclawAdapter.parseConfig(bad).map((p) => p.path).sort()).toEqual(['agent.maxConcurrent', 'assistant.name', 'docker.memory', 'model.id', 'timezone']);
  });

  it('validates the files as NanoClaw would find them: only groups/<folder>/CLAUDE.md, main and global present', () => {
    const files = nanoclawAdapter.generateConfig(resolve(), pod);
    expect(nanoclawAdapter.validate({ ...files, 'groups/bad folder/CLAUDE.md': 'x', 'groups/ops/notes.md': 'x', 'groups/ops/CLAUDE.md': ' ' })).toEqual([
      { path: 'groups/bad folder/CLAUDE.md', message: 'invalid group folder: letters, digits, "_" and "-", at most 64' },
      { path: 'groups/ops/notes.md', message: 'unknown file: NanoClaw reads only groups/<folder>/CLAUDE.md' },
      { path: 'groups/ops/CLAUDE.md', message: 'empty' },
    ]);
    expect(nanoclawAdapter.validate({ 'groups/main/CLAUDE.md': '# x' })).toEqual([{ path: 'groups/global/CLAUDE.md', message: 'missing' }]);
  });

  it('accepts semantic versions only', () => {
    expect(nanoclawAdapter.checkVersion('1.1.3')).toBeNull();
    expect(nanoclawAdapter.checkVersion('latest')).toContain('is not a NanoClaw version');
  });
});

describe('layout', () => {
  it('cannot run as a local process, and says why in both languages', () => {
    expect(nanoclawAdapter.layout.local).toMatchObject({ runs: false, reason: { en: expect.stringContaining('not published on npm'), zh: expect.stringContaining('npm') } });
    expect(nanoclawAdapter.workload(resolve(), pod, 't').process).toBeUndefined();
  });

  it('runs beside a privileged Docker daemon that shares its volumes and a socket directory, never a TCP port', () => {
    const [docker] = nanoclawAdapter.workload(resolve({ 'docker.memory': '4Gi' }), pod, 't').sidecars!;
    expect(docker).toMatchObject({
      name: 'docker', image: 'docker:27-dind', privileged: true, sharesClawVolumes: true, resources: { cpu: '1', memory: '4Gi' },
      scratchDirs: ['/var/lib/docker'], sharedDirs: ['/var/run/clusterclaw-docker'],
    });
    expect(docker!.args.join(' ')).not.toMatch(/tcp:/);
  });
});
