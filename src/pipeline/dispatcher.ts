// The one-way path of a command: normalise -> parse -> bind -> scope -> RBAC -> handler -> result, audited every time.
import { performance } from 'node:perf_hooks';
import { ClawError, isClawError } from '../errors/claw-error.js';
import { localize, type Locale, type Text } from '../i18n/locale.js';
import type { Engines } from './handler-engines.js';
import type { Metrics } from '../observability/metrics.js';
import type { View } from '../render/view.js';
import type { AuditDecision } from '../store/entities/audit-event.js';
import type { Approval } from '../store/entities/approval.js';
import type { Tenant } from '../store/entities/tenant.js';
import { canonicalHash } from '../engines/approvals/approvals-engine.js';
import { RepeatedRefusals } from '../engines/audit/repeated-refusals.js';
import { approvalView } from '../render/approval-views.js';
import { bind } from './bind.js';
import { extractGlobalFlags } from './global-flags.js';
import type { CommandRegistry } from './command-registry.js';
import type { AnyCommand, CommandContext, Risk } from './command-spec.js';
import { parseLine } from './grammar/parse-line.js';
import { normalizeCommandText } from './normalize.js';
import type { Logger } from '../util/logger.js';
import type { ChatOrigin } from '../model/chat-origin.js';
import type { ChatPlatform } from '../model/chat-platforms.js';
import { describeIdentity, type Principal } from '../model/principal.js';
import { isAllowed, isAllowedInTenant } from '../model/rbac.js';
import { redactCommandLine, redactPointer, redactSecrets, type SecretNames } from './redact.js';
import { DEFAULT_TENANT, scopePath, scopeText, tenantOf, type ScopeDefaults, type ScopeRequest, type ScopeTarget } from '../model/scope.js';
import { targetOf, type ResolvedScope } from '../store/resolved-scope.js';

/** Where a command came from; below the dispatcher nothing knows more about the channel than this name. */
export type ChannelName = 'api' | 'cli' | 'web' | 'claw' | 'system' | ChatPlatform;

export interface DispatchInput {
  requestId: string;
  channel: ChannelName;
  principal: Principal;
  text: string;
  locale: Locale;
  /** Tenant and project implied by where the command was typed (a bound chat group). */
  scopeDefaults?: ScopeDefaults;
  /** False for text the API built itself from a JSON body (already exact, nothing to normalise). */
  normalize?: boolean;
  /** The channel can update its reply in place (chat cards): long operations wait and report progress. */
  live?: boolean;
  /** The chat the command came from (chat channels only): `claw bind` binds it, approvals answer there. */
  origin?: ChatOrigin;
  /** Set when the control plane runs an approved command: it must parse to the same invocation, on unchanged targets. */
  approval?: Approval;
  onProgress?: (text: string) => void;
  /**
   * A document sent beside the command (the API's `attachment`, a file the CLI read for `--file`): not part of the
   * text, so not bound by its length limit, nor audited whole (what it changed is, by the command).
   */
  attachment?: string;
  /** Aborts long waits (the control plane is shutting down); the change of intent stands. */
  signal?: AbortSignal;
}

export interface DispatchSuccess {
  ok: true;
  command: string;
  /** The command waits for approval instead of having run. */
  held?: Approval;
  /** The handler posted its answer to the chat itself (CommandResult.posted): the channel replies nothing more. */
  posted?: boolean;
  /** `--page N` given: which page of a long table the channel should show. */
  page?: number;
  /** The invocation's risk (the command's, or what riskOf says for these arguments). */
  risk: Risk;
  result: unknown;
  view: View;
  locale: Locale;
}

export interface DispatchFailure {
  ok: false;
  command: string | null;
  error: ClawError;
  locale: Locale;
}

export type DispatchOutcome = DispatchSuccess | DispatchFailure;

export interface DispatcherOptions {
  registry: CommandRegistry;
  engines: Engines;
  metrics: Metrics;
  logger: Logger;
  maxLength: number;
  /** Variables of type `secret` in the config templates: their values never reach the audit, logs or replies. */
  secretNames?: SecretNames;
}

export class Dispatcher {
  /** Identical refusals (a failed-login flood, a stranger repeating himself) become one audit row a window. */
  private readonly refusals: RepeatedRefusals;

  constructor(private readonly options: DispatcherOptions) {
    this.refusals = new RepeatedRefusals(options.engines.audit, (error) => options.logger.error({ err: error }, 'audit append failed'));
  }

  /** Writes the counts of repeated refusals gathered so far; at shutdown, before the store closes. */
  flushRefusals(): Promise<void> {
    return this.refusals.flush();
  }

  async dispatch(input: DispatchInput): Promise<DispatchOutcome> {
    const started = performance.now();
    const { registry, engines } = this.options;
    const principal = input.principal;
    let locale = input.locale;
    let command: AnyCommand | undefined;
    let commandName: string | null = null;
    let decision: AuditDecision = 'invalid';
    let target: ScopeTarget | null = null;
    const secretNames = this.options.secretNames ?? new Set<string>();
    const tooLong = input.text.length > this.options.maxLength;
    const raw = tooLong ? input.text.slice(0, this.options.maxLength) : input.text;
    // Normalised before redaction, so that full-width `＝` or IME quotes cannot hide a secret from the patterns.
    const text = input.normalize === false ? raw.trim() : normalizeCommandText(raw);
    let auditText = redactSecrets(text, secretNames);
    let outcome: DispatchOutcome;
    const tenants: TenantMemo = new Map();

    try {
      if (tooLong) {
        throw new ClawError('CLAW_PARSE_TOO_LONG', { length: input.text.length, limit: this.options.maxLength });
      }
      const line = parseLine(text);
      const globals = extractGlobalFlags(line);
      locale = globals.locale ?? locale;
      const binding = bind(line, globals, registry, (c) => engines.help.visible(principal, c));

      if (binding.kind === 'help') {
        commandName = 'help';
        decision = 'allowed';
        target = { kind: 'none' };
        outcome = { ok: true, command: 'help', risk: 'read', ...(globals.page ? { page: globals.page } : {}), result: { help: binding.path }, view: engines.help.help(principal, binding.path, locale), locale };
      } else {
        command = binding.command;
        commandName = command.words.join(' ');
        auditText = redactCommandLine(line, command, secretNames);
        const asked = command.scope({ args: binding.args, flags: binding.flags });
        const request = await this.fill(asked, principal, tenants, input.scopeDefaults);
        let scope: ResolvedScope | undefined;
        if (asked.kind === 'approval') {
          // Decided on the scope of the held command, by names: its instance may be gone (the approval is then stale);
          // the handler needs only the approval's number.
          target = request as ScopeTarget;
          scope = { kind: 'none' };
          const tenant = tenantOf(target);
          if (!isAllowed(principal, command.permission, target) && tenant && !isAllowedInTenant(principal, 'tenant:read', tenant)) {
            // Outside the tenant, someone else's approval does not exist (as if the number were unknown).
            decision = 'denied';
            throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Approval', zh: '审批' }, name: `#${asked.id}` });
          }
        } else if (request.kind === 'instance' && INSTANCE_ID.test(request.instance)) {
          // By id (REST): the instance names its tenant; one the member may not see anywhere is simply not found.
          const permission = command.permission;
          scope = await this.resolveInstanceById(request.instance, (tenant) => !permission || isAllowedInTenant(principal, permission, tenant));
          target = targetOf(scope);
        } else if (request.kind === 'instance') {
          // Check the tenant before looking the instance up, so a stranger cannot learn which instances exist.
          target = { kind: 'tenant', tenant: request.tenant };
          if (command.permission && !isAllowedInTenant(principal, command.permission, request.tenant)) {
            decision = 'denied';
            throw forbidden(commandName, command.permission, target);
          }
          scope = await this.resolveInstance(request, tenants);
          target = targetOf(scope);
        } else {
          target = request;
        }
        if (!isAllowed(principal, command.permission, target)) {
          decision = 'denied';
          throw forbidden(commandName, command.permission ?? '-', target);
        }
        // Flags that change more than the command's permission covers (`tenant quota --instances`) declare their own,
        // checked here like the command's: before the approval gate, so a request nobody may run is never held.
        for (const permission of flagPermissions(command, binding.flags)) {
          if (!isAllowed(principal, permission, target)) {
            decision = 'denied';
            throw forbidden(commandName, permission, target);
          }
        }
        decision = 'allowed';
        scope ??= await this.resolveScope(target, tenants);
        const risk = command.riskOf?.({ args: binding.args, flags: binding.flags }) ?? command.risk;
        const ctx = this.context(input, command, binding.args, binding.flags, scope, locale, globals.reason);
        const held = await this.gate(input, command, binding, ctx, target, line.text, auditText, globals.reason);
        if (held) {
          outcome = { ok: true, command: commandName, risk, held, result: { approval: { id: held.id, status: held.status, required: held.required, expiresAt: held.expiresAt.toISOString() } }, view: approvalView(held, [], locale, engines.help.summaryOf(held.command)), locale };
        } else {
          const result = await command.handle(ctx);
          outcome = {
            ok: true, command: commandName, risk, ...(globals.page ? { page: globals.page } : {}), ...(result.posted ? { posted: true } : {}), result: result.data, view: result.view, locale,
          };
        }
      }
    } catch (error) {
      let clawError = this.toClawError(error, input.requestId);
      // A caret diagram repeats the command line, secrets included: the reply shows it redacted.
      if (clawError.extras.pointer) clawError.extras.pointer = redactPointer(clawError.extras.pointer, secretNames);
      // An approved command whose target is gone is stale, not failed: what was approved no longer exists.
      if (input.approval && clawError.code === 'CLAW_NOT_FOUND') {
        const gone = (l: Locale) => clawError.messageIn(l).replace(/[.。]$/, '');
        clawError = new ClawError('CLAW_APPROVAL_STALE', { id: input.approval.id, detail: { en: gone('en'), zh: gone('zh') } });
      }
      // A refusal from a handler's own check (another member's tokens, an escalating grant) is a denial too.
      if (clawError.status === 403) decision = 'denied';
      outcome = { ok: false, command: commandName, error: clawError, locale };
    }

    const durationMs = Math.round(performance.now() - started);
    await this.audit(input, { commandName, decision, target, auditText, outcome, durationMs }, tenants);
    return outcome;
  }

  /**
   * Approval gate, after RBAC. A new request the tenant's policy holds becomes an approval (returned); an approved
   * one runs only if it parses to the same invocation and its targets have not changed since the request.
   */
  private async gate(
    input: DispatchInput, command: AnyCommand, binding: { args: Record<string, unknown>; flags: Record<string, unknown> },
    ctx: CommandContext<Record<string, unknown>, Record<string, unknown>, keyof Engines>, target: ScopeTarget, exactText: string, displayText: string, reason: string | undefined,
  ): Promise<Approval | null> {
    const { approvals } = this.options.engines;
    const commandName = command.words.join(' ');
    const targets = command.targets ? await command.targets(ctx) : [];
    if (input.approval) {
      const approval = input.approval;
      if (canonicalHash(commandName, binding.args, binding.flags) !== approval.canonicalHash) {
        throw new ClawError('CLAW_APPROVAL_STALE', { id: approval.id, detail: { en: 'the command no longer means the same', zh: '命令的含义已改变' } });
      }
      const stale = approvals.staleReason(approval, targets);
      if (stale) throw new ClawError('CLAW_APPROVAL_STALE', { id: approval.id, detail: stale });
      return null;
    }
    const scope = ctx.scope;
    const tenant = scope.kind === 'tenant' || scope.kind === 'project' || scope.kind === 'instance' ? scope.tenant : null;
    return approvals.hold({
      principal: input.principal, channel: input.channel, command: commandName, text: exactText, displayText,
      args: binding.args, flags: binding.flags, tenant, target, targets, batch: scope.kind !== 'instance' && targets.some((t) => t.kind === 'instance'),
      reason, origin: input.origin,
    });
  }

  /** Records a chat identity joined to a member with a one-time code (there was no member to dispatch as before). */
  async recordLink(input: { requestId: string; channel: ChannelName; identity: string; member: string }): Promise<void> {
    await this.options.engines.audit.append({
      requestId: input.requestId, channel: input.channel, memberId: null, memberName: input.member, identity: input.identity, tenantName: null,
      scope: null, command: 'link', text: 'claw link ***', decision: 'allowed', outcome: 'success', errorCode: null, durationMs: 0,
    });
  }

  /**
   * Records an attempt that never reached a member (no or bad credentials) and returns the 401 error; identical ones
   * that follow within a window are counted on one audit row (RepeatedRefusals).
   */
  async rejectUnauthenticated(input: { requestId: string; channel: ChannelName; text: string; identity: string | null }): Promise<ClawError> {
    const error = new ClawError('CLAW_AUTH_UNAUTHENTICATED');
    await this.refusals.record({
      requestId: input.requestId, channel: input.channel, memberId: null, memberName: null, identity: input.identity, tenantName: null,
      scope: null, command: null, text: redactSecrets(normalizeCommandText(input.text.slice(0, this.options.maxLength)), this.options.secretNames), decision: 'unauthenticated',
      outcome: 'failure', errorCode: error.apiCode, durationMs: 0,
    });
    this.options.metrics.commands.inc({ command: 'unknown', channel: input.channel, decision: 'unauthenticated', outcome: 'failure' });
    return error;
  }

  private context(
    input: DispatchInput, command: AnyCommand, args: Record<string, unknown>, flags: Record<string, unknown>, scope: ResolvedScope, locale: Locale, reason?: string,
  ): CommandContext<Record<string, unknown>, Record<string, unknown>, keyof Engines> {
    const engines = Object.fromEntries(command.engines.map((name) => [name, this.options.engines[name]])) as unknown as Engines;
    const principal = input.principal;
    const commandName = command.words.join(' ');
    return {
      requestId: input.requestId,
      actor: principal,
      args, flags, scope, locale, engines, live: input.live ?? false, signal: input.signal ?? NEVER, ...(input.origin ? { origin: input.origin } : {}), ...(reason ? { reason } : {}),
      ...(input.attachment !== undefined ? { attachment: input.attachment } : {}),
      t: (text: Text, params?: Record<string, unknown>) => localize(text, locale, params),
      authorize: (permission: string, on: ResolvedScope | ScopeTarget) => {
        const t = isResolved(on) ? targetOf(on) : on;
        if (!isAllowed(principal, permission, t)) throw forbidden(commandName, permission, t);
      },
      progress: (text: Text, params?: Record<string, unknown>) => input.onProgress?.(localize(text, locale, params)),
    };
  }

  /**
   * Fills what a command left out. Tenant: the flag, the chat group's binding, the member's own tenant; platform-wide
   * for listings by platform members; else the `default` tenant. Project: the flag, the chat group's, the tenant's
   * `default` project, or its only project.
   */
  private async fill(request: ScopeRequest, principal: Principal, tenants: TenantMemo, defaults: ScopeDefaults = {}): Promise<FilledRequest> {
    if (request.kind === 'none' || request.kind === 'platform') return request;
    // An approval is decided on the scope of the command it holds.
    if (request.kind === 'approval') return this.options.engines.approvals.scopeOf(request.id);
    // An instance addressed by id carries its own tenant.
    if (request.kind === 'instance' && INSTANCE_ID.test(request.instance)) return { kind: 'instance', tenant: request.tenant ?? '', instance: request.instance };
    const { tenancy } = this.options.engines;
    let tenant = request.tenant ?? defaults.tenant ?? principal.tenant?.name;
    if (!tenant && request.kind === 'tenant' && request.orPlatform) return { kind: 'platform' };
    tenant ??= (await this.findTenant(tenants, DEFAULT_TENANT))?.name;
    if (!tenant) throw needTenant();
    if (request.kind === 'tenant') return { kind: 'tenant', tenant };
    let project = request.project ?? (tenant === defaults.tenant ? defaults.project : undefined);
    if (request.kind === 'instance') return { kind: 'instance', tenant, instance: request.instance, ...(project ? { project } : {}) };
    project ??= await tenancy.defaultProjectName(tenant);
    if (!project) throw needProject();
    return { kind: 'project', tenant, project };
  }

  /** The tenant named, read at most once per dispatch however many steps ask (filling the scope, then resolving it). */
  private findTenant(tenants: TenantMemo, name: string): Promise<Tenant | null> {
    let found = tenants.get(name);
    if (!found) {
      found = this.options.engines.tenancy.findTenant(name);
      tenants.set(name, found);
    }
    return found;
  }

  /** Like findTenant, but a missing tenant is the tenancy engine's not-found error. */
  private async getTenant(tenants: TenantMemo, name: string): Promise<Tenant> {
    return (await this.findTenant(tenants, name)) ?? this.options.engines.tenancy.getTenant(name);
  }

  private async resolveScope(target: ScopeTarget, tenants: TenantMemo): Promise<ResolvedScope> {
    const tenancy = this.options.engines.tenancy;
    switch (target.kind) {
      case 'none':
      case 'platform':
        return target;
      case 'tenant':
        return { kind: 'tenant', tenant: await this.getTenant(tenants, target.tenant) };
      case 'project': {
        const tenant = await this.getTenant(tenants, target.tenant);
        return { kind: 'project', tenant, project: await tenancy.getProject(tenant, target.project) };
      }
      case 'instance':
        throw new Error('instances are resolved before resolveScope');
    }
  }

  private async resolveInstanceById(id: string, visible: (tenant: string) => boolean): Promise<ResolvedScope> {
    const { tenancy, lifecycle } = this.options.engines;
    const instance = await lifecycle.get(id);
    const tenant = instance?.nameKey ? await tenancy.getTenantById(instance.tenantId) : null;
    if (!instance || !tenant || !visible(tenant.name)) throw new ClawError('CLAW_NOT_FOUND', { kind: { en: 'Instance', zh: '实例' }, name: id });
    const project = await tenancy.getProjectById(instance.projectId);
    return { kind: 'instance', tenant, project, instance };
  }

  private async resolveInstance(request: { tenant: string; project?: string; instance: string }, tenants: TenantMemo): Promise<ResolvedScope> {
    const { tenancy, lifecycle } = this.options.engines;
    const tenant = await this.getTenant(tenants, request.tenant);
    const project = request.project ? await tenancy.getProject(tenant, request.project) : undefined;
    const view = await lifecycle.find(tenant, request.instance, project);
    return { kind: 'instance', tenant, project: project ?? (await tenancy.getProject(tenant, view.project)), instance: view.instance };
  }

  private toClawError(error: unknown, requestId: string): ClawError {
    if (isClawError(error)) return error;
    this.options.logger.error({ err: error, requestId }, 'command failed with an internal error');
    return new ClawError('CLAW_INTERNAL_ERROR', { correlationId: requestId });
  }

  private async audit(
    input: DispatchInput,
    a: { commandName: string | null; decision: AuditDecision; target: ScopeTarget | null; auditText: string; outcome: DispatchOutcome; durationMs: number },
    tenants: TenantMemo,
  ): Promise<void> {
    const { metrics, engines, logger } = this.options;
    const tenantName = (a.target && tenantOf(a.target)) ?? input.principal.tenant?.name ?? null;
    // The row read for this command names the tenant by id; one not read here is looked up when the event is written.
    const memo = tenantName ? await tenants.get(tenantName)?.catch(() => null) : null;
    const tenantId = memo?.id ?? (input.principal.tenant && input.principal.tenant.name === tenantName ? input.principal.tenant.id : undefined);
    const outcomeName = !a.outcome.ok ? 'failure' : a.outcome.held ? 'held' : 'success';
    metrics.commands.inc({ command: a.commandName ?? 'unknown', channel: input.channel, decision: a.decision, outcome: outcomeName });
    metrics.commandDuration.observe({ command: a.commandName ?? 'unknown' }, a.durationMs / 1000);
    try {
      await engines.audit.append({
        requestId: input.requestId,
        channel: input.channel,
        memberId: input.principal.memberId,
        memberName: input.principal.name,
        identity: describeIdentity(input.principal.identity),
        tenantName,
        ...(tenantId ? { tenantId } : {}),
        scope: a.target ? scopePath(a.target) : null,
        command: a.commandName,
        text: a.auditText,
        decision: a.decision,
        outcome: outcomeName,
        errorCode: a.outcome.ok ? null : a.outcome.error.apiCode,
        durationMs: a.durationMs,
      });
    } catch (error) {
      // An audit failure must be loud: it is logged with the request id; the command's own result stands.
      logger.error({ err: error, requestId: input.requestId }, 'audit append failed');
    }
  }
}

const NEVER = new AbortController().signal;

/** A ResolvedScope carries rows (objects) where a ScopeTarget carries names. */
function isResolved(scope: ResolvedScope | ScopeTarget): scope is ResolvedScope {
  return 'tenant' in scope && typeof scope.tenant === 'object';
}

/** The permissions declared by the flags given (a yes/no flag set, a value, a repeatable flag at least once), in order. */
function flagPermissions(command: AnyCommand, flags: Record<string, unknown>): string[] {
  const given = (value: unknown) => value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0);
  const permissions = Object.entries(command.flags).filter(([name, spec]) => spec.permission && given(flags[name])).map(([, spec]) => spec.permission!);
  return [...new Set(permissions)];
}

function forbidden(command: string, permission: string, target: ScopeTarget): ClawError {
  return new ClawError('CLAW_AUTH_FORBIDDEN', { command, permission, scope: scopeText(target) });
}

/** Instance ids are UUIDs (REST addresses instances by id); names are DNS labels, which a UUID also is, so ids win. */
const INSTANCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Tenant rows read during one dispatch, by name. */
type TenantMemo = Map<string, Promise<Tenant | null>>;

type FilledRequest = ScopeTarget | { kind: 'instance'; tenant: string; project?: string; instance: string };

const needTenant = () => new ClawError('CLAW_SCOPE_REQUIRED', { what: { en: 'tenant', zh: '租户' } }, { hint: { en: 'Add --tenant NAME.', zh: '请加上 --tenant 名称。' } });
const needProject = () => new ClawError('CLAW_SCOPE_REQUIRED', { what: { en: 'project', zh: '项目' } }, { hint: { en: 'Add --project NAME.', zh: '请加上 --project 名称。' } });

