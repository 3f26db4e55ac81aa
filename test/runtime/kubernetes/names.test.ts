// The generated-file path guard of the Kubernetes runtime: only paths a ConfigMap volume can project (relative, no
// empty, "." or ".." segment) are accepted, each refusal saying why; their ConfigMap keys never collide; and the
// object names of two instances never collide either.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { fileKey, instanceNames, instanceSuffix, invalidFilePath, legacyInstanceNames } from '../../../src/runtime/kubernetes/names.js';

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

describe('object names of an instance (Kubernetes runtime)', () => {
  const ref = (project: string, name: string, id = randomUUID()) => ({ id, tenant: 't', project, name });
  const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

  it('gives project a instance b-c and project a-b instance c different names (the old scheme gave both claw-a-b-c)', () => {
    const [one, two] = [ref('a', 'b-c'), ref('a-b', 'c')];
    expect(legacyInstanceNames(one).base).toBe(legacyInstanceNames(two).base);
    const [n1, n2] = [instanceNames(one), instanceNames(two)];
    expect(new Set([n1.base, n1.configPvc, n1.dataPvc, n2.base, n2.configPvc, n2.dataPvc]).size).toBe(6);
    expect(n1.base).toMatch(/^claw-a-b-c-[0-9a-f]{10}$/);
  });

  it('derives the names from the id alone: stable for one id, different for another with the same project and name', () => {
    const id = randomUUID();
    expect(instanceNames(ref('p', 'demo', id))).toEqual(instanceNames(ref('p', 'demo', id)));
    expect(instanceNames(ref('p', 'demo')).base).not.toBe(instanceNames(ref('p', 'demo')).base);
  });

  it('stays a DNS-1035 label of at most 63 characters, claims included, for the longest project and instance names', () => {
    const long = `x${'-y'.repeat(31)}`;
    for (const r of [ref(long, long), ref('a', 'b'), ref('p', `n${'-'.repeat(40)}z`)]) {
      const n = instanceNames(r);
      for (const name of [n.base, n.configPvc, n.dataPvc]) {
        expect(name.length, name).toBeLessThanOrEqual(63);
        expect(name, name).toMatch(DNS_1035);
      }
      expect(n.base.endsWith(`-${instanceSuffix(r.id)}`)).toBe(true);
    }
  });
});
