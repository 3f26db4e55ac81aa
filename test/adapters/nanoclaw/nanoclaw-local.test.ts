// On the local runtime `claw create --type nanoclaw` is refused with its own code and the adapter's reason, in both languages.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../../commands/fixture.js';

describe('NanoClaw on the local runtime', () => {
  const c = useControlPlane();

  it('refuses to create a NanoClaw instance and says why, creating nothing', async () => {
    await c.must('claw tenant create lc');
    await c.must('claw project create p --tenant lc');
    const en = await c.run('claw create nano --type nanoclaw --tenant lc --project p');
    expect(en).toMatchObject({ ok: false, code: 'conflict' });
    expect(en.message).toBe(
      'The local runtime cannot run nanoclaw claws. NanoClaw is not published on npm (it runs from a git checkout) and runs its agents in Docker containers; run it on the Kubernetes runtime.',
    );
    const zh = await c.run('claw create nano --type nanoclaw --tenant lc --project p', undefined, 'zh');
    expect(zh.message).toContain('local 运行时无法运行 nanoclaw 实例。NanoClaw 未发布到 npm');
    expect((await c.run('claw status nano --tenant lc')).code).toBe('not_found');
  });
});
