// Every error the product can report, in one place: stable code, API code, HTTP status, audience and message.
import type { Text } from '../i18n/locale.js';

/** Who may see the message: `user` messages are shown as written; `internal` ones only as code + correlation id. */
export type Audience = 'user' | 'internal';

export interface ErrorDefinition {
  /** The `error.code` of the HTTP API; several internal codes may share one. */
  api: string;
  status: number;
  audience: Audience;
  message: Text;
  /** One line on when it happens; the README's error table is checked against these codes. */
  doc: string;
}

/**
 * Codes are `CLAW_<AREA>_<WHAT>`. Never reuse a retired code: clients and runbooks key on them.
 * Message templates take `{name}` parameters supplied where the error is raised.
 */
export const ERRORS = {
  CLAW_PARSE_SYNTAX: {
    api: 'parse_error', status: 400, audience: 'user',
    message: { en: '{detail}', zh: '{detail}' },
    doc: 'The text is not a well-formed command (unterminated quote, stray `=`, empty input).',
  },
  CLAW_PARSE_TOO_LONG: {
    api: 'parse_error', status: 400, audience: 'user',
    message: { en: 'The command is {length} characters long; the limit is {limit}.', zh: '命令长度为 {length} 个字符，超过上限 {limit}。' },
    doc: 'The command text exceeds the maximum length.',
  },
  CLAW_PARSE_UNKNOWN_COMMAND: {
    api: 'unknown_command', status: 400, audience: 'user',
    message: { en: 'Unknown command `{command}`.', zh: '未知命令 `{command}`。' },
    doc: 'No command has these words.',
  },
  CLAW_PARSE_INCOMPLETE_COMMAND: {
    api: 'unknown_command', status: 400, audience: 'user',
    message: { en: '`claw {command}` needs a subcommand: {subcommands}.', zh: '`claw {command}` 需要子命令：{subcommands}。' },
    doc: 'The words name a command group, not a command (for example `claw tenant`).',
  },
  CLAW_PARSE_UNKNOWN_FLAG: {
    api: 'unknown_flag', status: 400, audience: 'user',
    message: { en: '`claw {command}` has no flag `{flag}`.', zh: '`claw {command}` 没有参数 `{flag}`。' },
    doc: 'A flag the command does not declare.',
  },
  CLAW_ARG_MISSING: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Missing {what}.', zh: '缺少{what}。' },
    doc: 'A required argument or flag value is missing.',
  },
  CLAW_ARG_INVALID: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Invalid {what}: {reason}', zh: '{what}无效：{reason}' },
    doc: 'An argument or flag value has the wrong form or is out of range.',
  },
  CLAW_ARG_UNEXPECTED: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Unexpected argument `{value}`.', zh: '多余的参数 `{value}`。' },
    doc: 'More positional arguments than the command takes.',
  },
  CLAW_ARG_REPEATED: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Flag `--{flag}` is given more than once.', zh: '参数 `--{flag}` 重复出现。' },
    doc: 'A single-valued flag appears twice.',
  },
  CLAW_ARG_CONFLICT: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: '`{a}` and `{b}` cannot be used together.', zh: '`{a}` 与 `{b}` 不能同时使用。' },
    doc: 'Two flags that contradict each other (`claw config set --global --tenant acme`).',
  },
  CLAW_TEMPLATE_INVALID: {
    api: 'invalid_template', status: 400, audience: 'user',
    message: { en: 'Template {template} is invalid: {reason}', zh: '模板 {template} 无效：{reason}' },
    doc: 'A template to create or edit is not valid YAML, breaks another template (extends, cycle), has a bad variable definition, or sets a variable its claw type\'s adapter does not read or reads as another type. Nothing is saved.',
  },
  CLAW_SCOPE_REQUIRED: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'This command needs a {what}.', zh: '此命令需要指定{what}。' },
    doc: 'No tenant or project was given and none can be inferred from the member or the chat.',
  },
  CLAW_AUTH_UNAUTHENTICATED: {
    api: 'unauthorized', status: 401, audience: 'user',
    message: { en: 'Missing or invalid credentials.', zh: '缺少或无效的凭据。' },
    doc: 'No bearer token, or an unknown, revoked or expired one.',
  },
  CLAW_AUTH_FORBIDDEN: {
    api: 'forbidden', status: 403, audience: 'user',
    message: { en: 'You may not run `claw {command}` on {scope} (needs {permission}).', zh: '你无权在 {scope} 上执行 `claw {command}`（需要权限 {permission}）。' },
    doc: 'The member has no role granting the permission on the target scope.',
  },
  CLAW_AUTH_ESCALATION: {
    api: 'forbidden', status: 403, audience: 'user',
    message: { en: 'You cannot grant role `{role}` on {scope}: you lack {permission} there yourself.', zh: '你不能在 {scope} 上授予角色 `{role}`：你自己没有权限 {permission}。' },
    doc: 'Granting a role with permissions the granter does not hold.',
  },
  CLAW_RATE_LIMITED: {
    api: 'rate_limited', status: 429, audience: 'user',
    message: { en: 'Too many requests; retry in {seconds} s.', zh: '请求过于频繁，请 {seconds} 秒后重试。' },
    doc: 'The token exceeded its request rate.',
  },
  CLAW_AUTH_TOO_MANY_FAILURES: {
    api: 'rate_limited', status: 429, audience: 'user',
    message: { en: 'Too many failed authentications from your address; retry in {seconds} s.', zh: '你的地址认证失败次数过多，请 {seconds} 秒后重试。' },
    doc: 'The client address failed authentication too often; refused before the token is looked up.',
  },
  CLAW_NOT_FOUND: {
    api: 'not_found', status: 404, audience: 'user',
    message: { en: '{kind} `{name}` not found.', zh: '找不到{kind} `{name}`。' },
    doc: 'The named tenant, project, member, token or role does not exist (or is not visible to you).',
  },
  CLAW_CONFLICT_EXISTS: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: '{kind} `{name}` already exists.', zh: '{kind} `{name}` 已存在。' },
    doc: 'Creating something whose name is taken.',
  },
  CLAW_CONFLICT_IN_USE: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: '{detail}', zh: '{detail}' },
    doc: 'Deleting something that still holds other things (a tenant with projects), or removing the last platform admin.',
  },
  CLAW_QUOTA_EXCEEDED: {
    api: 'quota_exceeded', status: 409, audience: 'user',
    message: {
      en: 'Quota of tenant {tenant} exceeded: {resource} in use {used}, asked {asked}, allowed {allowed}.',
      zh: '租户 {tenant} 的配额不足：{resource} 已用 {used}，本次需要 {asked}，上限 {allowed}。',
    },
    doc: 'Creating or starting an instance would exceed the tenant quota (instances, cpu, memory or storage).',
  },
  CLAW_RUNTIME_RESTRICTED: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'Claws of tenant {tenant} cannot run here. {reason}', zh: '租户 {tenant} 的实例无法在此运行。{reason}' },
    doc: 'The local runtime cannot isolate claws on this machine (not root, no bubblewrap), so it runs only the default tenant\'s.',
  },
  CLAW_RUNTIME_TYPE_UNSUPPORTED: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'The {runtime} runtime cannot run {type} claws. {reason}', zh: '{runtime} 运行时无法运行 {type} 实例。{reason}' },
    doc: 'The claw type\'s adapter declares that this runtime cannot run it (NanoClaw is not on npm, so the local runtime has nothing to install).',
  },
  CLAW_INSTANCE_AMBIGUOUS: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Instance `{name}` exists in several projects: {projects}.', zh: '多个项目中都有实例 `{name}`：{projects}。' },
    doc: 'An instance name without --project matches instances in more than one project.',
  },
  CLAW_INSTANCE_STATE: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: '{detail}', zh: '{detail}' },
    doc: 'The instance is not in a state that allows the command (restart a stopped instance, start a destroyed one).',
  },
  CLAW_INSTANCE_FAILED: {
    api: 'instance_failed', status: 409, audience: 'user',
    message: { en: '{name} failed: {reason}{message}', zh: '{name} 失败：{reason}{message}' },
    doc: 'With --wait (or in chat), the instance ended in phase Failed; the reason says why (CrashLoopBackOff, QuotaExceeded, ...).',
  },
  CLAW_WAIT_TIMEOUT: {
    api: 'timeout', status: 504, audience: 'user',
    message: { en: '{name} is still {phase} after {waited}; the operation goes on, follow it with `claw status {name}`.', zh: '{name} 在 {waited} 后仍为 {phase}；操作仍在进行，可用 `claw status {name}` 查看。' },
    doc: 'With --wait, the instance did not settle within --timeout; the change of intent stands and the reconciler continues.',
  },
  CLAW_APPROVAL_REASON_REQUIRED: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: '`claw {command}` needs approval in this tenant, and a reason: add --reason "why".', zh: '在此租户中 `claw {command}` 需要审批，并需说明原因：请加上 --reason "原因"。' },
    doc: 'The tenant policy requires a --reason for commands that wait for approval.',
  },
  CLAW_APPROVAL_SELF: {
    api: 'forbidden', status: 403, audience: 'user',
    message: { en: 'You requested #{id}; someone else must approve or reject it.', zh: '#{id} 是你发起的，需要由其他人审批。' },
    doc: 'The requester (or another identity of the requester\'s member) tried to decide on their own approval.',
  },
  CLAW_APPROVAL_CREDENTIAL: {
    api: 'forbidden', status: 403, audience: 'user',
    message: { en: 'Your decision on #{id} does not count: {reason}.', zh: '你对 #{id} 的审批不计入：{reason}。' },
    doc: 'The vote came from a credential the requester held or made: a token they created, a chat account they attached that its owner has not confirmed (`claw link` from it), or one linked with a code their credential asked for.',
  },
  CLAW_APPROVAL_GRANT: {
    api: 'forbidden', status: 403, audience: 'user',
    message: { en: 'Your decision on #{id} does not count: {reason}.', zh: '你对 #{id} 的审批不计入：{reason}。' },
    doc: 'The tenant wants independent approvers (`claw tenant policy NAME --independent-approvers on`) and the voter holds the approving role only from grants the requester made.',
  },
  CLAW_APPROVAL_CLOSED: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'Approval #{id} is {status}; it can no longer be decided.', zh: '审批 #{id} 已{status}，不能再审批。' },
    doc: 'Approving or rejecting an approval that is expired, decided, stale or already executed.',
  },
  CLAW_APPROVAL_VOTED: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'You already decided on #{id}.', zh: '你已经审批过 #{id}。' },
    doc: 'The same member approving or rejecting twice.',
  },
  CLAW_APPROVAL_STALE: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'Approval #{id} is stale: {detail}; it was not run. Request it again.', zh: '审批 #{id} 已过时：{detail}；未执行，请重新发起。' },
    doc: 'A target of an approved command changed since the request (another change, a new instance in the batch); the command does not run.',
  },
  CLAW_ROLLOUT_BUSY: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'Rollout {id} ({state}) still holds {names}: wait for it to end, or abort it with `claw rollout abort {id}`.', zh: '发布 {id}（{state}）仍占用 {names}：请等待其结束，或用 `claw rollout abort {id}` 中止。' },
    doc: 'A publish or rollback names a claw that an active rollout still holds (one active rollout per claw); the message names the rollout.',
  },
  CLAW_ROLLOUT_STATE: {
    api: 'conflict', status: 409, audience: 'user',
    message: { en: 'Rollout {id} is {state}: {detail}', zh: '发布 {id} 当前为 {state}：{detail}' },
    doc: 'Pausing, resuming or aborting a rollout whose state does not allow it (resume a completed rollout, pause one that is rolling back).',
  },
  CLAW_ROLLOUT_CONFIG: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: 'Config v{version} does not work for {count} of the claws, so nothing was published: {problems}', zh: '配置 v{version} 不适用于其中 {count} 个实例，未发布任何内容：{problems}' },
    doc: 'A publish or rollback was checked against every target before anything moved, and the claw\'s adapter refused the config for some of them; the message lists claw, path and problem.',
  },
  CLAW_CHAT_ONLY: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: { en: '`claw {command}` works in a {apps} {where}: type it there, @mentioning the bot.', zh: '`claw {command}` 只能在{apps}{where}中使用：请在那里 @机器人 发送。' },
    doc: 'A chat-only command (bind, unbind, an approval chat set to `here`) was sent from the API, CLI, web console or the wrong kind of chat.',
  },
  CLAW_DIGEST_NO_CHAT: {
    api: 'invalid_argument', status: 400, audience: 'user',
    message: {
      en: 'A digest needs a group to go to: type `claw digest subscribe` in a {apps} group, or name a group bound to tenant {tenant} with --chat PLATFORM:CHAT_ID{bound}.',
      zh: '摘要需要发送到一个群：请在{apps}群中发送 `claw digest subscribe`，或用 --chat 平台:群ID 指定一个已绑定到租户 {tenant} 的群{bound}。',
    },
    doc: '`claw digest subscribe` came from the API, CLI, web console or a direct chat without --chat, or --chat names a group not bound to the tenant.',
  },
  CLAW_RUNTIME_UNAVAILABLE: {
    api: 'unavailable', status: 503, audience: 'user',
    message: { en: 'The runtime did not answer: {detail}', zh: '运行时未响应：{detail}' },
    doc: 'Kubernetes (or the local runtime) could not be reached for logs or events; desired state is still recorded.',
  },
  CLAW_HTTP_BAD_REQUEST: {
    api: 'bad_request', status: 400, audience: 'user',
    message: { en: 'Bad request: {detail}', zh: '请求无效：{detail}' },
    doc: 'The HTTP request body or parameters do not match the route schema.',
  },
  CLAW_HTTP_BODY_TOO_LARGE: {
    api: 'payload_too_large', status: 413, audience: 'user',
    message: { en: 'The request body is larger than {limit} bytes.', zh: '请求体超过 {limit} 字节。' },
    doc: 'An HTTP request body over the size limit.',
  },
  CLAW_HTTP_ROUTE_NOT_FOUND: {
    api: 'not_found', status: 404, audience: 'user',
    message: { en: 'No route {method} {url}.', zh: '没有路由 {method} {url}。' },
    doc: 'An HTTP path the API does not serve.',
  },
  CLAW_CONFIG_INVALID: {
    api: 'invalid_config', status: 500, audience: 'user',
    message: { en: 'Invalid setting {setting}: {reason}', zh: '配置项 {setting} 无效：{reason}' },
    doc: 'A setting in configs/ or the environment is invalid; start-up stops.',
  },
  CLAW_INTERNAL_ERROR: {
    api: 'internal', status: 500, audience: 'internal',
    message: { en: 'Internal error (reference {correlationId}).', zh: '内部错误（参考编号 {correlationId}）。' },
    doc: 'A bug or an unreachable dependency; details are in the server log under the reference.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;
