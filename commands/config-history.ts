// claw config history [--instance NAME | --tenant T]: config versions newest first (who, when, why, what), as far as
// the reader may see: a tenant's own changes and global ones; with --instance, only those that reach that claw.
import { defineCommand } from '../src/pipeline/command-spec.js';
import { projectFlag, tenantFlag } from '../src/pipeline/common-flags.js';
import type { ConfigChange } from '../src/store/entities/config-version.js';
import { formatTime } from '../src/render/format.js';
import { changeText, visibleTenants } from './support/config-scope.js';

export default defineCommand({
  words: ['config', 'history'],
  summary: { en: 'List config versions', zh: '列出配置版本历史' },
  args: [],
  flags: {
    tenant: tenantFlag,
    project: projectFlag,
    instance: { kind: 'name', help: { en: 'Only versions that reach this instance', zh: '只看影响该实例的版本' } },
    limit: { kind: 'int', min: 1, max: 200, help: { en: 'How many (default 20)', zh: '条数（默认 20）' } },
  },
  examples: ['claw config history', 'claw config history --instance demo', 'claw config history --tenant acme --limit 50'],
  permission: 'config:read',
  risk: 'read',
  scope: ({ flags }) => (flags.instance
    ? { kind: 'instance', instance: flags.instance, tenant: flags.tenant, project: flags.project }
    : { kind: 'tenant', tenant: flags.tenant, orPlatform: true }),
  engines: ['config'],
  async handle(ctx) {
    const scope = ctx.scope;
    const touches = scope.kind === 'instance' ? { instanceId: scope.instance.id, tenantId: scope.tenant.id, projectId: scope.project.id } : undefined;
    const versions = await ctx.engines.config.history({ visible: visibleTenants(scope), ...(touches ? { touches } : {}), limit: ctx.flags.limit ?? 20 });
    const running = scope.kind === 'instance' ? scope.instance : undefined;
    return {
      data: { versions },
      view: {
        kind: 'table',
        title: running
          ? ctx.t({ en: 'Config versions reaching {name} (it runs v{version})', zh: '影响 {name} 的配置版本（当前运行 v{version}）' }, { name: running.name, version: Math.max(running.configVersion, running.valuesVersion) })
          : ctx.t({ en: 'Config versions', zh: '配置版本' }),
        columns: [
          { key: 'version', label: ctx.t({ en: 'Version', zh: '版本' }) },
          { key: 'when', label: ctx.t({ en: 'When', zh: '时间' }) },
          { key: 'author', label: ctx.t({ en: 'By', zh: '修改人' }) },
          { key: 'change', label: ctx.t({ en: 'Change', zh: '变更' }) },
          { key: 'message', label: ctx.t({ en: 'Message', zh: '说明' }) },
        ],
        rows: versions.map((v) => ({
          version: `v${v.id}${running && v.id <= Math.max(running.configVersion, running.valuesVersion) ? '' : running ? ctx.t({ en: ' (unpublished)', zh: '（未发布）' }) : ''}`,
          when: formatTime(v.createdAt, ctx.locale), author: v.author,
          change: summary(v.changes, ctx.t), message: v.message ?? '',
        })),
        empty: ctx.t({ en: 'No config versions yet.', zh: '还没有配置版本。' }),
      },
    };
  },
});

function summary(changes: ConfigChange[], t: (text: { en: string; zh: string }) => string): string {
  const shown = changes.slice(0, 2).map((c) => changeText(c, t));
  if (changes.length > 2) shown.push(t({ en: `and ${changes.length - 2} more`, zh: `等另外 ${changes.length - 2} 项` }));
  return shown.join('; ');
}
