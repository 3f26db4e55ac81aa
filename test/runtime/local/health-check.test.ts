// Probes of local claws: a TCP probe (a claw without a health endpoint, such as NanoClaw's proxy port) passes on an
// accepted connection and fails on a refused one, as the kubelet's tcpSocket probe does.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { probeName, probeTcp } from '../../../src/runtime/local/health-check.js';

describe('TCP probe', () => {
  it('passes while something listens and fails once nothing does', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    expect(await probeTcp('127.0.0.1', port, 1000)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await probeTcp('127.0.0.1', port, 1000)).toBe(false);
  });

  it('is named tcp in events, an HTTP probe by its path', () => {
    expect(probeName({})).toBe('tcp');
    expect(probeName({ path: '/readyz' })).toBe('/readyz');
  });
});
