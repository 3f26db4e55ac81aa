// Chat text as phones and Chinese input methods produce it normalises to the plain command syntax.
import { describe, expect, it } from 'vitest';
import { normalizeCommandText } from '../../src/pipeline/normalize.js';

describe('normalizeCommandText', () => {
  it.each([
    ['Feishu @_user_1 placeholder', '@_user_1 claw status', 'claw status'],
    ['several leading mentions', '@_user_1 @_user_2  claw status', 'claw status'],
    ['a typed @BotName', '@ClawBot claw status', 'claw status'],
    ['DingTalk leading space where the mention was', ' claw status', 'claw status'],
    ['slash before claw', '/claw status', 'claw status'],
    ['slash with mention', '@_user_1 /claw status', 'claw status'],
    ['ideographic space', 'claw\u3000status\u3000demo', 'claw status demo'],
    ['no-break and zero-width spaces', 'claw\u00a0stop\u200b demo', 'claw stop demo'],
    ['full-width equals and comma', 'claw status --selector team＝sales，env＝prod', 'claw status --selector team=sales,env=prod'],
    ['full-width double hyphen', 'claw stop demo －－force', 'claw stop demo --force'],
    ['full-width letters', 'ｃｌａｗ ｓｔａｔｕｓ', 'claw status'],
    ['em dash before a flag', 'claw stop demo —force', 'claw stop demo --force'],
    ['two em dashes (Chinese IME)', 'claw stop demo ——force', 'claw stop demo --force'],
    ['en dash (autocorrect)', 'claw stop demo –force', 'claw stop demo --force'],
    ['em dash with value', 'claw logs demo —tail 50', 'claw logs demo --tail 50'],
    ['dash inside a word stays a hyphen', 'claw create sales–bot', 'claw create sales-bot'],
    ['ASCII short flag untouched', 'claw stop demo -f', 'claw stop demo -f'],
    ['curly double quotes', 'claw tenant create acme --display-name “Acme Corp”', 'claw tenant create acme --display-name "Acme Corp"'],
    ['curly single quotes', "claw tenant create acme --display-name ‘Acme Corp’", "claw tenant create acme --display-name 'Acme Corp'"],
    ['corner brackets', 'claw tenant create acme --display-name 「华东 销售」', 'claw tenant create acme --display-name "华东 销售"'],
    ['ideographic comma in lists', 'claw status --selector team=a、env=b', 'claw status --selector team=a,env=b'],
    ['line breaks and tabs', 'claw\tstatus\n demo', 'claw status  demo'],
    ['control characters dropped', 'claw\u0007 status', 'claw status'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeCommandText(input)).toBe(expected);
  });

  it('keeps full-width characters and dashes inside quotes as typed', () => {
    expect(normalizeCommandText('claw member add li --display-name “李　雷——组长”')).toBe('claw member add li --display-name "李　雷——组长"');
  });

  it('keeps mixed-case command words for the resolver (which ignores case)', () => {
    expect(normalizeCommandText('Claw STATUS')).toBe('Claw STATUS');
  });

  it('keeps emoji and astral characters aligned with quote tracking', () => {
    expect(normalizeCommandText('claw x "🦞　a" —force')).toBe('claw x "🦞　a" --force');
  });
});
