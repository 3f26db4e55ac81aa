// The uid each local claw runs as when the control plane runs as root: allocated once from a range, recorded in the
// database, the same after every restart. The gid is the same number (a group of its own), so no two claws share one.
import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { LocalClawUserEntity } from '../../store/entities/local-claw-user.js';
import { isUniqueViolation } from '../../store/unique-violation.js';
import { RuntimeError } from '../runtime.js';

export interface IdRange {
  first: number;
  last: number;
}

export interface ClawUser {
  uid: number;
  gid: number;
}

/** Far above login users (1000+), subordinate-id ranges of rootless containers (100000+) and systemd's dynamic users. */
export const DEFAULT_UID_RANGE: IdRange = { first: 1_900_000_000, last: 1_900_099_999 };

/** Ids named in /etc/passwd and /etc/group: a claw never shares one with an account of this machine. */
function systemIds(): Set<number> {
  const ids = new Set<number>();
  for (const file of ['/etc/passwd', '/etc/group']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const id = Number(line.split(':')[2]);
      if (Number.isInteger(id)) ids.add(id);
    }
  }
  return ids;
}

export class ClawUsers {
  private readonly known = new Map<string, number>();
  /** Allocations run one at a time in this process; replicas sharing the database are kept apart by the unique index. */
  private allocating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    readonly range: IdRange = DEFAULT_UID_RANGE,
  ) {}

  /** The user of the instance directory `location` (<tenant>/<project>/<name>), allocated at its first call. */
  async userOf(location: string): Promise<ClawUser> {
    const known = this.known.get(location);
    if (known !== undefined) return { uid: known, gid: known };
    const run = this.allocating.catch(() => undefined).then(() => this.find(location).then((uid) => uid ?? this.allocate(location)));
    this.allocating = run;
    const uid = await run;
    this.known.set(location, uid);
    return { uid, gid: uid };
  }

  /** Forgets the user once the instance's directory (data included) is gone; its uid may go to a later instance. */
  async release(location: string): Promise<void> {
    this.known.delete(location);
    await this.db.getRepository(LocalClawUserEntity).delete({ location });
  }

  private async find(location: string): Promise<number | undefined> {
    return (await this.db.getRepository(LocalClawUserEntity).findOneBy({ location }))?.uid;
  }

  private async allocate(location: string): Promise<number> {
    const repo = this.db.getRepository(LocalClawUserEntity);
    const taken = systemIds();
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const row of await repo.find({ select: { uid: true } })) taken.add(row.uid);
      let uid: number | undefined;
      for (let candidate = this.range.first; candidate <= this.range.last; candidate++) {
        if (!taken.has(candidate)) {
          uid = candidate;
          break;
        }
      }
      if (uid === undefined) {
        throw new RuntimeError('quota', `no free uid left in ${this.range.first}-${this.range.last} for local claws; widen CLAW_LOCAL_UID_RANGE`);
      }
      try {
        await repo.insert({ location, uid, createdAt: new Date() });
        return uid;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Another replica took this uid or this location at the same moment: use its row, or try the next uid.
        const mine = await this.find(location);
        if (mine !== undefined) return mine;
        taken.add(uid);
      }
    }
    throw new RuntimeError('conflict', `could not allocate a uid for the local claw ${location}`);
  }
}
