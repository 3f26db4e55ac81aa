// A loopback OpenAI-compatible model server: POST /v1/chat/completions answers with a fixed reply and known token counts,
// streamed (SSE, usage in the last chunk when asked, as OpenAI does) or as one JSON body. Claws use it as their model.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelUsage {
  promptTokens: number;
  completionTokens: number;
  /** Part of the prompt served from the provider's cache (OpenAI's prompt_tokens_details.cached_tokens). */
  cachedTokens: number;
}

export interface ModelServerOptions {
  /** The model id the server answers as (any requested id is accepted and echoed). */
  model?: string;
  /** What every completion says. */
  reply?: string;
  /** Token counts every completion reports, whatever was asked. */
  usage?: Partial<ModelUsage>;
}

/** One completion the server answered: what was asked and the usage it reported. */
export interface ServedCompletion {
  model: string;
  stream: boolean;
  messages: unknown[];
  usage: ModelUsage;
  at: number;
}

export class ModelServer {
  readonly model: string;
  readonly reply: string;
  readonly usage: ModelUsage;
  /** Every chat completion answered, in order. */
  readonly completions: ServedCompletion[] = [];
  /** Every request, e.g. `GET /v1/models`. */
  readonly requests: Array<{ method: string; path: string }> = [];
  private server: Server | undefined;
  private port = 0;

  constructor(options: ModelServerOptions = {}) {
    this.model = options.model ?? 'qwen3-32b';
    this.reply = options.reply ?? 'pong';
    this.usage = { promptTokens: 1200, completionTokens: 34, cachedTokens: 0, ...options.usage };
  }

  /** `http://127.0.0.1:PORT/v1`: what a claw takes as its model's base URL. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Totals of every completion served so far, as the provider reported them. */
  served(): ModelUsage & { calls: number } {
    return this.completions.reduce(
      (sum, c) => ({
        calls: sum.calls + 1, promptTokens: sum.promptTokens + c.usage.promptTokens, completionTokens: sum.completionTokens + c.usage.completionTokens,
        cachedTokens: sum.cachedTokens + c.usage.cachedTokens,
      }),
      { calls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ method: req.method ?? 'GET', path });
    if (req.method === 'GET' && path === '/v1/models') {
      return json(res, 200, { object: 'list', data: [{ id: this.model, object: 'model', created: 0, owned_by: 'emulator' }] });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    const body = JSON.parse((await readBody(req)) || '{}') as { model?: string; stream?: boolean; messages?: unknown[]; stream_options?: { include_usage?: boolean } };
    if (!Array.isArray(body.messages) || body.messages.length === 0) return json(res, 400, { error: { message: 'messages is required', type: 'invalid_request_error' } });
    const model = body.model ?? this.model;
    const usage = { ...this.usage };
    const stream = body.stream === true;
    this.completions.push({ model, stream, messages: body.messages, usage, at: Date.now() });
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const openAiUsage = {
      prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    };
    if (!stream) {
      return json(res, 200, {
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: this.reply }, finish_reason: 'stop' }],
        usage: openAiUsage,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: object = {}) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (const piece of this.reply.match(/.{1,8}/gsu) ?? []) chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    // OpenAI sends usage in a last chunk without choices when stream_options.include_usage is set; some clients read
    // it from the finish chunk, so it goes out whenever asked and also when nothing was said about it.
    if (body.stream_options?.include_usage !== false) chunk([], { usage: openAiUsage });
    res.write('data: [DONE]\n\n');
    res.end();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
