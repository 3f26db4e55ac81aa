// claw status over many instances: pages in a stable order (project, then name), counts of the whole scope, clear errors.
import { afterAll, describe, expect, it } from 'vitest';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from './fixture.js';

describe('claw status pages', () => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter] });
  // Local claws outlive a closed control plane (the next one adopts them): remove them first.
  afterAll(async () => {
    await c.run('claw destroy --all --tenant pg --wait');
  });
  const names = (r: { result: { instances: Array<{ name: string; project: string }> } }) => r.result.instances.map((i) => `${i.project}/${i.name}`);

  it('pages a fleet in project and name order, with the whole scope counted', async () => {
    await c.must('claw tenant create pg');
    await c.must('claw tenant policy pg --approvals 0');
    await c.must('claw project create alpha --tenant pg');
    await c.must('claw project create beta --tenant pg');
    for (const n of ['e', 'a', 'c']) await c.must(`claw create ${n} --tenant pg --project beta`);
    for (const n of ['d', 'b']) await c.must(`claw create ${n} --tenant pg --project alpha`);
    await c.must('claw stop a --tenant pg --project beta --wait --timeout 60s');

    const first = await c.must('claw status --tenant pg --limit 2');
    expect(names(first)).toEqual(['alpha/b', 'alpha/d']);
    expect(first.result).toMatchObject({ total: 5, offset: 0, limit: 2 });
    expect(Object.values(first.result.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5);
    expect(first.text).toContain('rows 1-2 of 5; --offset 2 for more');
    expect(names(await c.must('claw status --tenant pg --limit 2 --offset 2'))).toEqual(['beta/a', 'beta/c']);
    const last = await c.must('claw status --tenant pg --limit 2 --offset 4');
    expect(names(last)).toEqual(['beta/e']);
    expect(last.text).toContain('rows 5-5 of 5');
    expect(last.text).not.toContain('for more');
    expect(names(await c.must('claw status --tenant pg --limit 2 --offset 6'))).toEqual([]);
    expect(names(await c.must('claw status --tenant pg --project beta'))).toEqual(['beta/a', 'beta/c', 'beta/e']);
    const stopped = await c.must('claw status --tenant pg --phase stopped');
    expect(names(stopped)).toEqual(['beta/a']);
    expect(stopped.result.total).toBe(1);
    // Without --limit a page holds 100 rows, so a small fleet has no rows line.
    expect((await c.must('claw status --tenant pg')).text).not.toContain('rows');
  });

  it('refuses a limit or offset out of range and says the range', async () => {
    for (const [text, flag] of [['claw status --limit 0', '--limit'], ['claw status --limit 1001', '--limit'], ['claw status --offset -1', '--offset']] as const) {
      const r = await c.run(text);
      expect(r.ok, text).toBe(false);
      expect(r.code).toBe('invalid_argument');
      expect(r.message).toContain(flag);
    }
  });
});
