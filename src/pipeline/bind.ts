// Binds a parsed line to a command: resolves the command words (with aliases, or a help request), then hands the rest
// to bind-arguments; global flags were taken out before (global-flags), values are typed by typed-value.
import { ClawError } from '../errors/claw-error.js';
import { pointer } from './grammar/pointer.js';
import type { ParsedLine } from './grammar/parse-line.js';
import type { AnyCommand } from './command-spec.js';
import { type CommandNode, type CommandRegistry } from './command-registry.js';
import { closest } from '../util/suggest.js';
import { bindArguments, type BoundCommand } from './bind-arguments.js';
import type { GlobalFlags } from './global-flags.js';

/** `--help` anywhere, `claw` alone, or a bare group such as `claw tenant --help`: show help for these words. */
export interface HelpRequest {
  kind: 'help';
  path: string[];
}

export type Binding = BoundCommand | HelpRequest;

/** Decides which commands may appear in suggestions: the member's runnable ones (RBAC dry-run). */
export type Visible = (command: AnyCommand) => boolean;

function nodeVisible(registry: CommandRegistry, node: CommandNode, visible: Visible): boolean {
  return registry.commandsUnder(node).some(visible);
}

function visibleWords(registry: CommandRegistry, node: CommandNode, visible: Visible): string[] {
  const words: string[] = [];
  for (const [word, child] of [...node.children, ...node.aliases]) if (nodeVisible(registry, child, visible)) words.push(word);
  return words;
}

function suggestionText(words: string[]): string[] {
  return words.map((w) => `claw ${w}`);
}

export function bind(line: ParsedLine, globals: GlobalFlags, registry: CommandRegistry, visible: Visible): Binding {
  const { text } = line;
  const rest = globals.items;

  // The program name is optional: chat users often omit it after @-mentioning the bot.
  let index = 0;
  const first = rest[0];
  if (first?.kind === 'word' && !first.quoted && first.text.toLowerCase() === 'claw') index = 1;

  // Longest match of the leading unquoted words against the command tree.
  let node = registry.root;
  for (; index < rest.length; index++) {
    const item = rest[index]!;
    if (item.kind !== 'word' || item.quoted) break;
    const next = registry.step(node, item.text.toLowerCase());
    if (!next) break;
    node = next;
  }

  if (globals.help) return { kind: 'help', path: node.path };

  if (!node.command) {
    const item = rest[index];
    if (node === registry.root && item === undefined) return { kind: 'help', path: [] };
    if (item?.kind === 'word' && !item.quoted) {
      const candidates = visibleWords(registry, node, visible);
      // One suggestion per command: `tenant ls` and `tenant list` lead to the same place.
      const seen = new Set<CommandNode>();
      const near = closest(item.text, candidates, 6).filter((w) => {
        const target = registry.step(node, w)!;
        if (seen.has(target)) return false;
        seen.add(target);
        return true;
      }).slice(0, 3);
      const prefix = node.path.join(' ');
      // `claw tenat list`: if the word after the typo fits the suggestion, suggest the whole command.
      const following = rest[index + 1];
      const suggestions = near.map((w) => {
        const target = registry.step(node, w)!;
        const nextWord = following?.kind === 'word' ? following.text.toLowerCase() : undefined;
        const deeper = nextWord ? registry.step(target, nextWord) : undefined;
        return [prefix, w, deeper ? nextWord : ''].filter(Boolean).join(' ');
      });
      throw new ClawError('CLAW_PARSE_UNKNOWN_COMMAND', { command: [prefix, item.text].filter(Boolean).join(' ') }, {
        pointer: pointer(text, item.start, item.end),
        suggestions: suggestionText(suggestions),
        hint: suggestions.length
          ? { en: `Did you mean \`claw ${suggestions[0]}\`?`, zh: `你是不是想输入 \`claw ${suggestions[0]}\`？` }
          : { en: 'Type `claw help` to see the commands you may run.', zh: '输入 `claw help` 查看你可以执行的命令。' },
      });
    }
    if (node === registry.root) {
      const at = item ?? { start: text.length, end: text.length };
      throw new ClawError('CLAW_PARSE_SYNTAX', {
        detail: { en: 'A command must start with its words, e.g. `claw status`.', zh: '命令应以命令词开头，例如 `claw status`。' },
      }, { pointer: pointer(text, at.start, at.end), hint: { en: 'Type `claw help` to see the commands.', zh: '输入 `claw help` 查看命令。' } });
    }
    const subcommands = visibleWords(registry, node, visible).filter((w) => node.children.has(w));
    throw new ClawError('CLAW_PARSE_INCOMPLETE_COMMAND', { command: node.path.join(' '), subcommands: subcommands.join(', ') }, {
      suggestions: subcommands.map((w) => `claw ${node.path.join(' ')} ${w}`),
      hint: { en: `Type \`claw help ${node.path.join(' ')}\` for details.`, zh: `输入 \`claw help ${node.path.join(' ')}\` 查看详情。` },
    });
  }

  return bindArguments(node.command, rest.slice(index), text);
}
