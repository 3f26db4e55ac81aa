// The config center's store: templates and variables at global/tenant/project/instance scope, every change an
// immutable numbered version, and any version's state readable back (rows carry the range of versions they hold for).
// Reads of a version are cached forever (a version never changes), so a steady reconcile costs no query.
import type { DataSource, EntityManager } from 'typeorm';
import { parseYaml } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { ConfigTemplateEntity, type ConfigTemplateRow } from '../../store/entities/config-template.js';
import { ConfigVariableEntity, type ConfigVariable, type VariableScope } from '../../store/entities/config-variable.js';
import { ConfigVersionEntity, type ConfigChange, type ConfigVersion, type ConfigVersionKind } from '../../store/entities/config-version.js';
import type { Instance } from '../../store/entities/instance.js';
import type { SecretBox } from '../../store/secret-box.js';
import { closest } from '../../util/suggest.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import {
  acceptsText, builtinTemplateSources, coerce, TemplateCatalog, type LayerName, type ResolvedConfig, type TemplateSource, type ValueLayer,
  type VariableValue,
} from './template-catalog.js';
import { maskSecret } from './secret-mask.js';

/** A scope variables are set at, with the names people know it by. */
export interface VariableScopeRef {
  scope: VariableScope;
  /** The tenant's, project's or instance's id; '' for global. */
  id: string;
  /** `global`, `acme`, `acme/sales`, `acme/sales/demo`. */
  name: string;
  /** The tenant the scope is in (null for global): versions touching one tenant are shown only to it. */
  tenantId: string | null;
  /** An instance scope's template: its variables are checked against that template alone. */
  template?: string;
}

/** The fields of an instance its config depends on. */
export type InstanceConfigRef = Pick<Instance, 'id' | 'tenantId' | 'projectId' | 'template' | 'configVersion' | 'valuesVersion'>;

/** Which versions to read an instance's config at: what it runs, or other versions (publish, rollback, preview). */
export interface ConfigAt {
  config: number;
  values: number;
}

/** A variable as one scope sets it, for listings; secrets masked. */
export interface VariableEntry {
  name: string;
  /** The value as text (`a,b` for a list), or `****abcd` for a secret. */
  shown: string;
  secret: boolean;
  since: number;
  setBy: string;
}

/** One layer's say on one variable, for `claw config get --explain`. */
export interface LayerValue {
  layer: LayerName;
  /** Template name, `global`, the tenant, project or instance name. */
  where: string;
  shown: string;
  /** The version that set it (absent for a template default). */
  since?: number;
}

export interface Explanation {
  name: string;
  secret: boolean;
  /** The effective value (masked for a secret), or null when nothing sets it. */
  shown: string | null;
  source: LayerName | null;
  layers: LayerValue[];
  accepts: Text;
}

interface DecodedLayer {
  values: Record<string, unknown>;
  secrets: Record<string, string>;
  rows: ConfigVariable[];
}

/** A bounded map for version-keyed reads; entries never go stale, only old. */
class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

const SYSTEM = 'system';
/** Variable names are template variable names; a name this long is a mistake. */
const MAX_NAME = 100;

export function showValue(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

export interface ConfigStoreOptions {
  db: DataSource;
  secrets: SecretBox;
  adapters: AdapterRegistry;
  /** The built-in templates' folder (configs/templates); tests point it elsewhere. */
  builtinDir?: string;
}

export class ConfigStore {
  /** Every revision of every template, reloaded when a version newer than `templatesHead` is asked for. */
  private templateRows: ConfigTemplateRow[] = [];
  private templatesHead = -1;
  private readonly catalogs = new LruMap<TemplateCatalog>(64);
  private readonly layers = new LruMap<DecodedLayer>(20_000);
  /**
   * Names of every template variable of type secret, kept current as templates load: the dispatcher masks their
   * values in command text (the same Set object, read on every command).
   */
  readonly secretNames = new Set<string>();

  constructor(private readonly o: ConfigStoreOptions) {}

  // ---- versions and locking ----------------------------------------------------------------------------------------

  async head(em: EntityManager = this.o.db.manager): Promise<number> {
    const row = await em.getRepository(ConfigVersionEntity).createQueryBuilder('v').select('MAX(v.id)', 'max').getRawOne<{ max: number | string | null }>();
    return Number(row?.max ?? 0);
  }

  /** Serialises config writes across replicas (MariaDB row lock); a SQLite transaction is serial already. */
  private async lock(em: EntityManager): Promise<void> {
    const type = em.connection.options.type;
    if (type !== 'mysql' && type !== 'mariadb') return;
    await em.query('INSERT IGNORE INTO meta (`key`, `value`) VALUES (?, ?)', ['config_lock', '']);
    await em.query('SELECT `value` FROM meta WHERE `key` = ? FOR UPDATE', ['config_lock']);
  }

  /** Runs `work` in a transaction holding the config lock (or inside the caller's transaction, which must lock too). */
  private async write<T>(em: EntityManager | undefined, work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (em) {
      await this.lock(em);
      return work(em);
    }
    return this.o.db.transaction(async (tx) => {
      await this.lock(tx);
      return work(tx);
    });
  }

  private async newVersion(em: EntityManager, v: { kind: ConfigVersionKind; author: string; message?: string | undefined; changes: ConfigChange[] }): Promise<number> {
    const tenants = new Set(v.changes.map((c) => c.tenantId ?? null));
    const instances = new Set(v.changes.map((c) => (c.scope === 'instance' ? c.scopeId : null)));
    const only = <T>(set: Set<T | null>): T | null => (set.size === 1 ? [...set][0]! : null);
    const result = await em.getRepository(ConfigVersionEntity).insert({
      author: v.author, message: v.message ?? null, kind: v.kind, tenantId: only(tenants), instanceId: only(instances), changes: v.changes, createdAt: new Date(),
    });
    return Number(result.identifiers[0]!.id);
  }

  // ---- templates ---------------------------------------------------------------------------------------------------

  private async templatesAt(version: number): Promise<ConfigTemplateRow[]> {
    if (version > this.templatesHead) {
      const head = await this.head();
      this.templateRows = await this.o.db.getRepository(ConfigTemplateEntity).find({ order: { id: 'ASC' } });
      this.templatesHead = head;
    }
    return this.templateRows.filter((r) => r.sinceVersion <= version && (r.untilVersion === null || r.untilVersion > version));
  }

  private catalogOf(rows: ConfigTemplateRow[]): TemplateCatalog {
    const key = rows.map((r) => r.id).join(',');
    let catalog = this.catalogs.get(key);
    if (!catalog) {
      catalog = TemplateCatalog.fromSources(rows.map(templateSource));
      for (const name of catalog.secretVariables()) this.secretNames.add(name);
      this.catalogs.set(key, catalog);
    }
    return catalog;
  }

  /** The templates as they were at a version. */
  async catalogAt(version: number): Promise<TemplateCatalog> {
    return this.catalogOf(await this.templatesAt(version));
  }

  /** The templates as they are now. */
  async catalog(): Promise<TemplateCatalog> {
    return this.catalogAt(await this.head());
  }

  /** Current templates, for `claw template list`. */
  async templates(): Promise<ConfigTemplateRow[]> {
    return (await this.templatesAt(await this.head())).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A template's YAML now, or at a version; not found names the templates there are. */
  async template(name: string, version?: number): Promise<ConfigTemplateRow> {
    const at = version ?? (await this.head());
    const rows = await this.templatesAt(at);
    const row = rows.find((r) => r.name === name);
    if (!row) {
      const names = rows.map((r) => r.name);
      throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Template', zh: '模板' }, name }, {
        suggestions: closest(name, names),
        hint: { en: `Templates: ${names.join(', ')}`, zh: `可用模板：${names.join('、')}` },
      });
    }
    return row;
  }

  /**
   * Creates or edits a template from YAML: parsed with YAML-bomb limits, checked with every other template (extends,
   * types, defaults) and against its claw type's adapter (variables it does not read, or reads as another type).
   * Returns the new version, or null when the YAML is what is saved already.
   */
  async saveTemplate(input: { yaml: string; mode: 'create' | 'edit'; name?: string; author: string; message?: string }): Promise<{ version: number | null; row: ConfigTemplateRow }> {
    const invalid = (template: string, reason: string) => new ClawError('CLAW_TEMPLATE_INVALID', { template, reason });
    const label = input.name ?? '(new)';
    let doc: unknown;
    try {
      doc = parseYaml(input.yaml, `template ${label}`);
    } catch (error) {
      throw invalid(label, reasonOf(error, false));
    }
    const name = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') throw invalid(label, 'a template is a mapping with a `name`');
    if (input.name !== undefined && name !== input.name) throw invalid(label, `the YAML names template "${name}"; a template cannot be renamed`);
    return this.write(undefined, async (em) => {
      const head = await this.head(em);
      this.templatesHead = -1;
      const current = await this.templatesAt(head);
      const existing = current.find((r) => r.name === name);
      if (input.mode === 'create' && existing) throw new ClawError('CLAW_CONFLICT_EXISTS', { kind: { en: 'Template', zh: '模板' }, name });
      if (input.mode === 'edit' && !existing) await this.template(name, head);
      if (existing && existing.body === input.yaml) return { version: null, row: existing };
      const candidate: ConfigTemplateRow = {
        id: 0, name, type: '', body: input.yaml, builtin: false, sinceVersion: head + 1, untilVersion: null, author: input.author,
      };
      let catalog: TemplateCatalog;
      try {
        catalog = TemplateCatalog.fromSources([...current.filter((r) => r.name !== name), candidate].map(templateSource));
        this.checkAgainstAdapter(catalog, current.filter((r) => r.name !== name).map((r) => r.name));
      } catch (error) {
        throw invalid(name, reasonOf(error));
      }
      candidate.type = catalog.get(name).type;
      const version = await this.newVersion(em, {
        kind: 'template', author: input.author, message: input.message,
        changes: [{ kind: 'template', name, before: existing ? `v${existing.sinceVersion}` : null, after: `v${head + 1}`, tenantId: null }],
      });
      if (existing) await em.getRepository(ConfigTemplateEntity).update({ id: existing.id }, { untilVersion: version });
      const inserted = await em.getRepository(ConfigTemplateEntity).insert({ ...candidate, id: undefined as unknown as number, sinceVersion: version });
      this.templatesHead = -1;
      return { version, row: { ...candidate, id: Number(inserted.identifiers[0]!.id), sinceVersion: version } };
    });
  }

  /** Every template but the untouched ones must suit its adapter: a known claw type, variables it reads, their types. */
  private checkAgainstAdapter(catalog: TemplateCatalog, untouched: string[], onlyKnownTypes = false): void {
    for (const name of catalog.names()) {
      if (untouched.includes(name)) continue;
      const template = catalog.get(name);
      if (onlyKnownTypes && !this.o.adapters.types().includes(template.type)) continue;
      let adapter;
      try {
        adapter = this.o.adapters.get(template.type);
      } catch {
        throw new ClawError('CLAW_CONFIG_INVALID', { setting: `template ${name}`, reason: `no adapter for claw type "${template.type}" (known: ${this.o.adapters.types().join(', ')})` });
      }
      for (const variable of template.variables.values()) {
        const expected = adapter.variables[variable.name];
        if (!expected) {
          const near = closest(variable.name, Object.keys(adapter.variables));
          throw new ClawError('CLAW_CONFIG_INVALID', {
            setting: `template ${name}`,
            reason: `${adapter.displayName} does not read variable ${variable.name}${near.length ? ` (did you mean ${near[0]}?)` : ''}`,
          });
        }
        const compatible = expected === variable.type || (expected === 'string' && ['enum', 'url'].includes(variable.type));
        if (!compatible) {
          throw new ClawError('CLAW_CONFIG_INVALID', { setting: `template ${name}`, reason: `${adapter.displayName} reads ${variable.name} as ${expected}, not ${variable.type}` });
        }
      }
    }
  }

  // ---- start-up ----------------------------------------------------------------------------------------------------

  /**
   * At every start: loads the built-in templates (a new version when a file changed and nobody edited that template),
   * moves instances' legacy `--set` values into variables, and points instances created before the config center at
   * the version that holds them. Idempotent; replicas starting together serialise on the config lock.
   */
  async bootstrap(): Promise<void> {
    const files = builtinTemplateSources(this.o.builtinDir);
    // Broken files stop the start before anything is written (a claw type this build leaves out is not checked).
    const builtins = TemplateCatalog.fromSources(files);
    this.checkAgainstAdapter(builtins, [], true);
    await this.write(undefined, async (em) => {
      const repo = em.getRepository(ConfigTemplateEntity);
      const live = (await repo.find()).filter((r) => r.untilVersion === null);
      const changed: Array<{ name: string; text: string; previous?: ConfigTemplateRow }> = [];
      for (const { doc, text } of files) {
        // Checked by fromSources above: every built-in has a valid name.
        const { name } = doc as { name: string };
        const previous = live.find((r) => r.name === name);
        if (previous && (!previous.builtin || previous.body === text)) continue;
        changed.push({ name, text, ...(previous ? { previous } : {}) });
      }
      if (changed.length) {
        const rows = [...live.filter((r) => !changed.some((c) => c.name === r.name)), ...changed.map((c) => ({ name: c.name, body: c.text, sinceVersion: 0, id: 0 } as ConfigTemplateRow))];
        const catalog = TemplateCatalog.fromSources(rows.map(templateSource));
        const version = await this.newVersion(em, {
          kind: 'builtin', author: SYSTEM, message: 'built-in templates from configs/templates',
          changes: changed.map((c) => ({ kind: 'template', name: c.name, before: c.previous ? `v${c.previous.sinceVersion}` : null, after: 'built-in', tenantId: null })),
        });
        for (const c of changed) {
          if (c.previous) await repo.update({ id: c.previous.id }, { untilVersion: version });
          await repo.insert({ name: c.name, type: catalog.get(c.name).type, body: c.text, builtin: true, sinceVersion: version, untilVersion: null, author: SYSTEM });
        }
      }
      await this.importLegacyValues(em);
      const head = await this.head(em);
      await em.query('UPDATE instances SET config_version = ?, values_version = ? WHERE config_version = 0', [head, head]);
    });
    this.templatesHead = -1;
    await this.catalog();
  }

  /** Instances' `--set` values from before the config center (one JSON column and one sealed blob) become variables. */
  private async importLegacyValues(em: EntityManager): Promise<void> {
    const rows = await em.query(
      "SELECT id, tenant_id, name, overrides, secret_overrides FROM instances WHERE (overrides IS NOT NULL AND overrides <> '{}') OR secret_overrides IS NOT NULL",
    ) as Array<{ id: string; tenant_id: string; name: string; overrides: string | null; secret_overrides: string | null }>;
    if (!rows.length) return;
    const changes: ConfigChange[] = [];
    const inserts: Array<Omit<ConfigVariable, 'id'>> = [];
    for (const row of rows) {
      const plain = row.overrides ? (JSON.parse(row.overrides) as Record<string, string>) : {};
      const secret = row.secret_overrides ? (JSON.parse(this.o.secrets.open(row.secret_overrides)) as Record<string, string>) : {};
      for (const [name, value] of Object.entries(plain)) {
        inserts.push({ scope: 'instance', scopeId: row.id, name, value: JSON.stringify(value), sealed: null, sinceVersion: 0, untilVersion: null, setBy: SYSTEM });
        changes.push({ kind: 'variable', scope: 'instance', scopeId: row.id, scopeName: row.name, tenantId: row.tenant_id, name, before: null, after: showValue(value) });
      }
      for (const [name, value] of Object.entries(secret)) {
        inserts.push({ scope: 'instance', scopeId: row.id, name, value: null, sealed: this.o.secrets.seal(value), sinceVersion: 0, untilVersion: null, setBy: SYSTEM });
        changes.push({ kind: 'variable', scope: 'instance', scopeId: row.id, scopeName: row.name, tenantId: row.tenant_id, name, before: null, after: maskSecret(value) });
      }
    }
    const version = await this.newVersion(em, { kind: 'import', author: SYSTEM, message: 'instance values from before the config center', changes });
    for (const insert of inserts) await em.getRepository(ConfigVariableEntity).insert({ ...insert, sinceVersion: version });
    await em.query('UPDATE instances SET overrides = NULL, secret_overrides = NULL, config_version = ?, values_version = ? WHERE id IN (' + rows.map(() => '?').join(',') + ')', [
      version, version, ...rows.map((r) => r.id),
    ]);
  }

  // ---- variables ---------------------------------------------------------------------------------------------------

  /** A scope's variables at a version, decrypted; cached (a version's rows never change). */
  private async layerAt(scope: VariableScope, id: string, version: number): Promise<DecodedLayer> {
    const key = `${scope}:${id}@${version}`;
    const cached = this.layers.get(key);
    if (cached) return cached;
    const rows = await this.o.db.getRepository(ConfigVariableEntity).createQueryBuilder('v')
      .where('v.scope = :scope AND v.scopeId = :id AND v.sinceVersion <= :version AND (v.untilVersion IS NULL OR v.untilVersion > :version)', { scope, id, version })
      .getMany();
    const layer: DecodedLayer = { values: {}, secrets: {}, rows };
    for (const row of rows) {
      if (row.sealed !== null) layer.secrets[row.name] = this.o.secrets.open(row.sealed);
      else layer.values[row.name] = JSON.parse(row.value ?? 'null') as unknown;
    }
    this.layers.set(key, layer);
    return layer;
  }

  private async layersFor(instance: InstanceConfigRef, at: ConfigAt, extra?: ValueLayer): Promise<Array<ValueLayer & { rows: ConfigVariable[] }>> {
    const [global, tenant, project, own] = await Promise.all([
      this.layerAt('global', '', at.config),
      this.layerAt('tenant', instance.tenantId, at.config),
      this.layerAt('project', instance.projectId, at.config),
      this.layerAt('instance', instance.id, at.values),
    ]);
    const layers: Array<ValueLayer & { rows: ConfigVariable[] }> = [
      { layer: 'global', ...global }, { layer: 'tenant', ...tenant }, { layer: 'project', ...project }, { layer: 'instance', ...own },
    ];
    if (extra) layers.push({ ...extra, rows: [] });
    return layers;
  }

  /**
   * An instance's effective config: its template and shared layers at `config`, its own values at `values` (by default
   * the versions it runs), and optionally values about to be set on it (checked before they are saved).
   */
  async resolve(instance: InstanceConfigRef, at?: ConfigAt, pending?: { set?: Record<string, string>; unset?: string[] }): Promise<ResolvedConfig & { sources: Record<string, LayerName> }> {
    const versions = at ?? { config: instance.configVersion, values: instance.valuesVersion };
    const catalog = await this.catalogAt(versions.config);
    const layers = await this.layersFor(instance, versions);
    if (pending?.unset?.length) {
      const own = layers[3]!;
      const values = { ...own.values };
      const secrets = { ...own.secrets };
      for (const name of pending.unset) {
        delete values[name];
        delete secrets[name];
      }
      layers[3] = { ...own, values, secrets };
    }
    if (pending?.set && Object.keys(pending.set).length) {
      const template = catalog.get(instance.template);
      const values: Record<string, unknown> = {};
      const secrets: Record<string, string> = {};
      for (const [name, raw] of Object.entries(pending.set)) {
        const variable = catalog.variable(template, name);
        if (variable.type === 'secret') secrets[name] = String(coerce(variable, raw));
        else values[name] = coerce(variable, raw);
      }
      layers.push({ layer: 'instance', values, secrets, rows: [] });
    }
    const { config, sources } = catalog.resolveLayers(instance.template, layers);
    return { ...config, sources };
  }

  /** Where each variable of an instance's config comes from, at the versions it runs (or others). */
  async explain(instance: InstanceConfigRef, names: { tenant: string; project: string; instance: string }, at?: ConfigAt): Promise<Explanation[]> {
    const versions = at ?? { config: instance.configVersion, values: instance.valuesVersion };
    const catalog = await this.catalogAt(versions.config);
    const template = catalog.get(instance.template);
    const layers = await this.layersFor(instance, versions);
    const where: Record<Exclude<LayerName, 'template'>, string> = {
      global: 'global', tenant: names.tenant, project: `${names.tenant}/${names.project}`, instance: `${names.tenant}/${names.project}/${names.instance}`,
    };
    const out: Explanation[] = [];
    for (const variable of template.variables.values()) {
      const secret = variable.type === 'secret';
      const said: LayerValue[] = [];
      if (variable.default !== undefined) said.push({ layer: 'template', where: template.name, shown: showValue(variable.default) });
      for (const layer of layers) {
        const value = secret ? layer.secrets[variable.name] : layer.values[variable.name];
        if (value === undefined) continue;
        const row = layer.rows.find((r) => r.name === variable.name);
        said.push({ layer: layer.layer, where: where[layer.layer as Exclude<LayerName, 'template'>], shown: secret ? maskSecret(String(value)) : showValue(value), ...(row ? { since: row.sinceVersion } : {}) });
      }
      const winner = said.at(-1);
      out.push({ name: variable.name, secret, shown: winner?.shown ?? null, source: winner?.layer ?? null, layers: said, accepts: acceptsText(variable) });
    }
    return out;
  }

  /** Checks values for a scope against the templates at the head: the instance's own, or every template declaring each. */
  private async typed(scope: VariableScopeRef, pairs: Record<string, string>): Promise<Array<{ name: string; value: VariableValue; secret: boolean }>> {
    const catalog = await this.catalog();
    const out: Array<{ name: string; value: VariableValue; secret: boolean }> = [];
    for (const [name, raw] of Object.entries(pairs)) {
      if (name.length > MAX_NAME) throw unknownVariable(name, [], scope);
      if (scope.scope === 'instance') {
        const variable = catalog.variable(catalog.get(scope.template!), name);
        out.push({ name, value: coerce(variable, raw), secret: variable.type === 'secret' });
        continue;
      }
      const declaring = catalog.declaring(name);
      if (!declaring.length) throw unknownVariable(name, closest(name, catalog.variableNames()), scope);
      const variables = declaring.map((t) => t.variables.get(name)!);
      const secret = variables[0]!.type === 'secret';
      if (variables.some((v) => (v.type === 'secret') !== secret)) {
        throw new ClawError('CLAW_ARG_INVALID', {
          what: { en: `variable ${name}`, zh: `变量 ${name}` },
          reason: { en: 'templates disagree on whether it is a secret; set it per instance', zh: '各模板对它是否为密钥的定义不一致，请按实例设置' },
        });
      }
      let value: VariableValue | undefined;
      for (const variable of variables) value = coerce(variable, raw);
      out.push({ name, value: value!, secret });
    }
    return out;
  }

  /**
   * Sets variables at a scope as one new version (nothing reaches running claws until it is published). Values equal
   * to the current ones are left alone; returns null when nothing changed. `em`: inside the caller's transaction.
   */
  async set(scope: VariableScopeRef, pairs: Record<string, string>, author: string, message?: string, em?: EntityManager): Promise<number | null> {
    const typed = await this.typed(scope, pairs);
    return this.write(em, async (tx) => {
      const repo = tx.getRepository(ConfigVariableEntity);
      const current = await repo.find({ where: { scope: scope.scope, scopeId: scope.id } });
      const live = new Map(current.filter((r) => r.untilVersion === null).map((r) => [r.name, r]));
      const changes: ConfigChange[] = [];
      const writes: Array<{ previous?: ConfigVariable; row: Omit<ConfigVariable, 'id' | 'sinceVersion'> }> = [];
      for (const { name, value, secret } of typed) {
        const previous = live.get(name);
        const before = previous ? (previous.sealed !== null ? this.o.secrets.open(previous.sealed) : (JSON.parse(previous.value ?? 'null') as unknown)) : undefined;
        if (previous && JSON.stringify(before) === JSON.stringify(value)) continue;
        const show = (v: unknown) => (secret ? maskSecret(String(v)) : showValue(v));
        changes.push({ kind: 'variable', scope: scope.scope, scopeId: scope.id, scopeName: scope.name, tenantId: scope.tenantId, name, before: previous ? show(before) : null, after: show(value) });
        writes.push({
          ...(previous ? { previous } : {}),
          row: { scope: scope.scope, scopeId: scope.id, name, value: secret ? null : JSON.stringify(value), sealed: secret ? this.o.secrets.seal(String(value)) : null, untilVersion: null, setBy: author },
        });
      }
      if (!changes.length) return null;
      const version = await this.newVersion(tx, { kind: scope.scope === 'instance' ? 'instance' : 'variables', author, message, changes });
      for (const w of writes) {
        if (w.previous) await repo.update({ id: w.previous.id }, { untilVersion: version });
        await repo.insert({ ...w.row, sinceVersion: version });
      }
      return version;
    });
  }

  /** Unsets variables at a scope (back to the layer below) as one new version; a name not set there is refused. */
  async unset(scope: VariableScopeRef, names: string[], author: string, message?: string, em?: EntityManager): Promise<number | null> {
    return this.write(em, async (tx) => {
      const repo = tx.getRepository(ConfigVariableEntity);
      const current = (await repo.find({ where: { scope: scope.scope, scopeId: scope.id } })).filter((r) => r.untilVersion === null);
      const rows: ConfigVariable[] = [];
      for (const name of names) {
        const row = current.find((r) => r.name === name);
        if (!row) {
          throw new ClawError('CLAW_NOT_FOUND', { kind: { en: `Variable at ${scope.scope} ${scope.name}`, zh: `${scopeWord(scope.scope)} ${scope.name} 的变量` }, name }, {
            suggestions: closest(name, current.map((r) => r.name)),
            hint: current.length
              ? { en: `Set there: ${current.map((r) => r.name).join(', ')}`, zh: `此处已设置：${current.map((r) => r.name).join('、')}` }
              : { en: 'Nothing is set there.', zh: '此处没有设置任何变量。' },
          });
        }
        rows.push(row);
      }
      if (!rows.length) return null;
      const changes: ConfigChange[] = rows.map((r) => ({
        kind: 'variable', scope: scope.scope, scopeId: scope.id, scopeName: scope.name, tenantId: scope.tenantId, name: r.name,
        before: r.sealed !== null ? maskSecret(this.o.secrets.open(r.sealed)) : showValue(JSON.parse(r.value ?? 'null')), after: null,
      }));
      const version = await this.newVersion(tx, { kind: scope.scope === 'instance' ? 'instance' : 'variables', author, message, changes });
      for (const r of rows) await repo.update({ id: r.id }, { untilVersion: version });
      return version;
    });
  }

  /** What a scope sets now, secrets masked. */
  async list(scope: Pick<VariableScopeRef, 'scope' | 'id'>): Promise<VariableEntry[]> {
    const rows = await this.o.db.getRepository(ConfigVariableEntity).createQueryBuilder('v')
      .where('v.scope = :scope AND v.scopeId = :id AND v.untilVersion IS NULL', { scope: scope.scope, id: scope.id }).orderBy('v.name').getMany();
    return rows.map((r) => ({
      name: r.name, secret: r.sealed !== null, since: r.sinceVersion, setBy: r.setBy,
      shown: r.sealed !== null ? maskSecret(this.o.secrets.open(r.sealed)) : showValue(JSON.parse(r.value ?? 'null')),
    }));
  }

  // ---- history -----------------------------------------------------------------------------------------------------

  async version(id: number): Promise<ConfigVersion> {
    const row = await this.o.db.getRepository(ConfigVersionEntity).findOneBy({ id });
    if (!row) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Config version', zh: '配置版本' }, name: `v${id}` });
    return row;
  }

  /**
   * Versions newest first, as `visible` allows: a change shows only when its tenant is visible (or it is global: a
   * template or a global variable). `touches`: only changes reaching this instance (its template, scopes, own values).
   */
  async history(filter: { visible: 'all' | ReadonlySet<string>; touches?: { instanceId: string; tenantId: string; projectId: string }; limit: number; before?: number }): Promise<ConfigVersion[]> {
    const out: ConfigVersion[] = [];
    let before = filter.before ?? Number.MAX_SAFE_INTEGER;
    for (let page = 0; page < 20 && out.length < filter.limit; page++) {
      const rows = await this.o.db.getRepository(ConfigVersionEntity).createQueryBuilder('v')
        .where('v.id < :before', { before }).orderBy('v.id', 'DESC').take(200).getMany();
      if (!rows.length) break;
      for (const row of rows) {
        const changes = row.changes.filter((c) => visibleChange(c, filter.visible) && (!filter.touches || touches(c, filter.touches)));
        if (changes.length) out.push({ ...row, changes });
        if (out.length >= filter.limit) break;
      }
      before = rows.at(-1)!.id;
    }
    return out;
  }

  /**
   * What changed from version `from` to `to` (either order): one line per variable with its first `before` and last
   * `after`, changes that cancel out dropped; template edits with a line diff of their YAML.
   */
  async diff(from: number, to: number, visible: 'all' | ReadonlySet<string>): Promise<{ variables: ConfigChange[]; templates: Array<{ name: string; lines: string[] }> }> {
    const head = await this.head();
    for (const v of [from, to]) if (v < 1 || v > head) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Config version', zh: '配置版本' }, name: `v${v}` });
    const [low, high] = from <= to ? [from, to] : [to, from];
    const rows = await this.o.db.getRepository(ConfigVersionEntity).createQueryBuilder('v')
      .where('v.id > :low AND v.id <= :high', { low, high }).orderBy('v.id', 'ASC').getMany();
    const folded = new Map<string, ConfigChange>();
    const templates = new Set<string>();
    for (const row of rows) {
      for (const c of row.changes) {
        if (!visibleChange(c, visible)) continue;
        if (c.kind === 'template') {
          templates.add(c.name);
          continue;
        }
        const key = `${c.scope}:${c.scopeId}:${c.name}`;
        const seen = folded.get(key);
        folded.set(key, seen ? { ...seen, after: c.after } : { ...c });
      }
    }
    let variables = [...folded.values()].filter((c) => c.before !== c.after);
    if (from > to) variables = variables.map((c) => ({ ...c, before: c.after, after: c.before }));
    const templateDiffs: Array<{ name: string; lines: string[] }> = [];
    for (const name of [...templates].sort()) {
      const body = async (v: number) => (await this.templatesAt(v)).find((r) => r.name === name)?.body ?? '';
      templateDiffs.push({ name, lines: lineDiff(await body(from), await body(to)) });
    }
    return { variables, templates: templateDiffs };
  }
}

/** A config error's reason (where and what), without the "invalid setting" wrapper. */
function reasonOf(error: unknown, where = true): string {
  if (error instanceof ClawError && error.code === 'CLAW_CONFIG_INVALID') {
    const p = error.params as { setting?: unknown; reason?: unknown };
    return where ? `${String(p.setting)}: ${String(p.reason)}` : String(p.reason);
  }
  throw error;
}

function templateSource(row: Pick<ConfigTemplateRow, 'name' | 'body' | 'sinceVersion'>): TemplateSource {
  const source = `template ${row.name}${row.sinceVersion ? ` (v${row.sinceVersion})` : ''}`;
  return { source, doc: parseYaml(row.body, source) };
}

function visibleChange(c: ConfigChange, visible: 'all' | ReadonlySet<string>): boolean {
  return visible === 'all' || !c.tenantId || visible.has(c.tenantId);
}

function touches(c: ConfigChange, i: { instanceId: string; tenantId: string; projectId: string }): boolean {
  if (c.kind === 'template') return true;
  return c.scope === 'global' || c.scopeId === i.tenantId || c.scopeId === i.projectId || c.scopeId === i.instanceId;
}

function scopeWord(scope: VariableScope): string {
  return { global: '全局', tenant: '租户', project: '项目', instance: '实例' }[scope];
}

function unknownVariable(name: string, near: string[], scope: VariableScopeRef): ClawError {
  return new ClawError('CLAW_ARG_INVALID', {
    what: { en: `variable ${name.slice(0, MAX_NAME)}`, zh: `变量 ${name.slice(0, MAX_NAME)}` },
    reason: { en: `no template has a variable of this name (setting it at ${scope.scope} ${scope.name})`, zh: `没有任何模板定义该变量（在${scopeWord(scope.scope)} ${scope.name} 设置）` },
  }, near.length ? { suggestions: near, hint: { en: `Did you mean ${near[0]}?`, zh: `你是不是想写 ${near[0]}？` } } : {});
}

/** A plain line diff (longest common subsequence): ` ` kept, `-` removed, `+` added. Templates are short. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) return [`- (${a.length} lines)`, `+ (${b.length} lines)`];
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < a.length) out.push(`- ${a[i++]}`);
  while (j < b.length) out.push(`+ ${b[j++]}`);
  return out;
}
