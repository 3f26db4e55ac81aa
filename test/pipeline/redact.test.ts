// Redaction by type: values of the templates' secret variables are masked whatever their name, spacing or quoting,
// and an error's caret diagram stays aligned after masking.
import { describe, expect, it } from 'vitest';
import { normalizeCommandText } from '../../src/pipeline/normalize.js';
import { redactPointer, redactSecrets } from '../../src/pipeline/redact.js';
import { pointer } from '../../src/pipeline/grammar/pointer.js';

/** A secret variable whose name no pattern would guess. */
const NAMES = new Set(['feishu.cert', 'model.apiKey']);

describe('redactSecrets', () => {
  it.each([
    ['claw create a --set feishu.cert=hunter2', 'claw create a --set feishu.cert=***'],
    ['claw create a --set feishu.cert="hunter 2 x"', 'claw create a --set feishu.cert=***'],
    ['claw create a --set \'feishu.cert = hunter 2\' --wait', "claw create a --set 'feishu.cert = ***' --wait"],
    ['claw create a --set "feishu.cert=hunter 2"', 'claw create a --set "feishu.cert=***"'],
    ['claw create a --set=feishu.cert=hunter2 --set model.id=q', 'claw create a --set=feishu.cert=*** --set model.id=q'],
    ['claw update a --set FEISHU.CERT=hunter2', 'claw update a --set FEISHU.CERT=***'],
    ['claw create a --set model.apiKey="sk a b"', 'claw create a --set model.apiKey=***'],
    ["claw create a --set 'model.apiKey = sk-x'", "claw create a --set 'model.apiKey = ***'"],
  ])('masks %s', (text, expected) => {
    expect(redactSecrets(text, NAMES)).toBe(expected);
  });

  it('masks full-width input once normalised, including a full-width = inside quotes', () => {
    const typed = 'ｃｌａｗ　ｃｒｅａｔｅ　ａ　－－ｓｅｔ　ｆｅｉｓｈｕ．ｃｅｒｔ＝ｈｕｎｔｅｒ２';
    expect(redactSecrets(normalizeCommandText(typed), NAMES)).toBe('claw create a --set feishu.cert=***');
    expect(redactSecrets(normalizeCommandText('claw create a --set “feishu.cert＝hunter 2”'), NAMES)).toBe('claw create a --set "feishu.cert＝***"');
  });

  it('leaves other variables and longer names alone', () => {
    expect(redactSecrets('claw create a --set feishu.certs=x --set model.id=q', NAMES)).toBe('claw create a --set feishu.certs=x --set model.id=q');
  });
});

describe('redactPointer', () => {
  it('masks the line and keeps the caret under the part it pointed at', () => {
    const line = 'claw create a --set feishu.cert="hunter 2" --bogus';
    const at = line.indexOf('--bogus');
    const redacted = redactPointer(pointer(line, at, at + 7), NAMES);
    expect(redacted).toBe(pointer('claw create a --set feishu.cert=*** --bogus', at - 7, at - 7 + 7));
    expect(redacted).not.toContain('hunter');
  });

  it('points at the mask when it pointed into the secret', () => {
    const line = 'claw create a --set feishu.cert="hunter 2';
    const redacted = redactPointer(pointer(line, line.indexOf('"'), line.length), NAMES);
    expect(redacted).not.toContain('hunter');
    expect(redacted.split('\n')[0]).toBe('claw create a --set feishu.cert=***');
  });
});
