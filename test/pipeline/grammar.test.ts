// The command-line grammar: words, quotes, flags in every form, positions, and errors that point at the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClawError, isClawError } from '../../src/errors/claw-error.js';
import { parseLine } from '../../src/pipeline/grammar/parse-line.js';
import { normalizeCommandText } from '../../src/pipeline/normalize.js';
import { pointer } from '../../src/pipeline/grammar/pointer.js';

const shape = (text: string) =>
  parseLine(text).items.map((i) =>
    i.kind === 'word' ? `w:${i.text}${i.quoted ? '(q)' : ''}` : i.kind === 'flag' ? `f:${i.short ? '-' : '--'}${i.name}${i.value ? `=${i.value.text}` : ''}` : '--',
  );

describe('parseLine', () => {
  it('splits words, long and short flags, and --flag=value', () => {
    expect(shape('claw stop demo --force -y --tail=50 --since 1h')).toEqual(['w:claw', 'w:stop', 'w:demo', 'f:--force', 'f:-y', 'f:--tail=50', 'f:--since', 'w:1h']);
  });

  it('unquotes double and single quotes and escapes, and marks quoted words', () => {
    expect(shape(`claw x "a b" 'c "d"' "e\\"f" g"h i"`)).toEqual(['w:claw', 'w:x', 'w:a b(q)', 'w:c "d"(q)', 'w:e"f(q)', 'w:gh i(q)']);
  });

  it('keeps key=value, selectors, lists, durations and quantities as single words', () => {
    expect(shape('claw x model.name=gpt-4o team=sales,env!=prod a,b,c 1h30m 500m 4Gi')).toEqual([
      'w:claw', 'w:x', 'w:model.name=gpt-4o', 'w:team=sales,env!=prod', 'w:a,b,c', 'w:1h30m', 'w:500m', 'w:4Gi',
    ]);
  });

  it('reads --flag="quoted value" and an empty --flag= value', () => {
    expect(shape('claw x --name="Acme Corp" --set=a=b --note= next')).toEqual(['w:claw', 'w:x', 'f:--name=Acme Corp', 'f:--set=a=b', 'f:--note=', 'w:next']);
    const note = parseLine('claw x --note= next').items[2];
    expect(note?.kind === 'flag' && note.value?.text).toBe('');
  });

  it('treats a quoted "--force" as a word, and everything after -- as words', () => {
    expect(shape('claw x "--force" -- --y')).toEqual(['w:claw', 'w:x', 'w:--force(q)', '--', 'f:--y']);
  });

  it('records exact source positions', () => {
    const items = parseLine('claw  tenant create "a b"').items;
    expect(items.map((i) => [i.start, i.end])).toEqual([[0, 4], [6, 12], [13, 19], [20, 25]]);
  });

  it('reports an unterminated quote with its position', () => {
    try {
      parseLine('claw tenant create "acme');
      expect.unreachable();
    } catch (error) {
      expect(isClawError(error) && error.apiCode).toBe('parse_error');
      const e = error as ClawError;
      expect(e.message).toContain('column 20');
      expect(e.extras.pointer).toBe('claw tenant create "acme\n                   ^^^^^');
    }
  });

  it('accepts an empty line (help is decided later)', () => {
    expect(parseLine('').items).toEqual([]);
  });
});

describe('pointer', () => {
  it('aligns carets under CJK text by display width', () => {
    expect(pointer('claw 状态 x', 8, 9)).toBe('claw 状态 x\n          ^');
  });
});

describe('parser robustness (property)', () => {
  const alphabet = fc.constantFrom(
    ...'claw status stop --force -f = " \' “ ” 「 」 — – －－ ＝ ， a b 1h 4Gi , ! ( ) \\ @_user_1 / 状态 🦞 \u3000 \t \n'.split(' '),
    ' ', '"', "'", '-', '--', '=', '\\',
  );
  it('never throws anything but a structured ClawError, and items always point inside the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(''))), (raw) => {
        const text = normalizeCommandText(raw);
        try {
          const line = parseLine(text);
          for (const item of line.items) {
            expect(item.start).toBeGreaterThanOrEqual(0);
            expect(item.end).toBeLessThanOrEqual(text.length);
            expect(item.start).toBeLessThan(item.end === item.start ? item.end + 1 : item.end);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ClawError);
          expect((error as ClawError).apiCode).toBe('parse_error');
          expect((error as ClawError).extras.pointer).toBeTypeOf('string');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
