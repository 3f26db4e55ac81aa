// `npm run bench`: prints figures and ratios (never pass/fail): parse throughput, command latency vs a bare route, the
// concurrent command mix, chat acks and the outbox, idle cost on both runtimes, usage collection and alert evaluation at
// fleet size, and a fleet on the test cluster.
import { alertBench, formatAlerts } from './alerts.js';
import { chatBench } from './chat.js';
import { commandLatency } from './command-latency.js';
import { commandMix, formatMix } from './command-mix.js';
import { kubeFleet } from './kube-fleet.js';
import { localIdle } from './local-idle.js';
import { parseThroughput } from './parse-throughput.js';
import { formatUsage, usageBench } from './usage.js';

const ms = (v: number) => `${v.toFixed(3)} ms`;

async function main(): Promise<void> {
  process.env.NO_PROXY = '127.0.0.1,localhost';
  const parse = parseThroughput();
  console.log(`parse throughput:            ${Math.round(parse.commandsPerSecond).toLocaleString('en-US')} commands/s (normalise + grammar + bind, ${parse.samples} sample commands)`);

  const latency = await commandLatency();
  console.log(`POST /api/v1/commands whoami: p50 ${ms(latency.command.p50)}  p99 ${ms(latency.command.p99)}  (n=${latency.command.n}, SQLite, audited)`);
  console.log(`bare fastify route, same JSON: p50 ${ms(latency.bare.p50)}  p99 ${ms(latency.bare.p99)}`);
  console.log(`ratio command/bare:           p50 ${latency.ratioP50.toFixed(2)}x  p99 ${latency.ratioP99.toFixed(2)}x`);
  // Seed 000 asks for API p95 under 200 ms; this mix (30 clients, a third of them writing) is where it is measured.
  for (const mix of await commandMix()) console.log(formatMix(mix));

  const chat = await chatBench();
  console.log(`chat event -> ack (store, then answer): Feishu p50 ${ms(chat.feishuAck.p50)} p99 ${ms(chat.feishuAck.p99)} of a 3 s deadline; DingTalk p50 ${ms(chat.dingtalkAck.p50)} p99 ${ms(chat.dingtalkAck.p99)} of 1.5 s (n=${chat.feishuAck.n} each)`);
  console.log(`chat event -> reply visible (claw whoami on Feishu): p50 ${ms(chat.feishuRoundTrip.p50)}  p99 ${ms(chat.feishuRoundTrip.p99)}  (n=${chat.feishuRoundTrip.n})`);
  console.log(`outbox: ${chat.outbox.messages} messages to ${chat.outbox.chats} Feishu chats in ${chat.outbox.seconds.toFixed(1)} s = ${chat.outbox.perSecond.toFixed(1)} msgs/s; limit ${chat.outbox.limitPerSecond} msgs/s (5 per chat); ratio ${(chat.outbox.perSecond / chat.outbox.limitPerSecond).toFixed(2)}; rate-limit refusals ${chat.outbox.refusals}`);

  for (const f of await localIdle()) {
    console.log(`idle, local runtime, ${String(f.claws).padStart(2)} claws (fake claw processes): control plane ${f.cpuSecondsPerMinute.toFixed(2)} CPU s/min, RSS ${f.rssMiB.toFixed(0)} MiB`);
  }

  for (const line of formatUsage(await usageBench())) console.log(line);
  console.log(formatAlerts(await alertBench()));

  // The default sizes keep the whole bench under 20 minutes here; CLAW_BENCH_LARGE=1 adds 10,000.
  const sizes = process.env.CLAW_BENCH_LARGE === '1' ? [200, 1000, 10_000] : [200, 1000];
  const fleet = await kubeFleet(sizes, { startAllAt: 200, rawFloorAt: 1000, configPushAt: 1000 });
  const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
  for (const f of fleet.sizes) {
    console.log(`fleet of ${f.instances} on the test cluster (+${f.added} by ${16} API clients): answered in ${s(f.createMs)}, all Running after ${s(f.toRunningMs)} (${(f.added / (f.toRunningMs / 1000)).toFixed(1)}/s)`);
    console.log(`  idle: control plane ${f.idleCpu.controlPlane.toFixed(2)} CPU s/min, kube-apiserver ${f.idleCpu.apiserver.toFixed(2)} s/min, etcd ${f.idleCpu.etcd.toFixed(2)} s/min; RSS ${f.rssMiB.toFixed(0)} MiB, heap ${f.heapMiB.toFixed(0)} MiB (bench process), ${f.cachedObjects} objects in the watch cache`);
    console.log(`  claw status (first 100 rows, counts of all): p50 ${ms(f.status.p50)} p99 ${ms(f.status.p99)}; --phase running --limit 50: p50 ${ms(f.status.filteredP50)}; raw listNamespacedPod of all ${f.instances} pods: p50 ${ms(f.status.rawListP50)}; ratio ${f.status.ratio.toFixed(2)}x`);
    console.log(`  full resync of ${f.resync.instances}: ${s(f.resync.ms)}, queue depth up to ${f.resync.maxDepth}, oldest wait ${s(f.resync.maxAgeMs)}; claw restart --wait meanwhile ${s(f.resync.restartMs)} (idle: ${s(f.resync.restartIdleMs)})`);
  }
  if (fleet.configPush) {
    const p = fleet.configPush;
    console.log(`config push: one tenant variable published to ${p.instances} claws, every ConfigMap updated after ${s(p.ms)} (target < 5 s); raw floor of ${p.instances} ConfigMap replaces from this process ${s(p.rawMs)}; ratio ${p.ratio.toFixed(2)}x`);
  }
  if (fleet.startAll) console.log(`claw stop --all, then claw start --all of ${fleet.startAll.instances}: all Running after ${s(fleet.startAll.ms)}`);
  if (fleet.rawFloor) console.log(`raw API floor: the same objects for ${fleet.rawFloor.instances} instances from this process (@kubernetes/client-node, 16 at a time), all Running after ${s(fleet.rawFloor.ms)}; control plane / floor ${fleet.rawFloor.ratio.toFixed(2)}x`);
  if (fleet.limitedBy) console.log(`largest size not reached: ${fleet.limitedBy}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
