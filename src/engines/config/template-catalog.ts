// Config templates (built-ins in configs/templates/, the rest in the database): typed variables with defaults, bounds,
// `required` and secrets, resolved per instance from layers of values (global < tenant < project < instance).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { closest } from '../../util/suggest.js';
import { configPath } from '../../util/package-root.js';

export type VariableType = 'string' | 'number' | 'boolean' | 'enum' | 'url' | 'secret' | 'list';
export type VariableValue = string | number | boolean | string[];

export interface TemplateVariable {
  name: string;
  type: VariableType;
  values?: string[];
  default?: VariableValue;
  required: boolean;
  description: Text;
  /** Smallest number, or fewest characters (string, url, secret) or items (list). */
  min?: number;
  /** Largest number, or most characters or items. */
  max?: number;
  /** A regular expression the whole text (or every list item) must match. */
  pattern?: string;
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

/** Where a value of an instance's config came from, lowest first: the precedence of the layers. */
export type LayerName = 'template' | 'global' | 'tenant' | 'project' | 'instance';
export const LAYERS: readonly LayerName[] = ['template', 'global', 'tenant', 'project', 'instance'];

/** The values one scope sets (secrets in clear, apart), already typed when they were set. */
export interface ValueLayer {
  layer: Exclude<LayerName, 'template'>;
  values: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** A template as read from a file or the database, before it is checked. */
export interface TemplateSource {
  /** Where it came from, for errors: a file path or `template NAME (database)`. */
  source: string;
  doc: unknown;
  /** A file must be named after its template. */
  fileName?: string;
}

const TYPES: readonly VariableType[] = ['string', 'number', 'boolean', 'enum', 'url', 'secret', 'list'];
/** List items are short words or addresses; a list is split on commas when given as text. */
const MAX_LIST_ITEMS = 100;
const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const VARIABLE = /^[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*)*$/;

/** The built-in templates (configs/templates/*.yaml, by name order), read and parsed: loaded into the database at start. */
export function builtinTemplateSources(dir = configPath('templates')): Array<TemplateSource & { text: string }> {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((fileName) => {
    const file = join(dir, fileName);
    const text = readFileSync(file, 'utf8');
    return { source: file, doc: parseYaml(text, file), fileName, text };
  });
}

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

function invalidValue(name: string, reason: Text): ClawError {
  return new ClawError('CLAW_ARG_INVALID', { what: { en: `variable ${name}`, zh: `变量 ${name}` }, reason });
}

/** What a variable accepts, in words, for errors and `claw config list`: `number 1..65535`, `text matching ^sk-`. */
export function acceptsText(variable: TemplateVariable): Text {
  const range = variable.min !== undefined || variable.max !== undefined ? ` ${variable.min ?? ''}..${variable.max ?? ''}` : '';
  const pattern = variable.pattern ? ` /${variable.pattern}/` : '';
  switch (variable.type) {
    case 'enum': return { en: `one of ${variable.values?.join(', ')}`, zh: `${variable.values?.join('、')} 之一` };
    case 'number': return { en: `a number${range}`, zh: `数字${range}` };
    case 'boolean': return { en: 'true or false', zh: 'true 或 false' };
    case 'url': return { en: `an http(s) URL${pattern}`, zh: `http(s) 地址${pattern}` };
    case 'list': return { en: `a comma-separated list${range ? ` of${range} items` : ''}${pattern}`, zh: `逗号分隔的列表${range ? `（${range} 项）` : ''}${pattern}` };
    case 'secret': return { en: `a secret${pattern}`, zh: `密钥${pattern}` };
    case 'string': return { en: `text${range ? ` of${range} characters` : ''}${pattern}`, zh: `文本${range ? `（${range} 个字符）` : ''}${pattern}` };
  }
}

function outOfRange(variable: TemplateVariable, raw: unknown, what: Text): ClawError {
  const accepts = acceptsText(variable);
  return invalidValue(variable.name, { en: `"${String(raw)}" ${what.en}; it accepts ${accepts.en}`, zh: `"${String(raw)}" ${what.zh}；可接受${accepts.zh}` });
}

/** Bounds and pattern of a text (or list item): min/max count characters of a string and items of a list. */
function checkText(variable: TemplateVariable, s: string, raw: unknown): void {
  if (variable.pattern && !new RegExp(`^(?:${variable.pattern})$`, 'u').test(s)) throw outOfRange(variable, raw, { en: `does not match /${variable.pattern}/`, zh: `不符合 /${variable.pattern}/` });
  if (variable.type === 'list') return;
  const length = [...s].length;
  if (variable.min !== undefined && length < variable.min) throw outOfRange(variable, raw, { en: `is shorter than ${variable.min} characters`, zh: `少于 ${variable.min} 个字符` });
  if (variable.max !== undefined && length > variable.max) throw outOfRange(variable, raw, { en: `is longer than ${variable.max} characters`, zh: `超过 ${variable.max} 个字符` });
}

/** Checks and converts one value (from YAML, a stored layer or `--set key=value` text) to the variable's type. */
export function coerce(variable: TemplateVariable, raw: unknown): VariableValue {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (variable.type) {
    case 'number': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) throw invalidValue(variable.name, { en: `"${String(raw)}" is not a number`, zh: `"${String(raw)}" 不是数字` });
      if (variable.min !== undefined && n < variable.min) throw outOfRange(variable, raw, { en: `is less than ${variable.min}`, zh: `小于 ${variable.min}` });
      if (variable.max !== undefined && n > variable.max) throw outOfRange(variable, raw, { en: `is more than ${variable.max}`, zh: `大于 ${variable.max}` });
      return n;
    }
    case 'list': {
      const items = Array.isArray(text) ? text : typeof text === 'string' ? (text === '' ? [] : text.split(',').map((i) => i.trim())) : null;
      if (!items || !items.every((i) => typeof i === 'string' || typeof i === 'number')) {
        throw invalidValue(variable.name, { en: 'expected a comma-separated list', zh: '应为逗号分隔的列表' });
      }
      const list = items.map((i) => String(i).trim());
      if (list.some((i) => i === '')) throw invalidValue(variable.name, { en: 'has an empty item', zh: '包含空项' });
      if (list.length > MAX_LIST_ITEMS) throw invalidValue(variable.name, { en: `has more than ${MAX_LIST_ITEMS} items`, zh: `超过 ${MAX_LIST_ITEMS} 项` });
      if (variable.min !== undefined && list.length < variable.min) throw outOfRange(variable, raw, { en: `has fewer than ${variable.min} items`, zh: `少于 ${variable.min} 项` });
      if (variable.max !== undefined && list.length > variable.max) throw outOfRange(variable, raw, { en: `has more than ${variable.max} items`, zh: `多于 ${variable.max} 项` });
      for (const item of list) {
        if (item.length > 500 || /[\u0000-\u001f]/.test(item)) throw invalidValue(variable.name, { en: 'an item is longer than 500 characters or has control characters', zh: '某一项超过 500 个字符或包含控制字符' });
        checkText(variable, item, item);
      }
      return list;
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
          checkText(variable, text, raw);
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
      // A secret's refusal never repeats the value.
      checkText(variable, s, variable.type === 'secret' ? '****' : raw);
      return s;
    }
  }
}

function parseVariable(file: string, name: string, raw: unknown): TemplateVariable {
  if (!VARIABLE.test(name)) fail(file, `variable "${name}" must be dotted words such as model.name`);
  const def = (raw ?? {}) as Record<string, unknown>;
  const extra = Object.keys(def).filter((k) => !['type', 'values', 'default', 'required', 'description', 'min', 'max', 'pattern'].includes(k));
  if (extra.length) fail(file, `variable ${name}: unknown key ${extra.join(', ')}`);
  const type = def.type as VariableType;
  if (!TYPES.includes(type)) fail(file, `variable ${name}: type must be one of ${TYPES.join(', ')}`);
  const description = def.description as { en?: unknown; zh?: unknown } | undefined;
  if (typeof description?.en !== 'string' || typeof description.zh !== 'string') fail(file, `variable ${name}: description needs en and zh`);
  if (type === 'enum' && (!Array.isArray(def.values) || def.values.length === 0 || !def.values.every((v) => typeof v === 'string'))) {
    fail(file, `variable ${name}: an enum needs a list of values`);
  }
  if (type === 'secret' && def.default !== undefined) fail(file, `variable ${name}: a secret cannot have a default in a template file`);
  for (const bound of ['min', 'max'] as const) {
    if (def[bound] !== undefined && (typeof def[bound] !== 'number' || !Number.isFinite(def[bound]))) fail(file, `variable ${name}: ${bound} must be a number`);
    if (def[bound] !== undefined && ['boolean', 'enum'].includes(type)) fail(file, `variable ${name}: a ${type} has no ${bound}`);
  }
  if (typeof def.min === 'number' && typeof def.max === 'number' && def.min > def.max) fail(file, `variable ${name}: min is more than max`);
  if (def.pattern !== undefined) {
    if (typeof def.pattern !== 'string' || !['string', 'url', 'secret', 'list'].includes(type)) fail(file, `variable ${name}: pattern is text, for string, url, secret or list variables`);
    // Patterns run on every set; nested quantifiers could make a value take exponential time to check.
    if (def.pattern.length > 200 || /\([^)]*[+*][^)]*\)[+*{]/.test(def.pattern)) fail(file, `variable ${name}: pattern is longer than 200 characters or nests repetitions`);
    try {
      new RegExp(def.pattern, 'u');
    } catch (error) {
      fail(file, `variable ${name}: pattern is not a regular expression (${(error as Error).message})`);
    }
  }
  const variable: TemplateVariable = {
    name, type, required: def.required === true, description: { en: description.en, zh: description.zh },
    ...(type === 'enum' ? { values: def.values as string[] } : {}),
    ...(typeof def.min === 'number' ? { min: def.min } : {}),
    ...(typeof def.max === 'number' ? { max: def.max } : {}),
    ...(typeof def.pattern === 'string' ? { pattern: def.pattern } : {}),
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
    return TemplateCatalog.fromSources(builtinTemplateSources(dir), dir);
  }

  /** Checks templates together (each may extend another of the set); the first problem stops it, naming its source. */
  static fromSources(sources: readonly TemplateSource[], where = 'templates'): TemplateCatalog {
    const raw = new Map<string, { file: string; doc: Record<string, unknown> }>();
    for (const { source: file, doc, fileName } of sources) {
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(file, 'a template is a mapping');
      const name = (doc as { name?: unknown }).name;
      if (typeof name !== 'string' || !NAME.test(name)) fail(file, '`name` must be lowercase letters, digits and "-"');
      if (fileName !== undefined && `${name}.yaml` !== fileName) fail(file, `the file of template "${name}" must be named ${name}.yaml`);
      if (raw.has(name)) fail(file, `template "${name}" is defined twice`);
      raw.set(name, { file, doc: doc as Record<string, unknown> });
    }
    const templates = new Map<string, ConfigTemplate>();
    const build = (name: string, chain: string[]): ConfigTemplate => {
      const done = templates.get(name);
      if (done) return done;
      const source = raw.get(name);
      if (!source) fail(where, `template "${chain.at(-1)}" extends unknown template "${name}"`);
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
    for (const name of [...Object.keys(overrides), ...Object.keys(secrets)]) this.variable(template, name);
    return this.resolveLayers(templateName, [{ layer: 'instance', values: overrides, secrets }]).config;
  }

  /** A variable of the template, or a refusal with "did you mean" (the name as `--set NAME` writes it). */
  variable(template: ConfigTemplate, name: string): TemplateVariable {
    const variable = template.variables.get(name);
    if (variable) return variable;
    const near = closest(name, template.variables.keys());
    throw new ClawError('CLAW_ARG_INVALID', {
      what: { en: `--set ${name}`, zh: `--set ${name}` },
      reason: { en: `template ${template.name} has no variable ${name}`, zh: `模板 ${template.name} 没有变量 ${name}` },
    }, {
      suggestions: near,
      hint: near.length ? { en: `Did you mean ${near[0]}?`, zh: `你是不是想写 ${near[0]}？` } : { en: `Variables: ${[...template.variables.keys()].join(', ')}`, zh: `可用变量：${[...template.variables.keys()].join('、')}` },
    });
  }

  /**
   * Template defaults, then each layer in order (later wins), typed and checked. A layer's value for a variable the
   * template does not declare is left out: a tenant-wide model.apiKey does not reach a claw type without one.
   * `sources` says which layer each value came from.
   */
  resolveLayers(templateName: string, layers: readonly ValueLayer[]): { config: ResolvedConfig; sources: Record<string, LayerName> } {
    const template = this.get(templateName);
    const values: Record<string, VariableValue> = {};
    const secretValues: Record<string, string> = {};
    const sources: Record<string, LayerName> = {};
    for (const variable of template.variables.values()) {
      if (variable.default !== undefined) {
        values[variable.name] = variable.default;
        sources[variable.name] = 'template';
      }
    }
    for (const layer of layers) {
      for (const [name, raw] of [...Object.entries(layer.values), ...Object.entries(layer.secrets)]) {
        const variable = template.variables.get(name);
        if (!variable) continue;
        if (variable.type === 'secret') secretValues[name] = String(coerce(variable, raw));
        else values[name] = coerce(variable, raw);
        sources[name] = layer.layer;
      }
    }
    for (const variable of template.variables.values()) {
      const has = variable.type === 'secret' ? secretValues[variable.name] !== undefined : values[variable.name] !== undefined;
      if (variable.required && !has) {
        throw new ClawError('CLAW_ARG_MISSING', { what: { en: `template variable ${variable.name} (--set ${variable.name}=...)`, zh: `模板变量 ${variable.name}（--set ${variable.name}=...）` } });
      }
    }
    return { config: { template: template.name, values, secrets: secretValues }, sources };
  }

  /** The templates that declare a variable: where a global, tenant or project value of it applies. */
  declaring(name: string): ConfigTemplate[] {
    return [...this.templates.values()].filter((t) => t.variables.has(name));
  }

  /** Every variable name any template declares (for "did you mean" on shared scopes). */
  variableNames(): Set<string> {
    const names = new Set<string>();
    for (const template of this.templates.values()) for (const name of template.variables.keys()) names.add(name);
    return names;
  }
}
