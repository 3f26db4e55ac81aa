// Config templates from configs/templates/: typed variables with defaults, `required` and secrets, resolved per instance.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readYamlFile } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { closest } from '../../util/suggest.js';
import { configPath } from '../../util/package-root.js';

export type VariableType = 'string' | 'number' | 'boolean' | 'enum' | 'url' | 'secret';
export type VariableValue = string | number | boolean;

export interface TemplateVariable {
  name: string;
  type: VariableType;
  values?: string[];
  default?: VariableValue;
  required: boolean;
  description: Text;
}

export interface ConfigTemplate {
  name: string;
  type: string;
  description: Text;
  variables: Map<string, TemplateVariable>;
}

/** A template's values for one instance: plain values (defaults applied) and secrets, kept apart. */
export interface ResolvedConfig {
  template: string;
  values: Record<string, VariableValue>;
  secrets: Record<string, string>;
}

const TYPES: readonly VariableType[] = ['string', 'number', 'boolean', 'enum', 'url', 'secret'];
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const VARIABLE = /^[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*)*$/;

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

function invalidValue(name: string, reason: Text): ClawError {
  return new ClawError('CLAW_ARG_INVALID', { what: { en: `--set ${name}`, zh: `--set ${name}` }, reason });
}

/** Checks and converts one value (from YAML or from `--set key=value` text) to the variable's type. */
export function coerce(variable: TemplateVariable, raw: unknown): VariableValue {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (variable.type) {
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) throw invalidValue(variable.name, { en: `"${String(raw)}" is not a number`, zh: `"${String(raw)}" 不是数字` });
      return n;
    }
    case 'boolean': {
      if (typeof text === 'boolean') return text;
      if (text === 'true' || text === 'false') return text === 'true';
      throw invalidValue(variable.name, { en: `"${String(raw)}" is not true or false`, zh: `"${String(raw)}" 不是 true 或 false` });
    }
    case 'enum': {
      if (typeof text === 'string' && variable.values?.includes(text)) return text;
      throw invalidValue(variable.name, { en: `"${String(raw)}" is not one of ${variable.values?.join(', ')}`, zh: `"${String(raw)}" 不在可选值 ${variable.values?.join('、')} 中` });
    }
    case 'url': {
      if (typeof text === 'string' && /^https?:\/\/[^\s]+$/.test(text)) {
        try {
          new URL(text);
          return text;
        } catch {
          // fall through to the refusal
        }
      }
      throw invalidValue(variable.name, { en: `"${String(raw)}" is not an http(s) URL`, zh: `"${String(raw)}" 不是 http(s) 地址` });
    }
    case 'string':
    case 'secret': {
      if (typeof text !== 'string' && typeof text !== 'number') throw invalidValue(variable.name, { en: 'expected text', zh: '应为文本' });
      const s = String(text);
      if (s.length > 2000) throw invalidValue(variable.name, { en: 'longer than 2000 characters', zh: '超过 2000 个字符' });
      // Control characters would end up in JSON and environment variables of the claw.
      if (/[\u0000-\u001f]/.test(s)) throw invalidValue(variable.name, { en: 'contains control characters', zh: '包含控制字符' });
      return s;
    }
  }
}

function parseVariable(file: string, name: string, raw: unknown): TemplateVariable {
  if (!VARIABLE.test(name)) fail(file, `variable "${name}" must be dotted words such as model.name`);
  const def = (raw ?? {}) as Record<string, unknown>;
  const extra = Object.keys(def).filter((k) => !['type', 'values', 'default', 'required', 'description'].includes(k));
  if (extra.length) fail(file, `variable ${name}: unknown key ${extra.join(', ')}`);
  const type = def.type as VariableType;
  if (!TYPES.includes(type)) fail(file, `variable ${name}: type must be one of ${TYPES.join(', ')}`);
  const description = def.description as { en?: unknown; zh?: unknown } | undefined;
  if (typeof description?.en !== 'string' || typeof description.zh !== 'string') fail(file, `variable ${name}: description needs en and zh`);
  if (type === 'enum' && (!Array.isArray(def.values) || def.values.length === 0 || !def.values.every((v) => typeof v === 'string'))) {
    fail(file, `variable ${name}: an enum needs a list of values`);
  }
  if (type === 'secret' && def.default !== undefined) fail(file, `variable ${name}: a secret cannot have a default in a template file`);
  const variable: TemplateVariable = {
    name, type, required: def.required === true, description: { en: description.en, zh: description.zh },
    ...(type === 'enum' ? { values: def.values as string[] } : {}),
  };
  if (def.default !== undefined) {
    try {
      variable.default = coerce(variable, def.default);
    } catch (error) {
      fail(file, `variable ${name}: default ${String(def.default)} is invalid (${(error as Error).message})`);
    }
  }
  return variable;
}

export class TemplateCatalog {
  private constructor(private readonly templates: Map<string, ConfigTemplate>) {}

  static fromDirectory(dir = configPath('templates')): TemplateCatalog {
    const raw = new Map<string, { file: string; doc: Record<string, unknown> }>();
    for (const entry of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const file = join(dir, entry);
      const doc = readYamlFile(file);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(file, 'a template is a mapping');
      const name = (doc as { name?: unknown }).name;
      if (typeof name !== 'string' || !NAME.test(name)) fail(file, '`name` must be lowercase letters, digits and "-"');
      if (`${name}.yaml` !== entry) fail(file, `the file of template "${name}" must be named ${name}.yaml`);
      raw.set(name, { file, doc: doc as Record<string, unknown> });
    }
    const templates = new Map<string, ConfigTemplate>();
    const build = (name: string, chain: string[]): ConfigTemplate => {
      const done = templates.get(name);
      if (done) return done;
      const source = raw.get(name);
      if (!source) fail(dir, `template "${chain.at(-1)}" extends unknown template "${name}"`);
      if (chain.includes(name)) fail(source.file, `templates extend each other in a cycle: ${[...chain, name].join(' -> ')}`);
      const { file, doc } = source;
      const extra = Object.keys(doc).filter((k) => !['name', 'type', 'extends', 'description', 'variables', 'defaults'].includes(k));
      if (extra.length) fail(file, `unknown key ${extra.join(', ')}`);
      const description = doc.description as { en?: unknown; zh?: unknown } | undefined;
      if (typeof description?.en !== 'string' || typeof description.zh !== 'string') fail(file, 'description needs en and zh');
      const parent = typeof doc.extends === 'string' ? build(doc.extends, [...chain, name]) : undefined;
      const type = typeof doc.type === 'string' ? doc.type : parent?.type;
      if (!type) fail(file, '`type` (the claw type, e.g. openclaw) is required');
      const variables = new Map(parent ? [...parent.variables].map(([k, v]) => [k, { ...v }]) : []);
      for (const [vname, vraw] of Object.entries((doc.variables ?? {}) as Record<string, unknown>)) variables.set(vname, parseVariable(file, vname, vraw));
      for (const [vname, value] of Object.entries((doc.defaults ?? {}) as Record<string, unknown>)) {
        const variable = variables.get(vname);
        if (!variable) fail(file, `defaults: no variable "${vname}" to set`);
        try {
          variable.default = coerce(variable, value);
        } catch (error) {
          fail(file, `defaults: ${vname} = ${String(value)} is invalid (${(error as Error).message})`);
        }
      }
      const template: ConfigTemplate = { name, type, description: { en: description.en, zh: description.zh }, variables };
      templates.set(name, template);
      return template;
    };
    for (const name of raw.keys()) build(name, []);
    return new TemplateCatalog(templates);
  }

  /** Every variable of type `secret` in any template: their values are masked in whatever text shows a command. */
  secretVariables(): Set<string> {
    const names = new Set<string>();
    for (const template of this.templates.values()) for (const v of template.variables.values()) if (v.type === 'secret') names.add(v.name);
    return names;
  }

  names(): string[] {
    return [...this.templates.keys()];
  }

  get(name: string): ConfigTemplate {
    const template = this.templates.get(name);
    if (!template) {
      const near = closest(name, this.templates.keys());
      throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Template', zh: '模板' }, name }, {
        suggestions: near,
        hint: { en: `Templates: ${this.names().join(', ')}`, zh: `可用模板：${this.names().join('、')}` },
      });
    }
    return template;
  }

  /** Defaults, then overrides (`--set`), typed and checked; unknown names get a "did you mean". */
  resolve(templateName: string, overrides: Record<string, string>, secrets: Record<string, string> = {}): ResolvedConfig {
    const template = this.get(templateName);
    const values: Record<string, VariableValue> = {};
    const secretValues: Record<string, string> = { ...secrets };
    for (const variable of template.variables.values()) if (variable.default !== undefined) values[variable.name] = variable.default;
    for (const [name, raw] of Object.entries(overrides)) {
      const variable = template.variables.get(name);
      if (!variable) {
        const near = closest(name, template.variables.keys());
        throw new ClawError('CLAW_ARG_INVALID', {
          what: { en: `--set ${name}`, zh: `--set ${name}` },
          reason: { en: `template ${template.name} has no variable ${name}`, zh: `模板 ${template.name} 没有变量 ${name}` },
        }, {
          suggestions: near,
          hint: near.length ? { en: `Did you mean ${near[0]}?`, zh: `你是不是想写 ${near[0]}？` } : { en: `Variables: ${[...template.variables.keys()].join(', ')}`, zh: `可用变量：${[...template.variables.keys()].join('、')}` },
        });
      }
      if (variable.type === 'secret') secretValues[name] = String(coerce(variable, raw));
      else values[name] = coerce(variable, raw);
    }
    for (const variable of template.variables.values()) {
      const has = variable.type === 'secret' ? secretValues[variable.name] !== undefined : values[variable.name] !== undefined;
      if (variable.required && !has) {
        throw new ClawError('CLAW_ARG_MISSING', { what: { en: `template variable ${variable.name} (--set ${variable.name}=...)`, zh: `模板变量 ${variable.name}（--set ${variable.name}=...）` } });
      }
    }
    return { template: template.name, values, secrets: secretValues };
  }

  /** Splits `--set` pairs into plain overrides and secrets by the template's variable types. */
  split(templateName: string, pairs: Record<string, string>): { overrides: Record<string, string>; secrets: Record<string, string> } {
    const template = this.get(templateName);
    const overrides: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const [k, v] of Object.entries(pairs)) (template.variables.get(k)?.type === 'secret' ? secrets : overrides)[k] = v;
    return { overrides, secrets };
  }
}
