// What start, stop, restart and destroy share: pick the targets (one NAME, --selector or --all), act on each,
// optionally wait with progress, and report one line per target. Command-layer code, not an engine: it builds the
// views and CommandResult the verbs return, from what the lifecycle engine reports.
import { ClawError } from '../../src/errors/claw-error.js';
import type { Locale, Text } from '../../src/i18n/locale.js';
import type { CommandResult } from '../../src/pipeline/command-spec.js';
import type { Principal } from '../../src/model/principal.js';
import type { ScopeRequest } from '../../src/model/scope.js';
import type { ResolvedScope } from '../../src/store/resolved-scope.js';
import type { Selector } from '../../src/model/values/selector.js';
import { instanceData, phaseText, phaseTone, progressLine } from '../../src/render/instance-views.js';
import type { Instance } from '../../src/store/entities/instance.js';
import type { ApprovalTarget } from '../../src/store/entities/approval.js';
import type { InstanceView, LifecycleEngine } from '../../src/engines/lifecycle/lifecycle-engine.js';
import { formatDuration } from '../../src/model/values/duration.js';

/** Ten minutes: a first local start installs Node and OpenClaw (about a minute) and boots the gateway (up to 30 s). */
export const DEFAULT_WAIT_MS = 10 * 60_000;

/**
 * Waits for one instance with progress; an instance that ends Failed, or does not settle in time, is an error
 * (like `kubectl wait`), so scripts and chat see it. The intent stands either way.
 */
export async function waitForOne(
  lifecycle: LifecycleEngine, instance: Instance, timeoutMs: number | undefined, progress: (line: string) => void, signal: AbortSignal,
): Promise<Instance> {
  const started = Date.now();
  const { instance: last, done } = await lifecycle.waitFor(instance.id, timeoutMs ?? DEFAULT_WAIT_MS, (i) => progress(progressLine(i)), signal);
  const waitedMs = Date.now() - started;
  if (last.phase === 'Failed' && last.desiredPhase === 'Running') {
    throw new ClawError('CLAW_INSTANCE_FAILED', { name: last.name, reason: last.reason ?? 'Failed', message: last.message ? ` - ${last.message}` : '' }, {
      hint: { en: `See \`claw status ${last.name}\` and \`claw events ${last.name}\`.`, zh: `参见 \`claw status ${last.name}\` 和 \`claw events ${last.name}\`。` },
    });
  }
  if (!done) throw new ClawError('CLAW_WAIT_TIMEOUT', { name: last.name, phase: phaseText(last), waited: formatDuration(waitedMs) });
  return last;
}

export interface TargetInput {
  args: { name?: string | undefined };
  flags: { tenant?: string | undefined; project?: string | undefined; selector?: Selector | undefined; all: boolean };
}

/** The scope of a verb: the named instance, or the project or tenant a batch runs over. */
export function targetScope({ args, flags }: TargetInput): ScopeRequest {
  if (args.name) return { kind: 'instance', instance: args.name, tenant: flags.tenant, project: flags.project };
  return flags.project ? { kind: 'project', tenant: flags.tenant, project: flags.project } : { kind: 'tenant', tenant: flags.tenant };
}

/** One named instance carries the verb's own risk; a batch (--selector, --all) may hit many at once. */
export function batchRisk({ args }: { args: { name?: string | undefined } }): 'write' | 'dangerous' {
  return args.name ? 'write' : 'dangerous';
}

export interface ActionContext {
  actor: Principal;
  scope: ResolvedScope;
  args: { name?: string | undefined };
  flags: { selector?: Selector | undefined; all: boolean; wait: boolean; timeout?: number | undefined };
  engines: { lifecycle: LifecycleEngine };
  live: boolean;
  signal: AbortSignal;
  locale: Locale;
  t(text: Text, params?: Record<string, unknown>): string;
  progress(text: Text, params?: Record<string, unknown>): void;
}

/** The instances a verb would act on, with their generations: what an approval records and checks before running. */
export async function approvalTargets(ctx: Pick<ActionContext, 'args' | 'flags' | 'scope' | 'engines'>): Promise<ApprovalTarget[]> {
  return (await targets(ctx)).map((v) => ({ kind: 'instance', id: v.instance.id, name: `${v.project}/${v.instance.name}`, version: v.instance.generation }));
}

async function targets(ctx: Pick<ActionContext, 'args' | 'flags' | 'scope' | 'engines'>): Promise<InstanceView[]> {
  const { args, flags, scope } = ctx;
  const chosen = [args.name !== undefined, flags.selector !== undefined, flags.all].filter(Boolean).length;
  if (chosen !== 1) {
    throw new ClawError('CLAW_ARG_MISSING', {
      what: { en: 'a target: one instance NAME, --selector or --all', zh: '目标：一个实例名称、--selector 或 --all（三选一）' },
    });
  }
  if (scope.kind === 'instance') return [{ instance: scope.instance, tenant: scope.tenant.name, project: scope.project.name }];
  if (scope.kind !== 'tenant' && scope.kind !== 'project') throw new Error(`unexpected scope ${scope.kind}`);
  return ctx.engines.lifecycle.list({ tenant: scope.tenant, ...(scope.kind === 'project' ? { project: scope.project } : {}), ...(flags.selector ? { selector: flags.selector } : {}) });
}

/** What acting on one target did: changed its intent, or nothing (with why). */
export type ActOutcome = { instance: Instance } | { note: Text };

/**
 * Acts on every target. Failures of one target do not stop the others; each gets its line.
 */
export async function actOnTargets(ctx: ActionContext, verb: Text, act: (view: InstanceView) => Promise<ActOutcome>): Promise<CommandResult> {
  const views = await targets(ctx);
  const { lifecycle } = ctx.engines;
  const results: Array<{ view: InstanceView; instance?: Instance; note?: string; error?: string }> = [];
  for (const view of views) {
    try {
      const outcome = await act(view);
      results.push('note' in outcome ? { view, note: ctx.t(outcome.note) } : { view, instance: outcome.instance });
    } catch (error) {
      if (!(error instanceof ClawError)) throw error;
      results.push({ view, error: error.messageIn(ctx.locale) });
    }
  }
  if ((ctx.flags.wait || ctx.live) && results.length === 1 && results[0]!.instance) {
    results[0]!.instance = await waitForOne(lifecycle, results[0]!.instance, ctx.flags.timeout, (line) => ctx.progress({ en: line, zh: line }), ctx.signal);
  } else if (ctx.flags.wait || ctx.live) {
    // A batch reports each instance's outcome on its own line instead of failing as a whole.
    const acted = results.filter((r) => r.instance);
    const { instances } = await lifecycle.waitForAll(acted.map((r) => r.instance!.id), ctx.flags.timeout ?? DEFAULT_WAIT_MS, (i, settled) => {
      ctx.progress({ en: `${settled}/${acted.length} done · ${progressLine(i)}`, zh: `已完成 ${settled}/${acted.length} · ${progressLine(i)}` });
    }, ctx.signal);
    for (const r of acted) r.instance = instances.get(r.instance!.id) ?? r.instance;
  }
  if (views.length === 0) {
    return { data: { results: [] }, view: { kind: 'message', tone: 'info', text: ctx.t({ en: 'No instances matched.', zh: '没有匹配的实例。' }) } };
  }
  const line = (r: (typeof results)[number]) => r.error ?? r.note ?? (r.instance ? phaseText(r.instance) : '');
  const data = {
    results: results.map((r) => ({
      name: r.view.instance.name, project: r.view.project, ok: !r.error, note: r.note ?? null, error: r.error ?? null,
      instance: r.instance ? instanceData({ ...r.view, instance: r.instance }) : null,
    })),
  };
  if (results.length === 1) {
    const r = results[0]!;
    const name = r.view.instance.name;
    const text = r.error
      ? `${name}: ${r.error}`
      : r.note
        ? `${name}: ${r.note}`
        : ctx.flags.wait || ctx.live
          ? progressLine(r.instance!)
          : `${ctx.t(verb, { name })} ${ctx.t({ en: `(check with \`claw status ${name}\`)`, zh: `（可用 \`claw status ${name}\` 查看）` })}`;
    return { data, view: { kind: 'message', tone: r.error ? 'danger' : r.instance ? phaseTone(r.instance) : 'info', text } };
  }
  return {
    data,
    view: {
      kind: 'table',
      title: ctx.t(verb, { name: ctx.t({ en: `${results.length} instances`, zh: `${results.length} 个实例` }) }),
      columns: [
        { key: 'name', label: ctx.t({ en: 'Name', zh: '名称' }) },
        { key: 'project', label: ctx.t({ en: 'Project', zh: '项目' }) },
        { key: 'result', label: ctx.t({ en: 'Result', zh: '结果' }) },
      ],
      rows: results.map((r) => ({ name: r.view.instance.name, project: r.view.project, result: line(r) })),
      empty: '-',
    },
  };
}
