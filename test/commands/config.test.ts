// The config center's variables and history: precedence global < tenant < project < instance with provenance, typed
// checks that name the variable and what it accepts, secrets encrypted and shown only as ****abcd, versions and diffs
// seen only by who may see them; on SQLite and MariaDB.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigVariableEntity } from '../../src/store/entities/config-variable.js';
import { InstanceEntity } from '../../src/store/entities/instance.js';
import { databaseKinds } from '../support/databases.js';
import { stubOpenClawAdapter } from '../support/stub-openclaw-adapter.js';
import { useControlPlane } from './fixture.js';

const KEY = 'sk-live-7c1e9d2b4a6f0038';

describe.each(databaseKinds())('config variables on %s', (database) => {
  const c = useControlPlane({ adapters: [stubOpenClawAdapter], database });
  afterAll(async () => {
    await c.run('claw destroy --all --tenant acme --wait');
  });
  const instance = async (name: string) => c.t.plane.store.dataSource.getRepository(InstanceEntity).findOneByOrFail({ name });
  /** Moves the claw to the newest version, as a publish does (the rollout engine is tested on its own). */
  const publish = async (name: string) => {
    const head = await c.t.plane.configs.head();
    await c.t.plane.engines.lifecycle.applyConfig(await instance(name), { config: head, values: head }, 'test');
  };

  it('layers values template < global < tenant < project < instance, and says where each comes from', async () => {
    await c.must('claw tenant create acme');
    await c.must('claw tenant policy acme --approvals 0');
    await c.must('claw project create sales --tenant acme');
    await c.must('claw create demo --tenant acme --project sales --set agent.name=Mine');

    const global = await c.must('claw config set model.baseUrl=http://global.example/v1 model.id=g-model --global --message "company gateway"');
    expect(global.text).toContain('model.baseUrl = http://global.example/v1');
    expect(global.text).toContain('publish it with `claw config publish --all`');
    await c.must('claw config set model.baseUrl=http://acme.example/v1 --tenant acme');
    await c.must('claw config set model.id=p-model --project sales --tenant acme');

    // Not published: the claw still runs the template's values, and the listing says what publishing would change.
    const before = await c.must('claw config get model.baseUrl --instance demo --tenant acme --explain');
    expect(before.result).toMatchObject({ shown: 'http://llm-gateway.llm.svc.cluster.local:8000/v1', source: 'template' });
    const pending = await c.must('claw config list --instance demo --tenant acme');
    expect(pending.result.pending).toEqual(expect.arrayContaining([{ name: 'model.baseUrl', value: 'http://acme.example/v1' }, { name: 'model.id', value: 'p-model' }]));
    expect(pending.text).toContain('claw config publish demo');

    await publish('demo');
    const explained = await c.must('claw config get model.baseUrl --instance demo --tenant acme --explain');
    expect(explained.result).toMatchObject({ shown: 'http://acme.example/v1', source: 'tenant' });
    expect(explained.result.layers.map((l: { layer: string }) => l.layer)).toEqual(['template', 'global', 'tenant']);
    expect(explained.text).toMatch(/tenant\s+acme\s+http:\/\/acme\.example\/v1\s+v\d+\s+← in effect/);
    expect(explained.text).toMatch(/global\s+global\s+http:\/\/global\.example\/v1\s+v\d+\s+overridden/);
    const list = await c.must('claw config list --instance demo --tenant acme');
    const row = (name: string) => list.result.variables.find((v: { name: string }) => v.name === name);
    expect(row('model.id')).toMatchObject({ shown: 'p-model', source: 'project' });
    expect(row('agent.name')).toMatchObject({ shown: 'Mine', source: 'instance' });
    expect(row('log.level')).toMatchObject({ shown: 'info', source: 'template' });
    expect(list.result.pending).toEqual([]);
    // The config the claw runs is what the layers say (what the reconciler builds from).
    const config = await c.t.plane.configs.resolve(await instance('demo'));
    expect(config.values).toMatchObject({ 'model.baseUrl': 'http://acme.example/v1', 'model.id': 'p-model', 'agent.name': 'Mine' });

    // Unset at the tenant: the global value applies again once published.
    await c.must('claw config unset model.baseUrl --tenant acme');
    await publish('demo');
    expect((await c.must('claw config get model.baseUrl --instance demo --tenant acme')).result).toMatchObject({ shown: 'http://global.example/v1', source: 'global' });
  });

  it('creates a claw from a template made here, and shows the version it runs', async () => {
    const yaml = 'name: desk\nextends: default\ndescription: { en: Desk, zh: 服务台 }\ndefaults:\n  agent.name: Desk\n';
    const { version } = await c.t.plane.configs.saveTemplate({ yaml, mode: 'create', author: 'admin' });
    await c.must('claw create helper --tenant acme --project sales --template desk');
    const helper = await instance('helper');
    expect(helper.configVersion).toBeGreaterThanOrEqual(version!);
    expect((await c.t.plane.configs.resolve(helper)).values['agent.name']).toBe('Desk');
    expect((await c.must('claw status helper --tenant acme')).text).toContain(`desk · config v${helper.configVersion}`);
    expect((await c.run('claw create other --tenant acme --template dsek')).text).toContain('desk');
  });

  it('checks each value against the templates, naming the variable and what it accepts, and saves nothing wrong', async () => {
    const head = await c.t.plane.configs.head();
    const refused = [
      ['claw config set model.maxTokens=many --tenant acme', 'Invalid variable model.maxTokens: "many" is not a number'],
      ['claw config set model.provider=azure --tenant acme', 'is not one of openai-compatible, anthropic, none'],
      ['claw config set model.baseUrl=ftp://x --tenant acme', 'is not an http(s) URL'],
      ['claw config set model.nmae=x --tenant acme', 'no template has a variable of this name'],
      ['claw config set agent.nmae=x --instance demo --tenant acme', 'template default has no variable agent.nmae'],
      ['claw config set model.id=x --global --tenant acme', '`--global` and `--tenant` cannot be used together'],
      ['claw config unset log.level --tenant acme', 'Variable at tenant acme `log.level` not found'],
    ] as const;
    for (const [text, message] of refused) {
      const r = await c.run(text);
      expect(r.ok, text).toBe(false);
      expect(r.message, text).toContain(message);
    }
    expect((await c.run('claw config set model.nmae=x --tenant acme')).text).toContain('Did you mean model.name?');
    expect(await c.t.plane.configs.head()).toBe(head);
    // Setting what is there already is not a change.
    await c.must('claw config set log.level=debug --tenant acme');
    expect((await c.must('claw config set log.level=debug --tenant acme')).text).toContain('Nothing changed');
  });

  it('keeps secrets encrypted and shows them only as ****abcd, in replies, listings, history, diffs and the audit trail', async () => {
    const before = await c.t.plane.configs.head();
    const set = await c.must(`claw config set model.apiKey=${KEY} --tenant acme --message "rotate key"`);
    expect(set.text).toContain('model.apiKey = ****0038');
    const rows = await c.t.plane.store.dataSource.getRepository(ConfigVariableEntity).find({ where: { name: 'model.apiKey' } });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(`${r.value} ${r.sealed}`).not.toContain(KEY);
    const outputs = [
      set.text, JSON.stringify(set.result),
      (await c.must('claw config list --tenant acme')).text,
      (await c.must('claw config get model.apiKey --tenant acme')).text,
      (await c.must('claw config history --tenant acme')).text,
      (await c.must(`claw config diff v${before} v${before + 1}`)).text,
      JSON.stringify((await c.must('claw audit --limit 20')).result),
    ];
    for (const text of outputs) expect(text).not.toContain(KEY);
    expect(outputs[2]).toContain('****0038');
    expect(outputs[5]).toContain('model.apiKey @tenant acme: ****0038');
    await publish('demo');
    expect((await c.must('claw config get model.apiKey --instance demo --tenant acme --explain')).text).toContain('****0038');
    // The claw itself gets the key in clear (its Secret / environment), from the encrypted value.
    expect((await c.t.plane.configs.resolve(await instance('demo'))).secrets['model.apiKey']).toBe(KEY);
  });

  it('lists versions newest first and diffs two of them, showing a tenant only its own and global changes', async () => {
    await c.must('claw tenant create rival');
    await c.must('claw config set log.level=warn --tenant rival --message "quiet"');
    const history = await c.must('claw config history --limit 50');
    const versions: Array<{ id: number; author: string; message: string | null; changes: Array<{ name: string }> }> = history.result.versions;
    expect(versions[0]).toMatchObject({ author: 'admin', message: 'quiet', changes: [{ name: 'log.level' }] });
    expect(versions.map((v) => v.id)).toEqual([...versions.map((v) => v.id)].sort((a, b) => b - a));

    const alice = await c.member('alice', 'acme', 'operator');
    const seen = await c.must('claw config history --limit 50', alice);
    expect(JSON.stringify(seen.result)).not.toContain('rival');
    expect(seen.text).toContain('company gateway');
    // Operators may set variables of their tenant, not another's, not global ones.
    expect((await c.run('claw config set log.level=error --tenant rival', alice)).code).toBe('forbidden');
    expect((await c.run('claw config set log.level=error --global', alice)).code).toBe('forbidden');

    const first = versions.at(-1)!.id;
    const diff = await c.must(`claw config diff v${first} v${versions[0]!.id}`);
    expect(diff.text).toContain('model.baseUrl @global: http://global.example/v1');
    expect(diff.text).toContain('log.level @tenant rival: warn');
    const reverse = await c.must(`claw config diff v${versions[0]!.id} v${first}`);
    expect(reverse.text).toContain('log.level @tenant rival: unset (was warn)');
    expect((await c.run('claw config diff v1 v99999')).message).toContain('Config version `v99999` not found');
    expect((await c.run('claw config diff 12x v1')).message).toContain('"12x" is not a config version such as v12');

    const mine = await c.must('claw config history --instance demo --tenant acme --limit 50');
    expect(JSON.stringify(mine.result)).not.toContain('rival');
    expect(mine.result.versions.some((v: { changes: Array<{ name: string }> }) => v.changes.some((ch) => ch.name === 'agent.name'))).toBe(true);
  });
});
