// The channel's connection state as status() reports it: connected or not, why, and since when.
import type { ChannelStatus } from '../chat-channel.js';

export class ConnectionStatus {
  private connected = false;
  private detail = 'not started';
  private since = new Date();

  constructor(private readonly mode: string) {}

  /** `since` moves only when `connected` flips: a new reason for the same state is not a new state. */
  set(connected: boolean, detail: string): void {
    if (connected !== this.connected) this.since = new Date();
    this.connected = connected;
    this.detail = detail;
  }

  snapshot(): ChannelStatus {
    return { platform: 'feishu', mode: this.mode, connected: this.connected, detail: this.detail, since: this.since };
  }
}
