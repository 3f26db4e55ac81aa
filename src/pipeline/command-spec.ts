// The shape of a command module in commands/: words, typed arguments and flags, permission, risk, help, handler.
import type { Text, Locale } from '../i18n/locale.js';
import type { View } from '../render/view.js';
import type { KeyValue } from '../model/values/key-value.js';
import type { Quantity } from '../model/values/quantity.js';
import type { Selector } from '../model/values/selector.js';
import type { Engines } from './handler-engines.js';
import type { Principal } from '../model/principal.js';
import type { ScopeRequest, ScopeTarget } from '../model/scope.js';
import type { ResolvedScope } from '../store/resolved-scope.js';
import type { ApprovalTarget } from '../store/entities/approval.js';
import type { ChatOrigin } from '../model/chat-origin.js';

export type Risk = 'read' | 'write' | 'dangerous';

/** Value types of arguments and flags; each has one parser in model/values. */
export type ValueKind = 'string' | 'name' | 'member' | 'int' | 'duration' | 'count' | 'cpu' | 'bytes' | 'selector' | 'list' | 'kv' | 'enum' | 'bool';

export type ValueOf<K extends ValueKind> = K extends 'int' | 'duration' | 'count'
  ? number
  : K extends 'cpu' | 'bytes'
    ? Quantity
    : K extends 'selector'
      ? Selector
      : K extends 'list'
        ? string[]
        : K extends 'kv'
          ? KeyValue
          : K extends 'bool'
            ? boolean
            : string;

export interface ArgSpec {
  name: string;
  kind: Exclude<ValueKind, 'bool'>;
  help: Text;
  required?: boolean;
  /** Takes every remaining positional word; only the last argument may be variadic. */
  variadic?: boolean;
  /** Allowed values for `enum`. */
  values?: readonly string[];
  /** Longest accepted `name` or `string`. */
  maxLength?: number;
  /** Smallest accepted `int` (or `duration`, in ms); the binder refuses less, and help shows it. */
  min?: number;
  /** Largest accepted `int` (or `duration`, in ms); the binder refuses more, and help shows it. */
  max?: number;
}

export interface FlagSpec {
  kind: ValueKind;
  help: Text;
  /** One-letter alias, e.g. `f` for `-f`. */
  short?: string;
  /** May be given several times (`--set a=1 --set b=2`); the handler gets an array. */
  multiple?: boolean;
  required?: boolean;
  values?: readonly string[];
  /** Redacted in audit records and logs. */
  secret?: boolean;
  /** Longest accepted `name` or `string`. */
  maxLength?: number;
  /** Placeholder in usage lines, e.g. `DURATION`; defaults from the kind. */
  valueName?: string;
  /** Smallest accepted `int` (or `duration`, in ms); the binder refuses less, and help and OpenAPI show it. */
  min?: number;
  /** Largest accepted `int` (or `duration`, in ms); the binder refuses more, and help and OpenAPI show it. */
  max?: number;
  /**
   * Out of range is brought to the nearest bound instead of refused, for flags that only ask for "at most this much"
   * (`--tail 99999` shows every line kept), as they always have.
   */
  clamp?: boolean;
  /**
   * A further permission, on the command's target, needed when this flag is given (`tenant quota --instances` changes
   * the quota, which reading it does not need). The dispatcher checks it with the command's; help shows it.
   */
  permission?: string;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type ArgsOf<A extends readonly ArgSpec[]> = Simplify<{
  [S in A[number] as S['name']]: S extends { variadic: true }
    ? Array<ValueOf<S['kind']>>
    : S extends { required: true }
      ? ValueOf<S['kind']>
      : ValueOf<S['kind']> | undefined;
}>;

export type FlagsOf<F extends Record<string, FlagSpec>> = Simplify<{
  [N in keyof F]: F[N] extends { multiple: true }
    ? Array<ValueOf<F[N]['kind']>>
    : F[N]['kind'] extends 'bool'
      ? boolean
      : F[N] extends { required: true }
        ? ValueOf<F[N]['kind']>
        : ValueOf<F[N]['kind']> | undefined;
}>;

export type EngineName = keyof Engines;

export interface CommandResult {
  /** Structured result for the API's `result` and for tests; never a secret unless the view is a SecretView. */
  data: unknown;
  view: View;
  /**
   * The answer already went to the chat the command came from as a card of its own, updated in place later (a
   * rollout's): chat channels send no reply of their own. Other channels show `view` as usual.
   */
  posted?: boolean;
}

export interface CommandContext<Args, Flags, E extends EngineName> {
  requestId: string;
  actor: Principal;
  args: Args;
  flags: Flags;
  /** The target of the command, resolved to rows, after RBAC allowed it. */
  scope: ResolvedScope;
  locale: Locale;
  t(text: Text, params?: Record<string, unknown>): string;
  engines: Pick<Engines, E>;
  /** The channel updates replies in place (chat cards): long operations should wait and report progress. */
  live: boolean;
  /** Aborted when the control plane shuts down: long waits end early (the intent stands). */
  signal: AbortSignal;
  /** The chat the command was typed in, if any (for `claw bind`). */
  origin?: ChatOrigin;
  /** A document sent beside the command text (API `attachment`; the CLI sends the file named by `--file`). */
  attachment?: string;
  /** The global `--reason "..."`, if given. */
  reason?: string;
  /** A second permission check inside a handler (e.g. acting on another member's tokens); throws forbidden. */
  authorize(permission: string, scope: ResolvedScope | ScopeTarget): void;
  /** Progress of a long operation; channels that can update a message in place show it. */
  progress(text: Text, params?: Record<string, unknown>): void;
}

export interface CommandSpec<A extends readonly ArgSpec[], F extends Record<string, FlagSpec>, E extends EngineName> {
  /** Command words, e.g. ['tenant', 'create']. */
  words: readonly string[];
  summary: Text;
  description?: Text;
  args: A;
  flags: F;
  /**
   * Also a flag per chat platform naming a person's account on it (`--feishu OPEN_ID`), added by the registry from
   * the platforms the control plane runs; the handler reads them with chatIdentitiesOf (chat-identity-flags.ts).
   */
  accountFlags?: true;
  examples: readonly string[];
  /** Permission checked on the target scope; null = any signed-in member (help, whoami). */
  permission: string | null;
  risk: Risk;
  /** Risk of this particular invocation when it differs from `risk` (a batch over many instances is dangerous). */
  riskOf?: (input: { args: ArgsOf<A>; flags: FlagsOf<F> }) => Risk;
  /** The target scope, from the parsed input; the pipeline fills a missing tenant from the member or chat. */
  scope: (input: { args: ArgsOf<A>; flags: FlagsOf<F> }) => ScopeRequest;
  engines: readonly E[];
  handle(ctx: CommandContext<ArgsOf<A>, FlagsOf<F>, E>): Promise<CommandResult>;
  /** What the command would change, with versions: approvals record them, and refuse to run once any changed. */
  targets?(ctx: CommandContext<ArgsOf<A>, FlagsOf<F>, E>): Promise<ApprovalTarget[]>;
}

/** A spec with its generics erased, as the registry and pipeline hold them. */
export interface AnyCommand {
  words: readonly string[];
  summary: Text;
  description?: Text;
  args: readonly ArgSpec[];
  flags: Record<string, FlagSpec>;
  accountFlags?: true;
  examples: readonly string[];
  permission: string | null;
  risk: Risk;
  riskOf?: (input: { args: Record<string, unknown>; flags: Record<string, unknown> }) => Risk;
  scope: (input: { args: Record<string, unknown>; flags: Record<string, unknown> }) => ScopeRequest;
  engines: readonly EngineName[];
  handle(ctx: CommandContext<Record<string, unknown>, Record<string, unknown>, EngineName>): Promise<CommandResult>;
  targets?(ctx: CommandContext<Record<string, unknown>, Record<string, unknown>, EngineName>): Promise<ApprovalTarget[]>;
}

/** Checks a command module against the spec types and infers the handler's argument and flag types. */
export function defineCommand<const A extends readonly ArgSpec[], const F extends Record<string, FlagSpec>, const E extends EngineName>(
  spec: CommandSpec<A, F, E>,
): AnyCommand {
  return spec as unknown as AnyCommand;
}
