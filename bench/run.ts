// `npm run bench`: prints figures and ratios (never pass/fail): parse throughput, command latency vs a bare route.
import { commandLatency } from './command-latency.js';
import { parseThroughput } from './parse-throughput.js';

const ms = (v: number) => `${v.toFixed(3)} ms`;

async function main(): Promise<void> {
  process.env.NO_PROXY = '127.0.0.1,localhost';
  const parse = parseThroughput();
  console.log(`parse throughput:            ${Math.round(parse.commandsPerSecond).toLocaleString('en-US')} commands/s (normalise + grammar + bind, ${parse.samples} sample commands)`);

  const latency = await commandLatency();
  console.log(`POST /api/v1/commands whoami: p50 ${ms(latency.command.p50)}  p99 ${ms(latency.command.p99)}  (n=${latency.command.n}, SQLite, audited)`);
  console.log(`bare fastify route, same JSON: p50 ${ms(latency.bare.p50)}  p99 ${ms(latency.bare.p99)}`);
  console.log(`ratio command/bare:           p50 ${latency.ratioP50.toFixed(2)}x  p99 ${latency.ratioP99.toFixed(2)}x`);
  console.log(`control-plane memory (RSS):   ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (bench process, after the runs)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
