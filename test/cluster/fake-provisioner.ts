// A fake storage provisioner: gives every unbound PVC a hostPath PersistentVolume so the real PV controller binds it.
import { CoreV1Api, type KubeConfig, Watch, type V1PersistentVolume, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { kubeConfigFor, logSinkFor, type ComponentOptions } from './component-options.js';

/** Label on every PV this provisioner creates; only those are ever deleted by it. */
export const FAKE_PROVISIONER_LABEL = 'clusterclaw.io/fake-provisioner';
/**
 * The name written to `pv.kubernetes.io/provisioned-by`. An out-of-tree name makes the PV controller leave the
 * reclaim (Delete) to us instead of trying the in-tree hostPath deleter, which would mark the PV Failed.
 */
export const FAKE_PROVISIONER_NAME = 'clusterclaw.io/fake-provisioner';
/** Parent of the (never created) hostPath directories: the fake kubelet mounts nothing, so the path is only a label. */
export const FAKE_PV_ROOT = '/var/lib/claw-fake-pv';

export interface FakeProvisionerOptions extends ComponentOptions {
  /** Full resync interval, a safety net behind the watches. Default 2 s. */
  resyncMs?: number;
}

function apiCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message.split('\n')[0]! : String(err));

/** Watches PVCs and PVs; each event (and a periodic timer) triggers one full, idempotent sync. */
export class FakeProvisioner {
  private readonly kc: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly resyncMs: number;
  private readonly logSink: (line: string) => void;
  private stopped = false;
  private started = false;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly watches = new Map<string, AbortController>();
  private readonly watchRetry = new Set<NodeJS.Timeout>();
  /** PVs created so far (name -> claim), for tests and diagnostics. */
  private readonly created = new Map<string, string>();

  constructor(options: FakeProvisionerOptions) {
    this.kc = kubeConfigFor(options, 'FakeProvisioner');
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.resyncMs = options.resyncMs ?? 2_000;
    this.logSink = logSinkFor(options);
  }

  /** Names of the PVs created so far, with the `namespace/claim` each was made for. */
  provisioned(): Map<string, string> {
    return new Map(this.created);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('FakeProvisioner already started');
    this.started = true;
    await this.sync();
    this.startWatch('/api/v1/persistentvolumeclaims');
    this.startWatch('/api/v1/persistentvolumes');
    this.scheduleResync();
    this.log('started');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.watchRetry) clearTimeout(t);
    this.watchRetry.clear();
    for (const ctrl of this.watches.values()) ctrl.abort();
    this.watches.clear();
    await this.syncing?.catch(() => undefined);
    this.log('stopped');
  }

  private log(line: string): void {
    this.logSink(`[fake-provisioner] ${line}`);
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.kick();
      this.scheduleResync();
    }, this.resyncMs);
    this.timer.unref();
  }

  /** Starts a sync, or asks the running one to go again, so bursts of events collapse into few syncs. */
  private kick(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.sync()
      .catch((err: unknown) => {
        if (!this.stopped) this.log(`sync failed: ${errText(err)}`);
      })
      .finally(() => {
        this.syncing = undefined;
        if (this.syncAgain) {
          this.syncAgain = false;
          this.kick();
        }
      });
  }

  private startWatch(path: string): void {
    if (this.stopped) return;
    const retry = () => {
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.watchRetry.delete(t);
        this.startWatch(path);
      }, 500);
      t.unref();
      this.watchRetry.add(t);
    };
    // Each (re)start lists first through kick(), so an event missed while the watch was down is caught up.
    this.kick();
    void new Watch(this.kc)
      .watch(path, { allowWatchBookmarks: false }, () => this.kick(), (err: unknown) => {
        if (this.stopped) return;
        if (err) this.log(`watch ${path} ended: ${errText(err)}`);
        retry();
      })
      .then(
        (ctrl) => {
          if (this.stopped) ctrl.abort();
          else this.watches.set(path, ctrl);
        },
        (err: unknown) => {
          this.log(`watch ${path} failed: ${errText(err)}`);
          retry();
        },
      );
  }

  private async sync(): Promise<void> {
    const [claims, volumes] = await Promise.all([
      this.core.listPersistentVolumeClaimForAllNamespaces(),
      this.core.listPersistentVolume(),
    ]);
    const claimedUids = new Set(volumes.items.map((pv) => pv.spec?.claimRef?.uid).filter(Boolean));
    for (const pvc of claims.items) {
      if (this.stopped) return;
      const uid = pvc.metadata?.uid;
      if (!uid || pvc.spec?.volumeName || pvc.metadata?.deletionTimestamp || claimedUids.has(uid)) continue;
      await this.provision(pvc);
    }
    for (const pv of volumes.items) {
      if (this.stopped) return;
      const ours = pv.metadata?.labels?.[FAKE_PROVISIONER_LABEL] === 'true';
      const phase = pv.status?.phase;
      if (!ours || pv.metadata?.deletionTimestamp || (phase !== 'Released' && phase !== 'Failed')) continue;
      // reclaimPolicy Delete: the claim is gone, so is the volume.
      try {
        await this.core.deletePersistentVolume({ name: pv.metadata!.name! });
        this.log(`deleted ${phase} PV ${pv.metadata!.name}`);
      } catch (err) {
        if (apiCode(err) !== 404) throw err;
      }
    }
  }

  private async provision(pvc: V1PersistentVolumeClaim): Promise<void> {
    const md = pvc.metadata!;
    const name = `pvc-${md.uid}`;
    const storage = pvc.spec?.resources?.requests?.['storage'] ?? '1Gi';
    const body: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name,
        labels: { [FAKE_PROVISIONER_LABEL]: 'true' },
        annotations: { 'pv.kubernetes.io/provisioned-by': FAKE_PROVISIONER_NAME },
      },
      spec: {
        capacity: { storage },
        accessModes: pvc.spec?.accessModes?.length ? pvc.spec.accessModes : ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        ...(pvc.spec?.storageClassName ? { storageClassName: pvc.spec.storageClassName } : {}),
        ...(pvc.spec?.volumeMode ? { volumeMode: pvc.spec.volumeMode } : {}),
        hostPath: { path: `${FAKE_PV_ROOT}/${name}`, type: 'DirectoryOrCreate' },
        // Pre-bound to exactly this claim (uid included), so no other claim can take it and the PV controller binds at once.
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: md.namespace, name: md.name, uid: md.uid },
      },
    };
    try {
      await this.core.createPersistentVolume({ body });
      this.created.set(name, `${md.namespace}/${md.name}`);
      this.log(`provisioned ${name} (${storage}) for ${md.namespace}/${md.name}`);
    } catch (err) {
      if (apiCode(err) !== 409) throw err;
    }
  }
}
