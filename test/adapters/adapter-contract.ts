// The contract every claw adapter passes (one test file per adapter calls it): deterministic files, secrets only in
// secretEnv, every template variable used or refused, strict validation, and a complete workload that fits its layout.
import { describe, expect, it } from 'vitest';
import type { ClawAdapter, GeneratedFiles, RuntimeInfo, UnifiedConfig } from '../../src/engines/adapters/claw-adapter.js';
import { TemplateCatalog, type TemplateVariable, type VariableValue } from '../../src/engines/config/template-catalog.js';
import { podTarget } from '../../src/runtime/claw-layout.js';
import type { RuntimeTarget } from '../../src/runtime/runtime.js';

export interface AdapterContractCase {
  adapter: ClawAdapter;
  /** Puts a key the claw does not know into generated files, in that claw's own terms (a JSON key, a file name). */
  withUnknownKey(files: GeneratedFiles): GeneratedFiles;
  /** A valid value other than the default, for variables whose type alone does not give one (`--set` text). */
  alternates?: Record<string, string>;
}

const ref = { id: 'i-contract', tenant: 'acme', project: 'sales', name: 'demo' };
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value of the variable's type that differs from its default, as `--set` text. */
function alternate(variable: TemplateVariable, alternates: Record<string, string>): string {
  const given = alternates[variable.name];
  if (given !== undefined) return given;
  const current: VariableValue | undefined = variable.default;
  switch (variable.type) {
    case 'boolean': return String(current !== true);
    case 'number': return String(typeof current === 'number' ? current + 1 : 7);
    case 'enum': return variable.values!.find((v) => v !== current)!;
    case 'url': return 'http://changed.example:9999/v1';
    case 'list': return current === undefined ? 'a,b' : `${String(current)},changed`;
    case 'secret': return `contract-secret-${variable.name}`;
    case 'string': return current === undefined ? 'changed' : `${String(current)}-2`;
  }
}

export function describeAdapterContract(name: string, c: AdapterContractCase): void {
  const { adapter } = c;
  const templates = TemplateCatalog.fromDirectory();
  const mine = templates.names().map((n) => templates.get(n)).filter((t) => t.type === adapter.type);
  const pod: RuntimeInfo = { ref, target: podTarget(adapter.layout.pod), version: adapter.defaultVersion };
  const local: RuntimeInfo = {
    ref, version: adapter.defaultVersion,
    target: { kind: 'process', port: 23456, bind: 'loopback', configDir: '/d/demo/config', dataDir: '/d/demo/data', logFile: '/d/demo/app-logs/claw.log', filesDir: '/d/demo/generated' },
  };
  const targets = adapter.layout.local.runs ? [pod, local] : [pod];
  /** Every secret variable of the template set, so no combination is refused for a missing key. */
  const secretsOf = (template: string) => Object.fromEntries(
    [...templates.get(template).variables.values()].filter((v) => v.type === 'secret').map((v) => [v.name, `contract-secret-${v.name}-7f3a`]),
  );
  const output = (config: UnifiedConfig, runtime: RuntimeInfo) => ({ files: adapter.generateConfig(config, runtime), parts: adapter.workload(config, runtime, 'contract-gateway-token-51c2') });

  describe(`${name} adapter contract`, () => {
    it('has templates of its type, and each resolves to a config it accepts and files it validates', () => {
      expect(mine.length).toBeGreaterThan(0);
      for (const template of mine) {
        const config = templates.resolve(template.name, {}, secretsOf(template.name));
        expect(adapter.parseConfig(config), template.name).toEqual([]);
        for (const runtime of targets) expect(adapter.validate(adapter.generateConfig(config, runtime)), template.name).toEqual([]);
      }
    });

    it('generates the same files and workload every time for the same input', () => {
      for (const template of mine) {
        for (const runtime of targets) {
          const a = output(templates.resolve(template.name, {}, secretsOf(template.name)), runtime);
          const b = output(templates.resolve(template.name, {}, secretsOf(template.name)), runtime);
          expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        }
      }
    });

    it('never writes a secret into a file, the plain environment, the command or the image: only into secretEnv', () => {
      for (const template of mine) {
        const secrets = secretsOf(template.name);
        for (const runtime of targets) {
          const { files, parts } = output(templates.resolve(template.name, {}, secrets), runtime);
          const visible = JSON.stringify({ files, env: parts.env, command: parts.command, args: parts.args, image: parts.image, process: parts.process, sidecars: parts.sidecars });
          for (const value of [...Object.values(secrets), 'contract-gateway-token-51c2']) expect(visible, `${template.name}: ${value}`).not.toContain(value);
          for (const value of Object.values(secrets)) expect(Object.values(parts.secretEnv), `${template.name}: ${value}`).toContain(value);
        }
      }
    });

    it('uses every template variable (files or workload change with it) or refuses it, and refuses variables it does not read', () => {
      for (const template of mine) {
        const secrets = secretsOf(template.name);
        const base = JSON.stringify(output(templates.resolve(template.name, {}, secrets), pod));
        for (const variable of template.variables.values()) {
          const value = alternate(variable, c.alternates ?? {});
          const config = variable.type === 'secret'
            ? templates.resolve(template.name, {}, { ...secrets, [variable.name]: value })
            : templates.resolve(template.name, { [variable.name]: value }, secrets);
          const refused = adapter.parseConfig(config).some((p) => p.path === variable.name);
          const used = !refused && JSON.stringify(output(config, pod)) !== base;
          expect(used || refused, `${template.name}: ${variable.name}=${value} changes nothing and is not refused`).toBe(true);
        }
        const config = templates.resolve(template.name, {}, secrets);
        const unread = { ...config, values: { ...config.values, 'contract.unread': 'x' } };
        expect(adapter.parseConfig(unread).map((p) => p.path)).toContain('contract.unread');
      }
    });

    it('declares hot reload consistently: a deterministic restart projection, and a config reader with its comparable form', () => {
      expect(Boolean(adapter.readRunningConfig), 'readRunningConfig and comparableConfig come together').toBe(Boolean(adapter.comparableConfig));
      for (const template of mine) {
        const secrets = secretsOf(template.name);
        for (const runtime of targets) {
          const files = adapter.generateConfig(templates.resolve(template.name, {}, secrets), runtime);
          if (adapter.restartProjection) expect(JSON.stringify(adapter.restartProjection({ ...files }))).toBe(JSON.stringify(adapter.restartProjection(files)));
          if (adapter.comparableConfig) {
            const comparable = adapter.comparableConfig(files);
            expect(comparable.hash).toBe(adapter.comparableConfig({ ...files }).hash);
            for (const value of Object.values(secrets)) expect(JSON.stringify(comparable.content)).not.toContain(value);
          }
        }
      }
    });

    it('validates strictly: a key the claw does not know is refused', () => {
      const files = adapter.generateConfig(templates.resolve(mine[0]!.name, {}, secretsOf(mine[0]!.name)), pod);
      expect(adapter.validate(files)).toEqual([]);
      expect(adapter.validate(c.withUnknownKey(files)).length).toBeGreaterThan(0);
      expect(adapter.validate({}).length).toBeGreaterThan(0);
    });

    it('declares a layout the runtimes can lay out: absolute, distinct paths, and a reason in both languages when it cannot run locally', () => {
      const { pod: layout, local: runsLocally } = adapter.layout;
      expect(layout.port).toBeGreaterThan(0);
      expect(layout.port).toBeLessThan(65536);
      const paths = [layout.configDir, layout.dataDir, layout.filesDir ?? podTarget(layout).filesDir, ...(layout.mounts ?? []).map((m) => m.path)];
      for (const path of [...paths, layout.logFile]) expect(path, path).toMatch(/^\/(?!.*\/\.\.?(\/|$))/);
      expect(new Set(paths).size).toBe(paths.length);
      for (const m of layout.mounts ?? []) expect(m.subPath).toMatch(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/);
      if (!runsLocally.runs) {
        expect(runsLocally.reason.en.length).toBeGreaterThan(10);
        expect(runsLocally.reason.zh.length).toBeGreaterThan(5);
      }
    });

    it('describes a complete workload that fits its layout and the target it is given', () => {
      const config = templates.resolve(mine[0]!.name, {}, secretsOf(mine[0]!.name));
      // An unusual port: the claw must be told the target's port, not a constant of its own.
      const moved: RuntimeInfo = { ...pod, target: { ...pod.target, port: 34567 } };
      for (const runtime of [...targets, moved]) {
        const target: RuntimeTarget = runtime.target;
        const { files, parts } = output(config, runtime);
        expect(parts.image).toMatch(/^[a-z0-9][a-z0-9._/:@-]*$/);
        expect(parts.image).toContain(runtime.version);
        expect(parts.command.length + parts.args.length).toBeGreaterThan(0);
        expect(parts.user).toBeGreaterThan(0);
        expect(parts.group).toBeGreaterThan(0);
        expect(parts.terminationGraceSeconds).toBeGreaterThan(0);
        expect(parts.probes.readiness ?? parts.probes.startup, 'a readiness or startup probe').toBeDefined();
        for (const probe of Object.values(parts.probes)) {
          expect(probe.periodSeconds).toBeGreaterThan(0);
          expect(probe.failureThreshold).toBeGreaterThan(0);
          expect(probe.timeoutSeconds).toBeGreaterThan(0);
          if (probe.path !== undefined) expect(probe.path).toMatch(/^\//);
        }
        for (const key of [...Object.keys(parts.env), ...Object.keys(parts.secretEnv)]) expect(key).toMatch(ENV_NAME);
        for (const key of Object.keys(parts.env)) expect(parts.secretEnv, key).not.toHaveProperty(key);
        for (const path of Object.keys(files)) expect(path, path).toMatch(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$)).+$/);
        expect(JSON.stringify({ files, parts }), `the claw is told port ${target.port}`).toContain(String(target.port));
        expect(parts.process !== undefined, 'a local process exactly when the layout says it runs locally').toBe(adapter.layout.local.runs);
        const names = (parts.sidecars ?? []).map((s) => s.name);
        expect(new Set([adapter.type, ...names]).size).toBe(names.length + 1);
        for (const sidecar of parts.sidecars ?? []) {
          expect(sidecar.name).toMatch(LABEL);
          expect(sidecar.image.length).toBeGreaterThan(0);
          expect(sidecar.resources.cpu.length * sidecar.resources.memory.length).toBeGreaterThan(0);
        }
      }
    });
  });
}
