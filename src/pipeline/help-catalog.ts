// Help generated from the command specs: an overview, group and command pages, showing only what the member may run.
import { ClawError } from '../errors/claw-error.js';
import { localize, type Locale, type Text } from '../i18n/locale.js';
import type { SectionsView } from '../render/view.js';
import type { AnyCommand, ArgSpec, FlagSpec } from './command-spec.js';
import type { CommandNode, CommandRegistry } from './command-registry.js';
import type { Principal } from '../model/principal.js';
import { isAllowedSomewhere } from '../model/rbac.js';
import { closest } from '../util/suggest.js';
import { argUsage, flagUsage, usageLine } from './usage.js';
import { rangeText } from './value-range.js';
import { displayWidth, padEndDisplay } from '../util/display-width.js';

const RISK: Record<AnyCommand['risk'], Text> = {
  read: { en: 'read-only', zh: '只读' },
  write: { en: 'changes state', zh: '会修改状态' },
  dangerous: { en: 'dangerous', zh: '高风险' },
};

function pad(lines: Array<[string, string]>): string[] {
  const width = Math.min(48, Math.max(0, ...lines.map(([left]) => displayWidth(left))));
  return lines.map(([left, right]) => `${padEndDisplay(left, width)}  ${right}`);
}

/** A flag's or argument's help with what its spec declares besides: the accepted range, a further permission. */
function withFacts(help: string, spec: ArgSpec | FlagSpec, t: (text: Text) => string): string {
  const range = rangeText(spec);
  const facts = [
    ...(range ? [t({ en: `range: ${range.en}`, zh: `范围：${range.zh}` })] : []),
    ...('permission' in spec && spec.permission ? [t({ en: `needs ${spec.permission}`, zh: `需要 ${spec.permission} 权限` })] : []),
  ];
  return facts.length ? `${help}${t({ en: ` (${facts.join('; ')})`, zh: `（${facts.join('；')}）` })}` : help;
}

/** `; tenant:policy with --approvals, --expiry`: the permissions flags add to the command's, grouped by permission. */
function flagPermissions(command: AnyCommand, t: (text: Text) => string): string {
  const byPermission = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(command.flags)) {
    if (spec.permission) byPermission.set(spec.permission, [...(byPermission.get(spec.permission) ?? []), `--${name}`]);
  }
  return [...byPermission].map(([permission, flags]) => t({ en: `; ${permission} with ${flags.join(', ')}`, zh: `；使用 ${flags.join('、')} 时还需 ${permission}` })).join('');
}

function shortForm(command: AnyCommand): string {
  return ['claw', ...command.words, ...command.args.map(argUsage)].join(' ');
}

export class HelpCatalog {
  constructor(private readonly registry: CommandRegistry) {}

  visible(principal: Principal, command: AnyCommand): boolean {
    return isAllowedSomewhere(principal, command.permission);
  }

  /** The command's one-line summary ("what will happen" on approval cards). */
  /** A command's yes/no flags by its words, for approval rules; undefined when there is no such command. */
  flagsOf(words: string): { boolFlags: string[] } | undefined {
    return this.registry.flagsOf(words);
  }

  summaryOf(words: string): Text | undefined {
    return this.registry.find(words.split(' '))?.command?.summary;
  }

  /** Help for typed words (`[]`, `tenant`, `tenant create`, aliases included). */
  help(principal: Principal, words: readonly string[], locale: Locale): SectionsView {
    let node: CommandNode = this.registry.root;
    for (const word of words) {
      const next = this.registry.step(node, word.toLowerCase());
      if (!next) {
        const candidates = [...node.children.keys(), ...node.aliases.keys()].filter((w) =>
          this.registry.commandsUnder(this.registry.step(node, w)!).some((c) => this.visible(principal, c)),
        );
        const near = closest(word, candidates).map((w) => `claw help ${[...node.path, w].join(' ')}`);
        throw new ClawError('CLAW_PARSE_UNKNOWN_COMMAND', { command: [...node.path, word].join(' ') }, {
          suggestions: near,
          hint: { en: 'Type `claw help` to see the commands you may run.', zh: '输入 `claw help` 查看你可以执行的命令。' },
        });
      }
      node = next;
    }
    return node.command ? this.commandPage(principal, node.command, locale) : this.listing(principal, node, locale);
  }

  private listing(principal: Principal, node: CommandNode, locale: Locale): SectionsView {
    const t = (text: Text) => localize(text, locale);
    const commands = this.registry.commandsUnder(node).filter((c) => this.visible(principal, c));
    const groups = new Map<string, AnyCommand[]>();
    for (const c of commands) {
      const key = c.words.length > 1 ? c.words[0]! : '';
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const sections: SectionsView['sections'] = [];
    for (const [group, list] of groups) {
      const aliases = group ? this.registry.aliasesOf([group]) : [];
      const heading = group ? `${group}${aliases.length ? ` (${aliases.join(', ')})` : ''}` : t({ en: 'General', zh: '通用' });
      sections.push({ heading, lines: pad(list.map((c) => [shortForm(c), t(c.summary)])) });
    }
    const prefix = node.path.join(' ');
    sections.push({
      lines: [
        t({
          en: `Type \`claw help ${prefix ? `${prefix} ` : ''}COMMAND\` or \`claw COMMAND --help\` for details; add \`--lang en\` or \`--lang zh\` to switch language.`,
          zh: `输入 \`claw help ${prefix ? `${prefix} ` : ''}命令\` 或 \`claw 命令 --help\` 查看详情；加 \`--lang en\` 或 \`--lang zh\` 切换语言。`,
        }),
      ],
    });
    const title = commands.length === 0
      ? t({ en: 'You may not run any commands yet; ask a tenant admin for a role.', zh: '你还不能执行任何命令；请联系租户管理员为你授予角色。' })
      : prefix
        ? t({ en: `Commands under \`claw ${prefix}\` you may run`, zh: `\`claw ${prefix}\` 下你可以执行的命令` })
        : t({ en: 'Commands you may run', zh: '你可以执行的命令' });
    return { kind: 'sections', title, sections };
  }

  private commandPage(principal: Principal, command: AnyCommand, locale: Locale): SectionsView {
    const t = (text: Text) => localize(text, locale);
    const sections: SectionsView['sections'] = [{ lines: [`${t({ en: 'Usage', zh: '用法' })}: ${usageLine(command)}`] }];
    if (command.description) sections.push({ lines: t(command.description).split('\n') });
    if (command.args.length) {
      sections.push({ heading: t({ en: 'Arguments', zh: '参数' }), lines: pad(command.args.map((a) => [argUsage(a).replace(/[[\]]/g, ''), withFacts(t(a.help), a, t)])) });
    }
    const flags = Object.entries(command.flags);
    if (flags.length) {
      sections.push({
        heading: t({ en: 'Flags', zh: '选项' }),
        lines: pad(flags.map(([name, spec]) => [`${spec.short ? `-${spec.short}, ` : ''}${flagUsage(name, spec).replace(/^\[|\](\.\.\.)?$/g, '')}`, withFacts(t(spec.help), spec, t)])),
      });
    }
    if (command.examples.length) sections.push({ heading: t({ en: 'Examples', zh: '示例' }), lines: [...command.examples] });
    const aliases = this.registry.aliasesOf(command.words);
    const facts = [
      `${t({ en: 'Permission', zh: '所需权限' })}: ${command.permission ?? t({ en: 'any member', zh: '任何成员' })}${flagPermissions(command, t)}`,
      `${t({ en: 'Risk', zh: '风险' })}: ${t(RISK[command.risk])}${command.riskOf && command.risk !== 'dangerous' ? t({ en: ' (dangerous for --selector and --all)', zh: '（使用 --selector 或 --all 时为高风险）' }) : ''}`,
    ];
    if (aliases.length) facts.unshift(`${t({ en: 'Aliases', zh: '别名' })}: ${aliases.join(', ')}`);
    if (!this.visible(principal, command)) facts.push(t({ en: 'You may not run this command.', zh: '你无权执行此命令。' }));
    sections.push({ lines: facts });
    return { kind: 'sections', title: `claw ${command.words.join(' ')} — ${t(command.summary)}`, sections };
  }
}
