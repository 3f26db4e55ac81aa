// The per-group CLAUDE.md files NanoClaw's agents read (groups/<folder>/CLAUDE.md), generated from the template, and their check.
import type { ConfigProblem, GeneratedFiles, UnifiedConfig } from '../../src/engines/adapters/claw-adapter.js';
import { text } from './nanoclaw-env.js';

/** NanoClaw's group-folder.ts: GROUP_FOLDER_PATTERN; `global` is reserved for the memory every group shares. */
const FOLDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const FILE = /^groups\/([^/]+)\/CLAUDE\.md$/;
/** The two folders NanoClaw ships: `main` (the admin chat) and `global` (read by every group, copied into new ones). */
export const GROUP_FILES = { global: 'groups/global/CLAUDE.md', main: 'groups/main/CLAUDE.md' } as const;
/** A CLAUDE.md is loaded into every prompt: keep it small. */
const MAX_BYTES = 64 * 1024;

/**
 * A group's memory: who the assistant is, how NanoClaw's agents talk back (its send_message tool, `<internal>` tags),
 * where the workspace is, and the operators' instructions from the template. NanoClaw renames "Andy" in the global file
 * when it copies it into a new group (index.ts registerGroup), so the name is written the way it expects.
 */
function memory(config: UnifiedConfig, scope: 'global' | 'main'): string {
  const name = text(config, 'assistant.name');
  const instructions = text(config, `instructions.${scope}`).trim();
  const lines = [
    `# ${name}`,
    '',
    `You are ${name}, a personal assistant. You help with tasks, answer questions, and can schedule reminders.`,
    '',
    '## Communication',
    '',
    'Your output is sent to the chat. `mcp__nanoclaw__send_message` sends a message at once while you keep working.',
    'Wrap reasoning that is not for the user in `<internal>` tags; it is logged, not sent.',
    '',
    '## Workspace',
    '',
    'Files you create are saved in `/workspace/group/`.',
    ...(scope === 'main' ? ['This is the main (admin) group: you may register groups and manage scheduled tasks of every group.'] : []),
    ...(instructions ? ['', '## Instructions', '', instructions] : []),
    '',
  ];
  return lines.join('\n');
}

export function groupMemoryFiles(config: UnifiedConfig): GeneratedFiles {
  return { [GROUP_FILES.global]: memory(config, 'global'), [GROUP_FILES.main]: memory(config, 'main') };
}

/** NanoClaw reads nothing else from the generated files: any other path is an unknown key, as in a strict config. */
export function checkGroupMemory(files: GeneratedFiles): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [path, content] of Object.entries(files)) {
    const folder = FILE.exec(path)?.[1];
    if (folder === undefined) {
      problems.push({ path, message: 'unknown file: NanoClaw reads only groups/<folder>/CLAUDE.md' });
    } else if (!FOLDER.test(folder)) {
      problems.push({ path, message: 'invalid group folder: letters, digits, "_" and "-", at most 64' });
    } else if (content.trim() === '') {
      problems.push({ path, message: 'empty' });
    } else if (Buffer.byteLength(content) > MAX_BYTES) {
      problems.push({ path, message: `larger than ${MAX_BYTES} bytes` });
    }
  }
  for (const path of Object.values(GROUP_FILES)) if (!(path in files)) problems.push({ path, message: 'missing' });
  return problems;
}
