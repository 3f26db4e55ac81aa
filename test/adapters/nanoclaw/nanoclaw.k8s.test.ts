// `claw create --type nanoclaw` on the real test cluster: the template, the pod with its Docker daemon beside it, the
// environment, memory files and secret NanoClaw reads, and Running once the (fake) kubelet runs the pod.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { k8sSettings } from '../../support/k8s-settings.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../../support/test-control-plane.js';
import { randomToken } from '../../../src/util/ids.js';
import { fileKey, instanceNames } from '../../../src/runtime/kubernetes/names.js';

const kc = new KubeConfig();
kc.loadFromFile(inject('kubeconfigPath'));
const core = kc.makeApiClient(CoreV1Api);

let t: TestControlPlane;
const tenant = `nc${randomToken(6).toLowerCase()}`;
const namespace = `claw-${tenant}`;
const run = async (text: string): Promise<CommandAnswer> => (await t.command(t.adminToken, text)).body;
const must = async (text: string): Promise<CommandAnswer> => {
  const r = await run(text);
  if (!r.ok) throw new Error(`${text}: ${r.text}`);
  return r;
};

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  await must(`claw tenant create ${tenant}`);
  await must(`claw project create p --tenant ${tenant}`);
  await must(`claw tenant policy ${tenant} --approvals 0`);
});
afterAll(async () => {
  if (t) await run(`claw destroy --all --tenant ${tenant} --wait`);
  await t?.close();
});

describe('NanoClaw on Kubernetes', () => {
  it('creates a NanoClaw instance from its template that reaches Running, with what NanoClaw reads and its Docker daemon', async () => {
    const created = await must(
      `claw create nano --type nanoclaw --tenant ${tenant} --project p --set assistant.name=Nina --set timezone=Asia/Shanghai --set agent.maxConcurrent=2 --set model.apiKey=sk-nano-secret --wait --timeout 60s`,
    );
    expect(created.text).toBe('nano: Running (ready)');
    const status = await must(`claw status nano --tenant ${tenant}`);
    const instance = (status.result as { instance: { id: string; type: string; version: string; template: string } }).instance;
    expect(instance).toMatchObject({ type: 'nanoclaw', version: '1.1.3', template: 'nanoclaw' });
    const names = instanceNames({ id: instance.id, tenant, project: 'p', name: 'nano' });

    const pod = await core.readNamespacedPod({ name: names.base, namespace });
    const [claw, docker] = pod.spec!.containers;
    expect(pod.metadata?.labels).toMatchObject({ 'clusterclaw.io/type': 'nanoclaw', 'app.kubernetes.io/version': '1.1.3' });
    expect(claw).toMatchObject({
      name: 'nanoclaw', image: 'nanoclaw:1.1.3', ports: [{ name: 'gateway', containerPort: 3001, protocol: 'TCP' }],
      readinessProbe: { tcpSocket: { port: 3001 } }, startupProbe: { tcpSocket: { port: 3001 } }, livenessProbe: { tcpSocket: { port: 3001 } },
      securityContext: { runAsNonRoot: true, runAsUser: 1000 },
    });
    expect(claw!.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(claw!.command?.[2]).toContain('exec node dist/index.js');
    const env = Object.fromEntries((claw!.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      ASSISTANT_NAME: 'Nina', TZ: 'Asia/Shanghai', MAX_CONCURRENT_CONTAINERS: '2', CONTAINER_IMAGE: 'nanoclaw-agent:latest', CREDENTIAL_PROXY_PORT: '3001',
      DOCKER_HOST: 'unix:///var/run/clusterclaw-docker/docker.sock',
    });
    const mounts = (c: typeof claw) => Object.fromEntries((c!.volumeMounts ?? []).map((m) => [m.mountPath, { name: m.name, subPath: m.subPath, readOnly: m.readOnly }]));
    const shared = {
      '/app/groups': { name: 'config' }, '/app/data': { name: 'data' }, '/app/store': { name: 'data', subPath: 'store' },
      '/etc/clusterclaw': { name: 'files', readOnly: true }, '/var/run/clusterclaw-docker': { name: 'docker-shared-0' },
    };
    expect(mounts(claw)).toMatchObject(shared);
    // The daemon sees the claw's volumes at the same paths, so NanoClaw's `docker run -v` bind mounts name the same files.
    expect(docker).toMatchObject({
      name: 'docker', image: 'docker:27-dind', securityContext: { privileged: true, runAsUser: 0 },
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    });
    expect(mounts(docker)).toMatchObject({ ...shared, '/var/lib/docker': { name: 'docker-scratch-0' } });
    expect(pod.spec?.volumes?.find((v) => v.name === 'docker-scratch-0')?.emptyDir).toBeDefined();

    const configMap = await core.readNamespacedConfigMap({ name: names.base, namespace });
    expect(Object.keys(configMap.data ?? {}).sort()).toEqual([fileKey('groups/global/CLAUDE.md'), fileKey('groups/main/CLAUDE.md')].sort());
    expect(configMap.data?.[fileKey('groups/main/CLAUDE.md')]).toContain('You are Nina');
    // The key is in the Secret only, under the name NanoClaw's credential proxy reads from .env.
    const secret = await core.readNamespacedSecret({ name: names.base, namespace });
    expect(Buffer.from(secret.data?.ANTHROPIC_API_KEY ?? '', 'base64').toString()).toBe('sk-nano-secret');
    expect(JSON.stringify(configMap.data) + JSON.stringify(pod.spec) + JSON.stringify(created)).not.toContain('sk-nano-secret');
    const service = await core.readNamespacedService({ name: names.base, namespace });
    expect(service.spec?.ports).toEqual([expect.objectContaining({ port: 3001, targetPort: 3001 })]);
  });

  it('refuses an OpenClaw template for a NanoClaw instance and a variable NanoClaw does not read', async () => {
    const wrongTemplate = await run(`claw create x1 --type nanoclaw --template default --tenant ${tenant} --project p`);
    expect(wrongTemplate.error?.message).toContain('template default is for openclaw, not nanoclaw');
    const unknown = await run(`claw create x1 --type nanoclaw --tenant ${tenant} --project p --set model.id=qwen3`);
    expect(unknown.error?.message).toContain('template nanoclaw has no variable model.id');
  });
});
