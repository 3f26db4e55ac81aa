// Typed values: durations, quantities, label selectors, lists, key=value pairs and names, with reasons for refusals.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/model/values/duration.js';
import { parseKeyValue } from '../../src/model/values/key-value.js';
import { parseList } from '../../src/model/values/list.js';
import { parseMemberName, parseResourceName } from '../../src/model/values/name.js';
import { parseQuantity } from '../../src/model/values/quantity.js';
import { formatSelector, matchesSelector, parseSelector } from '../../src/model/values/selector.js';
import { formatTokenCount, parseTokenCount } from '../../src/model/values/token-count.js';
import type { ValueParseResult } from '../../src/model/values/value-result.js';

const value = <T>(r: ValueParseResult<T>): T => {
  if (!r.ok) throw new Error(r.reason.en);
  return r.value;
};
const reason = (r: ValueParseResult<unknown>): string => (r.ok ? 'accepted' : r.reason.en);

describe('durations', () => {
  it.each([
    ['30s', 30_000], ['7d', 604_800_000], ['1h30m', 5_400_000], ['500ms', 500], ['2w', 1_209_600_000], ['1.5h', 5_400_000],
    ['7天', 604_800_000], ['2小时', 7_200_000], ['30分钟', 1_800_000], ['1h 30m', 5_400_000],
  ])('%s', (text, ms) => expect(value(parseDuration(text))).toBe(ms));

  it.each(['30', 'h', '1x', '', '-1h', '0s', '11000d'])('refuses %j', (text) => expect(parseDuration(text).ok).toBe(false));

  it('explains a bare number', () => expect(reason(parseDuration('30'))).toMatch(/use a number with a unit, e\.g\. 30s/));

  it('formats back', () => expect(formatDuration(5_400_000)).toBe('1h30m'));
});

describe('token counts', () => {
  it.each([
    ['50M', 50_000_000], ['50m', 50_000_000], ['800k', 800_000], ['1.5B', 1_500_000_000], ['0.1M', 100_000], ['5000万', 50_000_000],
    ['1亿', 100_000_000], ['12345', 12_345], ['2G', 2_000_000_000],
  ])('%s', (text, n) => expect(value(parseTokenCount(text))).toBe(n));

  it.each(['', 'M', '50MB', '-5M', '1.5', '0.0001k', '2000T'])('refuses %j', (text) => expect(parseTokenCount(text).ok).toBe(false));

  it('explains what it wants', () => expect(reason(parseTokenCount('lots'))).toBe('"lots" is not a token count; write a whole number or one with K, M or B, e.g. 800K, 50M, 1.5B'));

  it.each([[50_000_000, '50M'], [1_500_000_000, '1.5B'], [800_000, '800K'], [950, '950'], [1_234_567, '1.2M']])('formats %d as %s', (n, text) => expect(formatTokenCount(n)).toBe(text));
});

describe('quantities', () => {
  it('reads cpu in cores and millicores', () => {
    expect(value(parseQuantity('500m', 'cpu')).value).toBeCloseTo(0.5);
    expect(value(parseQuantity('2', 'cpu')).value).toBe(2);
    expect(value(parseQuantity('0.25', 'cpu')).text).toBe('0.25');
  });
  it('reads bytes with binary and decimal suffixes', () => {
    expect(value(parseQuantity('4Gi', 'bytes')).value).toBe(4 * 1024 ** 3);
    expect(value(parseQuantity('512Mi', 'bytes')).value).toBe(512 * 1024 ** 2);
    expect(value(parseQuantity('1G', 'bytes')).value).toBe(1e9);
  });
  it('suggests the Kubernetes spelling for GB-style sizes', () => expect(reason(parseQuantity('4GB', 'bytes'))).toContain('write 4Gi'));
  it('refuses memory in milli-units and cpu in Gi', () => {
    expect(reason(parseQuantity('512m', 'bytes'))).toContain('did you mean 512Mi');
    expect(reason(parseQuantity('2Gi', 'cpu'))).toContain('not a cpu amount');
  });
  it.each(['', 'abc', '0', '-1', '1.2.3'])('refuses %j', (text) => expect(parseQuantity(text, 'bytes').ok).toBe(false));
});

describe('label selectors', () => {
  it('parses every operator', () => {
    expect(value(parseSelector('team=sales,env!=prod,tier in (web, api),zone notin (a),gpu,!canary,x==y'))).toEqual([
      { key: 'team', operator: '=', values: ['sales'] },
      { key: 'env', operator: '!=', values: ['prod'] },
      { key: 'tier', operator: 'in', values: ['web', 'api'] },
      { key: 'zone', operator: 'notin', values: ['a'] },
      { key: 'gpu', operator: 'exists', values: [] },
      { key: 'canary', operator: '!exists', values: [] },
      { key: 'x', operator: '=', values: ['y'] },
    ]);
  });
  it('accepts prefixed keys and empty values', () => {
    expect(value(parseSelector('clusterclaw.io/tenant=acme,env='))).toEqual([
      { key: 'clusterclaw.io/tenant', operator: '=', values: ['acme'] },
      { key: 'env', operator: '=', values: [''] },
    ]);
  });
  it('matches labels as Kubernetes does', () => {
    const s = value(parseSelector('team=sales,env!=prod,!canary'));
    expect(matchesSelector(s, { team: 'sales', env: 'dev' })).toBe(true);
    expect(matchesSelector(s, { team: 'sales', env: 'prod' })).toBe(false);
    expect(matchesSelector(s, { team: 'sales', canary: 'yes' })).toBe(false);
    expect(matchesSelector(value(parseSelector('tier in (web,api)')), { tier: 'db' })).toBe(false);
  });
  it('formats back', () => expect(formatSelector(value(parseSelector('a=b,c in (d,e),!f')))).toBe('a=b,c in (d,e),!f'));
  it.each([
    ['', 'empty selector'], ['a=b,', 'malformed selector at the end'], ['a in ()', 'needs at least one value'], ['=x', 'malformed'], ['a=b c', 'malformed'], ['a@b=c', 'unexpected "@"'],
  ])('refuses %j (%s)', (text, why) => expect(reason(parseSelector(text))).toContain(why));
});

describe('lists and key=value', () => {
  it('splits lists and trims items', () => expect(value(parseList('a, b ,c'))).toEqual(['a', 'b', 'c']));
  it('refuses empty items', () => {
    expect(parseList('a,,b').ok).toBe(false);
    expect(parseList(',').ok).toBe(false);
  });
  it('splits key=value at the first =', () => {
    expect(value(parseKeyValue('model.name=gpt-4o'))).toEqual({ key: 'model.name', value: 'gpt-4o' });
    expect(value(parseKeyValue('url=http://x/?a=b'))).toEqual({ key: 'url', value: 'http://x/?a=b' });
    expect(value(parseKeyValue('note=two words'))).toEqual({ key: 'note', value: 'two words' });
    expect(value(parseKeyValue('empty='))).toEqual({ key: 'empty', value: '' });
  });
  it.each(['novalue', '=x', ''])('refuses %j', (text) => expect(parseKeyValue(text).ok).toBe(false));
});

describe('names', () => {
  it('accepts DNS-1123 labels and refuses the rest with a reason', () => {
    expect(value(parseResourceName('sales-bot-2'))).toBe('sales-bot-2');
    expect(reason(parseResourceName('Sales'))).toContain('try "sales"');
    expect(reason(parseResourceName('-x'))).toContain('must be lowercase');
    expect(reason(parseResourceName('a'.repeat(41), 40))).toContain('longer than 40');
  });
  it('accepts corporate member names', () => {
    expect(value(parseMemberName('alice.wang'))).toBe('alice.wang');
    expect(parseMemberName('bob li').ok).toBe(false);
  });
});
