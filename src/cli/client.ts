// The `claw` terminal client's logic: turns argv into command text, sends it to POST /api/v1/commands, prints the answer.
import { quote } from '../api/command-text.js';

const USAGE = `Usage: claw [--json] COMMAND [ARGS] [FLAGS]

Runs a command on an Open Cluster Claw control plane, e.g.
  claw whoami
  claw tenant create acme
  claw help

Environment:
  CLAW_URL     control plane address (default http://127.0.0.1:8080)
  CLAW_TOKEN   your API token (the first start prints an admin token and saves it in data/admin-token)
  CLAW_LOCALE  reply language, en or zh (default en)

Options:
  --json       print the full JSON answer instead of text
`;

/** Re-quotes argv so that what the shell split (`--display-name=Acme Corp`) reaches the server as the user meant it. */
export function argvToText(argv: readonly string[]): string {
  const parts = argv.map((arg) => {
    const flagAssign = /^(--[^=\s"']+=)([\s\S]*)$/.exec(arg);
    if (flagAssign) return flagAssign[1] + (needsQuotes(flagAssign[2]!) ? quote(flagAssign[2]!) : flagAssign[2]!);
    return needsQuotes(arg) ? quote(arg) : arg;
  });
  return ['claw', ...parts].join(' ');
}

function needsQuotes(value: string): boolean {
  return value === '' || /[\s"'\\]/.test(value);
}

interface Answer {
  ok: boolean;
  text?: string;
  error?: { code: string; message: string };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  if (args.length === 0 || (args.length === 1 && (args[0] === '--usage'))) {
    out.write(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const base = (env.CLAW_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = env.CLAW_TOKEN;
  if (!token) {
    err.write('claw: CLAW_TOKEN is not set. Use the token printed at the first start (saved in data/admin-token), or create one with `claw token create`.\n');
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(`${base}/api/v1/commands`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-claw-client': 'cli',
        ...(env.CLAW_LOCALE ? { 'x-claw-locale': env.CLAW_LOCALE } : {}),
      },
      body: JSON.stringify({ text: argvToText(args) }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    err.write(`claw: cannot reach the control plane at ${base}: ${reason}\nIs it running (npm start)? Is CLAW_URL right?\n`);
    return 2;
  }
  const raw = await response.text();
  let answer: Answer;
  try {
    answer = JSON.parse(raw) as Answer;
  } catch {
    err.write(`claw: unexpected answer from ${base} (HTTP ${response.status}): ${raw.slice(0, 200)}\n`);
    return 2;
  }
  if (json) out.write(`${JSON.stringify(answer, null, 2)}\n`);
  else (answer.ok ? out : err).write(`${answer.text ?? answer.error?.message ?? ''}\n`);
  if (answer.ok) return 0;
  return response.status === 401 ? 2 : 1;
}
