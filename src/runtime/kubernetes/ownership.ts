// Which instance an object belongs to: its clusterclaw.io/instance-id label, checked before any update, mount or delete.
import { RuntimeError } from '../runtime.js';
import { LABEL_INSTANCE_ID } from './names.js';

interface Labelled {
  metadata?: { labels?: Record<string, string> };
}

export function ownerOf(object: Labelled): string | undefined {
  return object.metadata?.labels?.[LABEL_INSTANCE_ID];
}

export function ownedBy(object: Labelled | undefined, id: string): boolean {
  return object !== undefined && ownerOf(object) === id;
}

/** Refuses an object that another instance's label claims, or that carries none: a name match alone is never enough. */
export function assertOwned(object: Labelled, id: string, what: string): void {
  const owner = ownerOf(object);
  if (owner === id) return;
  throw new RuntimeError(
    'foreign',
    owner
      ? `${what} belongs to another instance (${LABEL_INSTANCE_ID}=${owner}); refusing to touch it`
      : `${what} exists without this instance's ${LABEL_INSTANCE_ID} label; refusing to touch it`,
  );
}
