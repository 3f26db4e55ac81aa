// The YAML of `claw template create|edit --file PATH`: the CLI reads the file and sends it beside the command (the API's
// `attachment`); chat cannot carry a file, so it is told where to do this instead.
import { ClawError } from '../../src/errors/claw-error.js';
import type { FlagSpec } from '../../src/pipeline/command-spec.js';

export const fileFlag = {
  kind: 'string', maxLength: 500, valueName: 'PATH',
  help: { en: 'YAML file (the claw CLI reads it and sends it; the API takes its text as `attachment`)', zh: 'YAML 文件（claw 命令行读取后发送；API 以 `attachment` 传入其内容）' },
} as const satisfies FlagSpec;

export function templateYaml(file: string | undefined, attachment: string | undefined): string {
  if (file === undefined || attachment === undefined) {
    throw new ClawError('CLAW_ARG_MISSING', {
      what: {
        en: 'the template\'s YAML: run `claw template create --file sales.yaml` from the claw CLI, or send the YAML as `attachment` to POST /api/v1/commands (chat cannot carry files)',
        zh: '模板 YAML：请在 claw 命令行运行 `claw template create --file sales.yaml`，或通过 POST /api/v1/commands 的 `attachment` 发送（聊天无法传文件）',
      },
    });
  }
  return attachment;
}
