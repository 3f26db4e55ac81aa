// A keep-alive HTTP client for latency runs, so both servers are measured with the same, minimal client overhead.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LatencyStats {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

export function postJson(agent: Agent, url: URL, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The p-th percentile (0-100) of the samples (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function measure(url: string, body: string, headers: Record<string, string>, n: number, warmup = 300): Promise<LatencyStats> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  try {
    for (let i = 0; i < warmup; i++) await postJson(agent, target, body, headers);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) samples.push(await postJson(agent, target, body, headers));
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, n };
  } finally {
    agent.destroy();
  }
}
