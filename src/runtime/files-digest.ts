// The digest of a workload's generated files: what WorkloadSpec.configHash holds and a pod's config-hash annotation shows.
import { createHash } from 'node:crypto';

/** sha256 over the files in path order: the same files give the same digest whatever order they were listed in. */
export function filesDigest(files: Record<string, string>): string {
  const sorted = Object.keys(files)
    .sort()
    .map((path) => [path, files[path]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
