// Where a claw lives in its pod and whether it can run as a local process: declared by its adapter, laid out by the runtimes.
//
// The runtimes know nothing about any claw type: the port, the directories, extra mount points and the containers a claw
// needs beside it all come from here, so a new claw type needs no change below the adapters.
import type { Text } from '../i18n/locale.js';

/** Where the generated files are mounted read-only unless a layout says otherwise: apart from the claw's own state. */
export const POD_FILES_DIR = '/etc/clusterclaw';

/** One more mount point of one of the instance's two volumes, for a claw that keeps state in several fixed directories. */
export interface VolumeMount {
  /** `config`: the volume at configDir; `data`: the volume at dataDir. */
  volume: 'config' | 'data';
  /** The directory inside that volume (created on first use). */
  subPath: string;
  /** Absolute path in the container. */
  path: string;
}

/** A container beside the claw in its pod: something the claw needs that is not the claw (e.g. a container runtime). */
export interface Sidecar {
  /** Container name, a DNS-1123 label; never the claw type (that name is the claw's own container). */
  name: string;
  image: string;
  /** Empty: the image's entrypoint. */
  command: string[];
  args: string[];
  env: Record<string, string>;
  /**
   * Runs as root with every privilege on the node (a Docker daemon needs it); the tenant's namespace must admit
   * privileged pods. False: the claw's own non-root user and no escalation.
   */
  privileged: boolean;
  /** Requests and limits alike, as for the claw; they count against the tenant's ResourceQuota. */
  resources: { cpu: string; memory: string };
  /**
   * Mounts the claw's volumes (and the generated files) at the same paths as in the claw's container, so a path the
   * claw hands the sidecar (a bind mount of `docker run -v`) names the same files.
   */
  sharesClawVolumes: boolean;
  /** Directories of its own, empty at pod start and gone with the pod (a daemon's image store). */
  scratchDirs: string[];
  /** Empty directories mounted in this container and the claw's at the same path (a daemon's socket), gone with the pod. */
  sharedDirs: string[];
}

/** The claw's container as the Kubernetes runtime lays it out. */
export interface PodLayout {
  /** The port the claw listens on: its probes, its Service and Observation.endpoint. */
  port: number;
  /** Its state directory in its image: the config volume is mounted there (RuntimeTarget.configDir). */
  configDir: string;
  /** Its data directory: the data volume is mounted there (RuntimeTarget.dataDir). */
  dataDir: string;
  /** Where it should write its own log file; inside configDir, so the log survives restarts. */
  logFile: string;
  /** Where the generated files appear (RuntimeTarget.filesDir); default POD_FILES_DIR. */
  filesDir?: string;
  /** More mount points of the two volumes. */
  mounts?: VolumeMount[];
}

/** How the local runtime can run the claw: as a supervised process (WorkloadParts.process), or not at all, and why. */
export type LocalLayout = { runs: true } | { runs: false; reason: Text };

/** A claw type's layout: static, one per adapter (ClawAdapter.layout). */
export interface ClawLayout {
  pod: PodLayout;
  local: LocalLayout;
}

/** The RuntimeTarget of a claw in a pod: fixed by its layout, the same for every instance of the type. */
export function podTarget(pod: PodLayout): { kind: 'pod'; port: number; bind: 'lan'; configDir: string; dataDir: string; logFile: string; filesDir: string } {
  return { kind: 'pod', port: pod.port, bind: 'lan', configDir: pod.configDir, dataDir: pod.dataDir, logFile: pod.logFile, filesDir: pod.filesDir ?? POD_FILES_DIR };
}
