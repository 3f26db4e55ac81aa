// ConfigTemplateRow: one revision of a template's YAML, valid from one version until the version that edited it.
import { EntitySchema } from 'typeorm';
import { textColumn } from './columns.js';

export interface ConfigTemplateRow {
  id: number;
  name: string;
  /** The claw type it is for (openclaw, nanoclaw), from the YAML, kept for listing without parsing. */
  type: string;
  /** The template as YAML, exactly as saved. */
  body: string;
  /** Loaded from configs/templates/ (a built-in); false once someone edits it. */
  builtin: boolean;
  sinceVersion: number;
  untilVersion: number | null;
  author: string;
}

export const ConfigTemplateEntity = new EntitySchema<ConfigTemplateRow>({
  name: 'ConfigTemplate',
  tableName: 'config_templates',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: textColumn('name', 63),
    type: textColumn('type', 40),
    body: { type: 'text' },
    builtin: { type: 'boolean', default: false },
    sinceVersion: { name: 'since_version', type: 'int' },
    untilVersion: { name: 'until_version', type: 'int', nullable: true },
    author: textColumn('author', 100),
  },
  indices: [{ name: 'ix_config_templates_name', columns: ['name', 'untilVersion'] }],
});
