// claw config diff v12 v14: what changed between two config versions (either order): each variable's value then and
// now at each scope (secrets masked), and a line diff of each template edited in between.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { tenantFlag } from '../src/pipeline/common-flags.js';
import { changeText, versionNumber, visibleTenants } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'diff'],
  summary: { en: 'Compare two config versions', zh: '比较两个配置版本' },
  args: [
    { name: 'from', kind: 'string', maxLength: 12, required: true, help: { en: 'Version, e.g. v12', zh: '版本，如 v12' } },
    { name: 'to', kind: 'string', maxLength: 12, required: true, help: { en: 'Version, e.g. v14', zh: '版本，如 v14' } },
  ],
  flags: { tenant: tenantFlag },
  examples: ['claw config diff v12 v14', 'claw config diff v14 v12'],
  permission: 'config:read',
  risk: 'read',
  scope: ({ flags }) => ({ kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['config'],
  async handle(ctx) {
    const from = versionNumber(ctx.args.from, 'FROM');
    const to = versionNumber(ctx.args.to, 'TO');
    const diff = await ctx.engines.config.diff(from, to, visibleTenants(ctx.scope));
    const sections = [
      ...(diff.variables.length ? [{ heading: ctx.t({ en: 'Variables', zh: '变量' }), lines: diff.variables.map((c) => changeText(c, ctx.t)) }] : []),
      ...diff.templates.map((d) => ({ heading: ctx.t({ en: `Template ${d.name}`, zh: `模板 ${d.name}` }), lines: d.lines.filter((l) => !l.startsWith('  ')) })),
    ];
    return {
      data: { from, to, ...diff },
      view: {
        kind: 'sections',
        title: ctx.t({ en: 'v{from} → v{to}', zh: 'v{from} → v{to}' }, { from, to }),
        sections: sections.length ? sections : [{ lines: [ctx.t({ en: 'No differences you can see.', zh: '没有你可见的差异。' })] }],
      },
    };
  },
});
