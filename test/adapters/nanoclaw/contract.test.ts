// The NanoClaw adapter passes the shared adapter contract.
import { nanoclawAdapter } from '../../../adapters/nanoclaw/index.js';
import { describeAdapterContract } from '../adapter-contract.js';

describeAdapterContract('nanoclaw', {
  adapter: nanoclawAdapter,
  // NanoClaw reads no config file: a file it would not read is its unknown key.
  withUnknownKey: (files) => ({ ...files, '.env': 'ASSISTANT_NAME=Bob\n' }),
  alternates: { timezone: 'Asia/Shanghai', 'docker.cpu': '2', 'docker.memory': '3Gi' },
});
