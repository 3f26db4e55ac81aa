// Turns chat text typed on phones and Chinese input methods into the plain ASCII command syntax the grammar reads.
//
// Quoted text is left as typed (a display name may well contain full-width characters); everything outside quotes
// is normalised. Mentions are stripped only at the start, where chat platforms put them.

/** Curly, corner and full-width quotes, each mapped to the ASCII quote it stands for. */
const QUOTES: Record<string, string> = {
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u300c': '"', '\u300d': '"', '\u300e': '"', '\u300f': '"',
  '\uff02': '"', '\u2033': '"',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\uff07': "'", '\u2032': "'",
};

/** Dashes an input method or autocorrect produces where the user meant `-`. */
const DASHES = new Set(['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe58', '\ufe63', '\uff0d']);

/** Spaces that are not ASCII: ideographic space, no-break space, and the zero-width ones pasted from rich text. */
const SPACES = new Set(['\u3000', '\u00a0', '\u2002', '\u2003', '\u2009', '\u202f', '\u205f']);
const INVISIBLE = new Set(['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff']);

/** Punctuation typed with a Chinese IME that has an ASCII meaning in commands. */
const IME_PUNCTUATION: Record<string, string> = { '\u3001': ',', '\u3002': '.', '\uff1a': ':' };

function mapOutsideQuotes(ch: string): string {
  if (SPACES.has(ch)) return ' ';
  if (INVISIBLE.has(ch)) return '';
  const ime = IME_PUNCTUATION[ch];
  if (ime) return ime;
  const code = ch.codePointAt(0)!;
  // Full-width ASCII block: U+FF01..U+FF5E map 1:1 onto U+0021..U+007E.
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCodePoint(code - 0xfee0);
  return ch;
}

/** `—force`, `——force`, `–force`, `－－force` all mean `--force`; a lone ASCII `-x` stays a short flag. */
function fixFlagDashes(text: string, quoted: boolean[]): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const startOfWord = i === 0 || text[i - 1] === ' ';
    if (!quoted[i] && startOfWord && text[i] === '\u0000') {
      let j = i;
      while (j < text.length && (text[j] === '\u0000' || text[j] === '-') && !quoted[j]) j++;
      if (j < text.length && /[A-Za-z]/.test(text[j]!)) out += '--';
      else out += text.slice(i, j).replace(/\u0000/g, '-');
      i = j - 1;
      continue;
    }
    out += text[i] === '\u0000' ? '-' : text[i];
  }
  return out;
}

/**
 * Leading mentions: Feishu's `@_user_1` placeholders, a typed `@ClawBot`, and the leading space DingTalk leaves
 * where it removed the mention.
 */
const LEADING_MENTION = /^\s*@\S+\s*/;

export function normalizeCommandText(input: string): string {
  // 1. Quotes first, so that we know what is inside quotes for every later step.
  // Control characters (other than line breaks and tabs, which become spaces) have no place in a command.
  let withQuotes = '';
  for (const ch of input.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')) withQuotes += QUOTES[ch] ?? ch;

  // 2. Map characters outside quotes. IME dashes become a placeholder so step 3 can tell them from typed `-`.
  let mapped = '';
  const quoted: boolean[] = [];
  let open: string | null = null;
  // `quoted` is indexed by UTF-16 unit, like the string, so astral characters (emoji) keep it aligned.
  const emit = (s: string, inQuotes: boolean) => {
    mapped += s;
    for (let k = 0; k < s.length; k++) quoted.push(inQuotes);
  };
  for (const ch of withQuotes) {
    if (open) {
      emit(ch, ch !== open);
      if (ch === open) open = null;
    } else if (ch === '"' || ch === "'") {
      open = ch;
      emit(ch, false);
    } else {
      emit(DASHES.has(ch) ? '\u0000' : mapOutsideQuotes(ch), false);
    }
  }
  mapped = mapped.replace(/[\r\n\t]/g, ' ');

  // 3. IME dashes before a flag name become `--`.
  let text = fixFlagDashes(mapped, quoted);

  // 4. Leading mentions, then an optional `/` before `claw` (`/claw status`, as typed in slash-command habit).
  while (LEADING_MENTION.test(text)) text = text.replace(LEADING_MENTION, '');
  text = text.trim();
  text = text.replace(/^\/(?=claw\b)/i, '');
  return text;
}
