// The `claw` terminal client's logic: turns argv into command text, sends it to POST /api/v1/commands, prints the answer.
import { readFileSync } from 'node:fs';
import { quote } from '../api/command-text.js';
import { truncateDisplay } from '../util/display-width.js';

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

/** The file a command's `--file PATH` names (`--file -` is standard input): the CLI reads it and sends it beside the text. */
export function fileArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--file') return argv[i + 1];
    if (arg.startsWith('--file=')) return arg.slice('--file='.length);
  }
  return undefined;
}

const NDJSON = 'application/x-ndjson';
/** Reaching the server and its first answer; a command that waits streams progress, and that has no time limit here. */
const CONNECT_TIMEOUT_MS = 120_000;

interface Answer {
  ok: boolean;
  /** The HTTP status of a streamed answer (its response status is 200 from the first progress line on). */
  status?: number;
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
  const file = fileArgument(args);
  let attachment: string | undefined;
  if (file !== undefined) {
    try {
      attachment = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      err.write(`claw: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  // The timeout covers reaching the server and its first answer; a streamed answer then runs as long as the command.
  const connect = new AbortController();
  const connectTimer = setTimeout(() => connect.abort(), CONNECT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(`${base}/api/v1/commands`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: `${NDJSON}, application/json`,
        authorization: `Bearer ${token}`,
        'x-claw-client': 'cli',
        ...(env.CLAW_LOCALE ? { 'x-claw-locale': env.CLAW_LOCALE } : {}),
      },
      body: JSON.stringify({ text: argvToText(args), ...(attachment !== undefined ? { attachment } : {}) }),
      signal: connect.signal,
    });
  } catch (error) {
    const reason = connect.signal.aborted
      ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    err.write(`claw: cannot reach the control plane at ${base}: ${reason}\nIs it running (npm start)? Is CLAW_URL right?\n`);
    return 2;
  } finally {
    clearTimeout(connectTimer);
  }
  let answer: Answer;
  let status = response.status;
  if ((response.headers.get('content-type') ?? '').startsWith(NDJSON)) {
    const printer = progressPrinter(err);
    const last = await readProgress(response, (line) => printer.show(line));
    printer.clear();
    if (!last) {
      err.write('claw: the connection to the control plane closed before the command finished; it may still complete (see `claw status`).\n');
      return 1;
    }
    answer = last;
    status = last.status ?? status;
  } else {
    const raw = await response.text();
    try {
      answer = JSON.parse(raw) as Answer;
    } catch {
      err.write(`claw: unexpected answer from ${base} (HTTP ${response.status}): ${raw.slice(0, 200)}\n`);
      return 2;
    }
  }
  if (json) out.write(`${JSON.stringify(answer, null, 2)}\n`);
  else (answer.ok ? out : err).write(`${answer.text ?? answer.error?.message ?? ''}\n`);
  if (answer.ok) return 0;
  return status === 401 ? 2 : 1;
}

/** On a terminal, progress is one line rewritten in place and cleared before the answer; elsewhere, a line per step. */
function progressPrinter(err: NodeJS.WritableStream): { show(line: string): void; clear(): void } {
  const terminal = err as Partial<NodeJS.WriteStream>;
  if (!terminal.isTTY) return { show: (line) => err.write(`${line}\n`), clear: () => undefined };
  const CLEAR_LINE = '\r\x1b[2K';
  let shown = false;
  return {
    show(line) {
      err.write(`${CLEAR_LINE}${truncateDisplay(line, Math.max(20, (terminal.columns ?? 80) - 1))}`);
      shown = true;
    },
    clear() {
      if (shown) err.write(CLEAR_LINE);
      shown = false;
    },
  };
}

/** Reads an NDJSON answer: progress lines go to `onProgress` as they come; the envelope (the last line) is returned. */
async function readProgress(response: Response, onProgress: (line: string) => void): Promise<Answer | undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let last: Answer | undefined;
  const take = (line: string) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as Answer & { progress?: string };
    if (typeof message.progress === 'string') onProgress(message.progress);
    else last = message;
  };
  try {
    for await (const chunk of response.body ?? []) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        take(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    }
    take(buffer);
  } catch {
    // A connection cut mid-answer: what arrived is all there is.
  }
  return last;
}
