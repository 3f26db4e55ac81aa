// Picks TCP ports for instances: free on the host, unique among our instances, outside the kernel's ephemeral range.
import { createServer } from 'node:net';

export interface PortRange {
  min: number;
  max: number;
}

/** Below Linux's ephemeral range (32768-60999), so an outgoing connection's source port never squats a claw's port. */
export const DEFAULT_PORT_RANGE: PortRange = { min: 20_000, max: 29_999 };

/** True when nothing listens on host:port (we can bind it). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export class PortAllocator {
  /** Ports held by our instances (running or not): never handed to another instance. */
  private readonly reserved = new Set<number>();

  constructor(
    private readonly host: string,
    private readonly range: PortRange = DEFAULT_PORT_RANGE,
  ) {}

  reserve(port: number): void {
    this.reserved.add(port);
  }

  release(port: number): void {
    this.reserved.delete(port);
  }

  isReserved(port: number): boolean {
    return this.reserved.has(port);
  }

  /** A free port, reserved at once so concurrent callers never get the same one. */
  async allocate(): Promise<number> {
    const span = this.range.max - this.range.min + 1;
    for (let attempt = 0; attempt < 500; attempt++) {
      const port = this.range.min + Math.floor(Math.random() * span);
      if (this.reserved.has(port)) continue;
      this.reserved.add(port);
      if (await isPortFree(port, this.host)) return port;
      this.reserved.delete(port);
    }
    throw new Error(`no free TCP port in ${this.range.min}-${this.range.max} on ${this.host}`);
  }
}
