// What commands may know about the chat channels: which are on and connected, and how the outbox is doing.
// Platform-neutral on purpose: nothing below the dispatcher sees the channels themselves.

export interface ChannelReport {
  platform: string;
  /** How it receives: websocket, webhook, stream. */
  mode: string;
  connected: boolean;
  detail?: string;
  since?: Date;
}

export interface OutboxReport {
  pending: number;
  failed: number;
  /** Age of the oldest message still to deliver, 0 when none. */
  oldestPendingMs: number;
}

export interface ChannelDirectory {
  /** Configured channels only; an empty list means none has credentials. */
  channels(): ChannelReport[];
  outbox(): Promise<OutboxReport>;
}
