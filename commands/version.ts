// claw version: the control plane's version, API version and runtime.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { PACKAGE_VERSION } from '../src/util/package-root.js';

export default defineCommand({
  words: ['version'],
  summary: { en: 'Show the control plane version', zh: '显示控制平面版本' },
  args: [],
  flags: {},
  examples: ['claw version'],
  permission: null,
  risk: 'read',
  scope: () => ({ kind: 'none' }),
  engines: [],
  async handle(ctx) {
    const data = { version: PACKAGE_VERSION, api: 'v1', node: process.version };
    return {
      data,
      view: {
        kind: 'detail',
        title: 'Open Cluster Claw',
        fields: [
          { label: ctx.t({ en: 'Version', zh: '版本' }), value: data.version },
          { label: 'API', value: data.api },
          { label: 'Node.js', value: data.node },
        ],
      },
    };
  },
});
