// The command tree: every command's words and aliases in one trie, validated at start-up (no duplicate words or aliases).
import type { PlatformDirectory } from '../model/chat-platforms.js';
import { accountFlags } from './chat-identity-flags.js';
import type { AnyCommand, ArgSpec, FlagSpec } from './command-spec.js';

/** Flags every command understands; commands may not declare these names. */
export const GLOBAL_FLAGS = ['help', 'lang', 'page', 'reason'] as const;

export interface CommandNode {
  /** Canonical words leading here, e.g. ['tenant', 'create']. */
  path: string[];
  command?: AnyCommand;
  /** Canonical subcommands, by word. */
  children: Map<string, CommandNode>;
  /** Alias words leading from this node to a node elsewhere in the tree. */
  aliases: Map<string, CommandNode>;
}

export interface AliasDefinition {
  /** What people type, e.g. `状态` or `租户 创建`. */
  phrase: string;
  /** The canonical command or group words it stands for. */
  target: string;
}

function newNode(path: string[]): CommandNode {
  return { path, children: new Map(), aliases: new Map() };
}

const WORD = /^[a-z][a-z0-9-]*$/;
/** `<resource>:<verb>`, as configs/roles.yaml names permissions. */
const PERMISSION = /^[a-z][a-z-]*:[a-z][a-z-]*$/;

/** A range only means something on a number, and must hold at least one value; a clamp needs both ends. */
function rangeProblem(spec: ArgSpec | FlagSpec): string | null {
  const ranged = spec.min !== undefined || spec.max !== undefined;
  if (ranged && spec.kind !== 'int' && spec.kind !== 'duration' && spec.kind !== 'count') return `has a range but is a ${spec.kind}, not an int, count or duration`;
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) return `has min ${spec.min} above max ${spec.max}`;
  if ('clamp' in spec && spec.clamp && (spec.min === undefined || spec.max === undefined)) return 'is clamped, which needs both min and max';
  return null;
}

export class CommandRegistry {
  readonly root = newNode([]);
  readonly commands: readonly AnyCommand[];
  /** Alias phrases by canonical path, for help. */
  private readonly aliasesByPath = new Map<string, string[]>();

  /** `platforms`: the chat platforms whose account flags commands with `accountFlags` get (none without). */
  constructor(commands: readonly AnyCommand[], aliases: readonly AliasDefinition[] = [], platforms?: PlatformDirectory) {
    this.commands = commands.map((c) => (c.accountFlags && platforms ? { ...c, flags: { ...c.flags, ...accountFlags(platforms) } } : c));
    for (const command of this.commands) this.add(command);
    for (const alias of aliases) this.addAlias(alias);
  }

  private add(command: AnyCommand): void {
    const where = `command "${command.words.join(' ')}"`;
    if (command.words.length === 0) throw new Error(`${where}: a command needs at least one word`);
    let node = this.root;
    for (const word of command.words) {
      if (!WORD.test(word)) throw new Error(`${where}: "${word}" must be lowercase letters, digits and "-"`);
      let child = node.children.get(word);
      if (!child) {
        child = newNode([...node.path, word]);
        node.children.set(word, child);
      }
      node = child;
    }
    if (node.command) throw new Error(`${where} is defined twice`);
    for (const flag of GLOBAL_FLAGS) {
      if (flag in command.flags) throw new Error(`${where}: flag --${flag} is reserved for every command`);
    }
    const shorts = new Set<string>();
    for (const [name, spec] of Object.entries(command.flags)) {
      if (!WORD.test(name)) throw new Error(`${where}: flag name "${name}" must be lowercase letters, digits and "-"`);
      if (spec.short !== undefined) {
        if (!/^[a-zA-Z]$/.test(spec.short) || spec.short === 'h') throw new Error(`${where}: bad short flag -${spec.short} for --${name}`);
        if (shorts.has(spec.short)) throw new Error(`${where}: short flag -${spec.short} is used twice`);
        shorts.add(spec.short);
      }
      if (spec.kind === 'enum' && !spec.values?.length) throw new Error(`${where}: enum flag --${name} needs values`);
      const problem = rangeProblem(spec);
      if (problem) throw new Error(`${where}: flag --${name} ${problem}`);
      if (spec.permission !== undefined && !PERMISSION.test(spec.permission)) throw new Error(`${where}: flag --${name} has a malformed permission "${spec.permission}"`);
    }
    command.args.forEach((arg, i) => {
      const problem = rangeProblem(arg);
      if (problem) throw new Error(`${where}: argument ${arg.name} ${problem}`);
      if (arg.variadic && i !== command.args.length - 1) throw new Error(`${where}: only the last argument may be variadic`);
      if (arg.required && i > 0 && !command.args[i - 1]!.required) throw new Error(`${where}: a required argument cannot follow an optional one`);
    });
    node.command = command;
  }

  private addAlias(alias: AliasDefinition): void {
    const phrase = alias.phrase.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const targetWords = alias.target.trim().split(/\s+/).filter(Boolean);
    const where = `alias "${alias.phrase}" -> "${alias.target}"`;
    if (phrase.length === 0) throw new Error(`${where}: empty alias`);
    const target = this.find(targetWords);
    if (!target) throw new Error(`${where}: no command or group "${alias.target}"`);
    let node = this.root;
    for (const [i, word] of phrase.entries()) {
      const last = i === phrase.length - 1;
      const existing = node.children.get(word) ?? node.aliases.get(word);
      if (last) {
        if (existing && existing !== target) throw new Error(`${where}: "${phrase.join(' ')}" already means "${existing.path.join(' ')}"`);
        if (!existing) node.aliases.set(word, target);
      } else if (existing) {
        node = existing;
      } else {
        const intermediate = newNode([...node.path, word]);
        node.aliases.set(word, intermediate);
        node = intermediate;
      }
    }
    const key = target.path.join(' ');
    this.aliasesByPath.set(key, [...(this.aliasesByPath.get(key) ?? []), phrase.join(' ')]);
  }

  /** The node at exactly these canonical words, or undefined. */
  find(words: readonly string[]): CommandNode | undefined {
    let node: CommandNode | undefined = this.root;
    for (const w of words) node = node?.children.get(w);
    return node;
  }

  /** Follows one typed word (canonical or alias) from a node. */
  step(node: CommandNode, word: string): CommandNode | undefined {
    return node.children.get(word) ?? node.aliases.get(word);
  }

  /** A command's yes/no flags by its canonical words (`stop`, `tenant delete`), or undefined when there is none. */
  readonly flagsOf = (words: string): { boolFlags: string[] } | undefined => {
    const command = this.find(words.trim().split(/\s+/))?.command;
    return command ? { boolFlags: Object.entries(command.flags).filter(([, f]) => f.kind === 'bool').map(([name]) => name) } : undefined;
  };

  aliasesOf(path: readonly string[]): string[] {
    return this.aliasesByPath.get(path.join(' ')) ?? [];
  }

  /** Commands in and below a node, in definition order. */
  commandsUnder(node: CommandNode): AnyCommand[] {
    const prefix = node.path.join(' ');
    return this.commands.filter((c) => prefix === '' || c.words.join(' ') === prefix || c.words.join(' ').startsWith(`${prefix} `));
  }
}
