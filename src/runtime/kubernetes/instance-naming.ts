// Which names an instance's objects carry: the unique ones derived from its id, or the `claw-<project>-<name>` of an
// instance created before them, adopted by its instance-id label so an upgrade neither renames nor loses anything.
import type { InstanceRef } from '../workload.js';
import type { RuntimeMeter } from '../runtime-meter.js';
import { toRuntimeError } from './api-errors.js';
import type { InstanceCache } from './instance-cache.js';
import { instanceNames, legacyInstanceNames, type InstanceNames } from './names.js';
import { ownedBy } from './ownership.js';

export class InstanceNaming {
  /**
   * Ids known to have no object under the old name. Nothing creates old names any more, so the answer cannot change:
   * each id costs at most one look (from the watch cache while it runs).
   */
  private readonly unique = new Set<string>();

  constructor(
    private readonly cache: InstanceCache,
    private readonly meter: RuntimeMeter,
  ) {}

  /**
   * The old names while any object under them carries this instance's id (running, stopped, or volumes kept by a
   * destroy), else the unique ones. An old-named object labelled for another instance (the collision the unique names
   * end) is not adopted: this instance moves to its own names and the ownership check keeps it off the other's.
   */
  async resolve(ref: InstanceRef): Promise<InstanceNames> {
    const names = instanceNames(ref);
    if (this.unique.has(ref.id)) return names;
    const legacy = legacyInstanceNames(ref);
    if (await this.holdsAny(ref.id, legacy)) return legacy;
    this.unique.add(ref.id);
    return names;
  }

  private async holdsAny(id: string, names: InstanceNames): Promise<boolean> {
    try {
      return Object.values(await this.cache.find(names, this.meter)).some((o) => ownedBy(o, id));
    } catch (err) {
      throw toRuntimeError(err, `objects named ${names.base} in ${names.namespace}`);
    }
  }
}
