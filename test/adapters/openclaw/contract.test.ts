// The OpenClaw adapter passes the shared adapter contract.
import { openclawAdapter } from '../../../adapters/openclaw/index.js';
import { describeAdapterContract } from '../adapter-contract.js';

describeAdapterContract('openclaw', {
  adapter: openclawAdapter,
  withUnknownKey: (files) => ({ ...files, 'openclaw.json': JSON.stringify({ ...JSON.parse(files['openclaw.json']!), bogusKey: true }) }),
});
