// Label selectors as Kubernetes writes them: `team=sales,env!=prod`, `tier in (web,api)`, `!canary`, `gpu`.
import { createToken, EmbeddedActionsParser, Lexer, type IToken } from 'chevrotain';
import type { Text } from '../../i18n/locale.js';
import type { ValueParseResult } from './value-result.js';

export type SelectorOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export type Selector = SelectorRequirement[];

const Spaces = createToken({ name: 'Spaces', pattern: /\s+/, group: Lexer.SKIPPED });
const NotEquals = createToken({ name: 'NotEquals', pattern: /!=/ });
const DoubleEquals = createToken({ name: 'DoubleEquals', pattern: /==/ });
const Equals = createToken({ name: 'Equals', pattern: /=/ });
const Bang = createToken({ name: 'Bang', pattern: /!/ });
const Comma = createToken({ name: 'Comma', pattern: /,/ });
const LParen = createToken({ name: 'LParen', pattern: /\(/ });
const RParen = createToken({ name: 'RParen', pattern: /\)/ });
const Label = createToken({ name: 'Label', pattern: /[A-Za-z0-9][A-Za-z0-9._/-]*/ });
const NotIn = createToken({ name: 'NotIn', pattern: /notin(?![A-Za-z0-9._/-])/, longer_alt: Label });
const In = createToken({ name: 'In', pattern: /in(?![A-Za-z0-9._/-])/, longer_alt: Label });

const TOKENS = [Spaces, NotEquals, DoubleEquals, Equals, Bang, Comma, LParen, RParen, NotIn, In, Label];
const lexer = new Lexer(TOKENS, { positionTracking: 'onlyOffset' });

class SelectorParser extends EmbeddedActionsParser {
  constructor() {
    super(TOKENS);
    this.performSelfAnalysis();
  }

  readonly selector = this.RULE('selector', (): Selector => {
    const out: Selector = [this.SUBRULE(this.requirement)];
    this.MANY(() => {
      this.CONSUME(Comma);
      out.push(this.SUBRULE2(this.requirement));
    });
    return out;
  });

  private readonly requirement = this.RULE('requirement', (): SelectorRequirement => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Bang);
          return { key: this.CONSUME(Label).image, operator: '!exists', values: [] };
        },
      },
      {
        ALT: () => {
          const key = this.CONSUME2(Label).image;
          const rest = this.OPTION(() =>
            this.OR2([
              { ALT: () => ({ operator: '=' as const, values: [this.SUBRULE(this.equality)] }) },
              {
                ALT: () => {
                  this.CONSUME(NotEquals);
                  return { operator: '!=' as const, values: [this.SUBRULE(this.value)] };
                },
              },
              {
                ALT: () => {
                  const op = this.OR3([{ ALT: () => this.CONSUME(In) }, { ALT: () => this.CONSUME(NotIn) }]);
                  return { operator: op.image === 'in' ? ('in' as const) : ('notin' as const), values: this.SUBRULE(this.valueSet) };
                },
              },
            ]),
          );
          return rest ? { key, ...rest } : { key, operator: 'exists', values: [] };
        },
      },
    ]);
  });

  private readonly equality = this.RULE('equality', (): string => {
    this.OR([{ ALT: () => this.CONSUME(Equals) }, { ALT: () => this.CONSUME(DoubleEquals) }]);
    return this.SUBRULE(this.value);
  });

  /** Values may be empty (`env=`), which Kubernetes allows. */
  private readonly value = this.RULE('value', (): string => this.OPTION(() => this.CONSUME(Label))?.image ?? '');

  private readonly valueSet = this.RULE('valueSet', (): string[] => {
    const values: string[] = [];
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => values.push(this.CONSUME(Label).image) });
    this.CONSUME(RParen);
    return values;
  });
}

const parser = new SelectorParser();

/** Kubernetes label rules: optional DNS prefix `/`, name of at most 63 characters, values likewise. */
const KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Why `key` is not a label key, or null; instance labels are checked by this rule too, so both say it the same way. */
export function labelKeyProblem(key: string): Text | null {
  return KEY.test(key) ? null : { en: `"${key}" is not a valid label key`, zh: `"${key}" 不是有效的标签键` };
}

/** Why `value` is not a label value, or null. */
export function labelValueProblem(value: string): Text | null {
  return VALUE.test(value) ? null : { en: `"${value}" is not a valid label value`, zh: `"${value}" 不是有效的标签值` };
}

export function parseSelector(text: string): ValueParseResult<Selector> {
  const example = 'team=sales,env!=prod  |  tier in (web,api)  |  !canary';
  const refuse = (en: string, zh: string): ValueParseResult<Selector> => ({ ok: false, reason: { en, zh } });
  const lexed = lexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError) return refuse(`unexpected "${text[lexError.offset]}" at position ${lexError.offset + 1}; examples: ${example}`, `第 ${lexError.offset + 1} 个字符 "${text[lexError.offset]}" 无法识别；示例：${example}`);
  if (lexed.tokens.length === 0) return refuse(`an empty selector; examples: ${example}`, `选择器为空；示例：${example}`);
  parser.input = lexed.tokens;
  const selector = parser.selector();
  const error = parser.errors[0];
  if (error) {
    const token: IToken = error.token;
    const where = Number.isNaN(token.startOffset) ? 'at the end' : `at position ${token.startOffset + 1}`;
    const whereZh = Number.isNaN(token.startOffset) ? '末尾' : `第 ${token.startOffset + 1} 个字符处`;
    return refuse(`malformed selector ${where}; examples: ${example}`, `选择器在${whereZh}格式有误；示例：${example}`);
  }
  for (const r of selector) {
    const problem = labelKeyProblem(r.key) ?? r.values.map(labelValueProblem).find((p) => p !== null);
    if (problem) return { ok: false, reason: problem };
    if ((r.operator === 'in' || r.operator === 'notin') && r.values.length === 0) {
      return refuse(`"${r.key} ${r.operator} ()" needs at least one value`, `"${r.key} ${r.operator} ()" 至少需要一个值`);
    }
  }
  return { ok: true, value: selector };
}

export function matchesSelector(selector: Selector, labels: Record<string, string>): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.operator) {
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
      case 'exists': return has;
      case '!exists': return !has;
    }
  });
}

export function formatSelector(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'exists': return r.key;
        case '!exists': return `!${r.key}`;
        case 'in':
        case 'notin': return `${r.key} ${r.operator} (${r.values.join(',')})`;
        default: return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}
