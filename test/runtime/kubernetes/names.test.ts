// The generated-file path guard of the Kubernetes runtime: only paths a ConfigMap volume can project (relative, no
// empty, "." or ".." segment) are accepted, each refusal saying why; and their ConfigMap keys never collide.
import { describe, expect, it } from 'vitest';
import { fileKey, invalidFilePath } from '../../../src/runtime/kubernetes/names.js';

describe('generated file paths (Kubernetes runtime)', () => {
  it.each([
    ['absolute', '/etc/passwd', 'must be a non-empty relative path'],
    ['empty', '', 'must be a non-empty relative path'],
    ['parent', '..', 'must not contain empty, "." or ".." segments'],
    ['escaping parent', '../outside.json', 'must not contain empty, "." or ".." segments'],
    ['escaping after a subdirectory', 'conf/../../outside.json', 'must not contain empty, "." or ".." segments'],
    ['dot segment', './openclaw.json', 'must not contain empty, "." or ".." segments'],
    ['empty segment', 'skills//SKILL.md', 'must not contain empty, "." or ".." segments'],
    ['too long', `${'a'.repeat(254)}.json`, 'is too long'],
  ])('refuses a %s path, saying why', (_what, path, why) => {
    expect(invalidFilePath(path)).toBe(why);
  });

  it('refuses a path with a NUL byte', () => {
    expect(invalidFilePath('openclaw.json\0.sh')).toBe('must not contain a NUL byte');
  });

  it.each(['openclaw.json', 'skills/weather/SKILL.md', 'name..with..dots'])('accepts %j', (path) => {
    expect(invalidFilePath(path)).toBeUndefined();
  });

  it('maps distinct paths to distinct ConfigMap keys of allowed characters only', () => {
    const paths = ['a/b.json', 'a_2fb.json', 'a_b.json', 'openclaw.json', 'skills/天气/SKILL.md'];
    const keys = paths.map(fileKey);
    expect(new Set(keys).size).toBe(paths.length);
    for (const key of keys) expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
    expect(fileKey('openclaw.json')).toBe('openclaw.json');
  });
});
