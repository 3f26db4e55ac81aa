// What moving an instance to other config versions would do, before anything is written: the adapter's problems with
// the config there (a publish or rollback refuses them), and whether the claw would restart, reload or not notice.
import { ClawError } from '../../errors/claw-error.js';
import { podTarget } from '../../runtime/claw-layout.js';
import type { InstanceRef } from '../../runtime/workload.js';
import type { Instance } from '../../store/entities/instance.js';
import type { AdapterRegistry } from '../adapters/adapter-registry.js';
import type { ConfigProblem } from '../adapters/claw-adapter.js';
import type { ConfigAt, ConfigStore } from '../config/config-store.js';
import { ConfigInvalidError, type WorkloadBuilder } from './workload-builder.js';

/** `restart`: the workload is replaced; `reload`: only hot-applied files change; `none`: the claw runs the same thing. */
export type ConfigEffect = 'restart' | 'reload' | 'none';

export interface ConfigPreviewResult {
  problems: ConfigProblem[];
  effect: ConfigEffect;
}

export class ConfigPreview {
  constructor(private readonly deps: { configs: ConfigStore; builder: WorkloadBuilder; adapters: AdapterRegistry }) {}

  async preview(instance: Instance, ref: InstanceRef, at: ConfigAt): Promise<ConfigPreviewResult> {
    const target = podTarget(this.deps.adapters.get(instance.type).layout.pod);
    const specAt = async (versions: ConfigAt) => this.deps.builder.build(instance, ref, target, await this.deps.configs.resolve(instance, versions));
    let next;
    try {
      next = await specAt(at);
    } catch (error) {
      if (error instanceof ConfigInvalidError) return { problems: error.problems, effect: 'none' };
      if (error instanceof ClawError) return { problems: [{ path: `config v${at.config}`, message: error.messageIn('en') }], effect: 'none' };
      throw error;
    }
    // A claw whose current config cannot be built is not running it: whatever it gets next is a restart.
    const current = await specAt({ config: instance.configVersion, values: instance.valuesVersion }).catch(() => undefined);
    if (!current || current.specHash !== next.specHash) return { problems: [], effect: 'restart' };
    return { problems: [], effect: JSON.stringify(current.files) === JSON.stringify(next.files) ? 'none' : 'reload' };
  }
}
