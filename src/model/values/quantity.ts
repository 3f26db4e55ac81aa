// Kubernetes-style quantities: cpu (`500m`, `2`, `0.5`) and bytes (`512Mi`, `4Gi`, `1G`), parsed to a number.
import { createToken, EmbeddedActionsParser, Lexer } from 'chevrotain';
import type { ValueParseResult } from './value-result.js';

export type QuantityUnit = 'cpu' | 'bytes';

/** The parsed quantity keeps its text so it can be written back to Kubernetes exactly as given. */
export interface Quantity {
  text: string;
  /** Cores for cpu, bytes for memory and storage. */
  value: number;
}

const Amount = createToken({ name: 'Amount', pattern: /\d+(?:\.\d+)?|\.\d+/ });
const Suffix = createToken({ name: 'Suffix', pattern: /Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E/ });

const FACTORS: Record<string, number> = {
  '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

const lexer = new Lexer([Amount, Suffix], { positionTracking: 'onlyOffset' });

class QuantityParser extends EmbeddedActionsParser {
  constructor() {
    super([Amount, Suffix]);
    this.performSelfAnalysis();
  }

  readonly quantity = this.RULE('quantity', (): { amount: number; suffix: string } => {
    const amount = this.CONSUME(Amount);
    const suffix = this.OPTION(() => this.CONSUME(Suffix));
    return { amount: Number(amount.image), suffix: suffix?.image ?? '' };
  });
}

const parser = new QuantityParser();

/** Common ways people write sizes, mapped to the Kubernetes suffix they meant. */
const FRIENDLY: Record<string, string> = { gb: 'Gi', g: 'Gi', mb: 'Mi', kb: 'Ki', tb: 'Ti', gib: 'Gi', mib: 'Mi', kib: 'Ki', tib: 'Ti' };

export function parseQuantity(text: string, unit: QuantityUnit): ValueParseResult<Quantity> {
  const trimmed = text.trim();
  const example = unit === 'cpu' ? '500m, 1, 2.5' : '512Mi, 4Gi, 20Gi';
  const refuse = (en: string, zh: string): ValueParseResult<Quantity> => ({ ok: false, reason: { en, zh } });
  const lexed = lexer.tokenize(trimmed);
  parser.input = lexed.tokens;
  const parsed = lexed.errors.length === 0 && lexed.tokens.length > 0 ? parser.quantity() : undefined;
  if (!parsed || parser.errors.length > 0) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(trimmed);
    const friendly = m && unit === 'bytes' ? FRIENDLY[m[2]!.toLowerCase()] : undefined;
    if (friendly) return refuse(`"${text}" is ambiguous; write ${m![1]}${friendly}`, `"${text}" 有歧义，请写作 ${m![1]}${friendly}`);
    return refuse(`"${text}" is not a quantity; examples: ${example}`, `"${text}" 不是有效的数量；示例：${example}`);
  }
  if (unit === 'cpu' && parsed.suffix !== '' && parsed.suffix !== 'm') {
    return refuse(`"${text}" is not a cpu amount; use cores or millicores, e.g. ${example}`, `"${text}" 不是 CPU 数量；请用核数或毫核，如 ${example}`);
  }
  if (unit === 'bytes' && parsed.suffix === 'm') {
    return refuse(`"${text}" means milli-bytes; did you mean ${parsed.amount}Mi?`, `"${text}" 表示毫字节；你是不是想写 ${parsed.amount}Mi？`);
  }
  const value = parsed.amount * FACTORS[parsed.suffix]!;
  if (!(value > 0)) return refuse('a quantity must be greater than zero', '数量必须大于零');
  return { ok: true, value: { text: trimmed, value } };
}
