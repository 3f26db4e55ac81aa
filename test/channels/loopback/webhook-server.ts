// A stand-in for the control plane's POST /webhooks/<platform> route, for tests that run a channel without one: the raw
// body and headers go to channel.handleWebhook untouched, its answer goes back as JSON.
import type { Server } from 'node:http';
import type { ChatChannel } from '../../../src/channels/chat-channel.js';
import { listenOnLoopback, parseUrl, readBody, rejectUpgrade, sendJson } from '../../emulators/emulator-kit.js';

export interface WebhookServer {
  /** Where the platform posts its events. */
  url: string;
  close(): Promise<void>;
}

export async function serveWebhook(channel: ChatChannel): Promise<WebhookServer> {
  const handle = channel.handleWebhook?.bind(channel);
  if (!handle) throw new Error(`the ${channel.platform} channel has no webhook`);
  const path = `/webhooks/${channel.platform}`;
  const { server, baseUrl } = await listenOnLoopback(
    async (req, res) => {
      const { raw } = await readBody(req);
      if (req.method !== 'POST' || parseUrl(req).path !== path) return sendJson(res, 404, { error: { code: 'not_found', message: 'no such route' } });
      const answer = await handle({ headers: req.headers, rawBody: raw });
      sendJson(res, answer.status, answer.body ?? {});
    },
    (_req, socket) => rejectUpgrade(socket, 404),
    (err) => ({ error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }),
  );
  return { url: `${baseUrl}${path}`, close: () => closeServer(server) };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
