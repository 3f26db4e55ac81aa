// `npx tsx bench/config-push.ts [SIZE]`: the config push figure alone (seed 000's target: under 5 s for 1,000 claws),
// a fleet of SIZE on the test cluster without the other fleet measurements' stop/start round.
import { kubeFleet } from './kube-fleet.js';

const size = Number(process.argv[2] ?? 1000);
process.env.NO_PROXY = '127.0.0.1,localhost';
const fleet = await kubeFleet([size], { configPushAt: size });
console.log(JSON.stringify({ configPush: fleet.configPush, fleet: fleet.sizes.map((f) => ({ instances: f.instances, toRunningMs: f.toRunningMs })), limitedBy: fleet.limitedBy }, null, 2));
