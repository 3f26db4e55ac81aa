// Remembers whether each chat seen is a group or a direct chat: card clicks name the chat but not its kind.

const MAX_CHATS = 10_000;

export class ChatKinds {
  private readonly kinds = new Map<string, 'group' | 'direct'>();

  remember(chatId: string, kind: 'group' | 'direct'): void {
    this.kinds.delete(chatId);
    if (this.kinds.size >= MAX_CHATS) {
      const oldest = this.kinds.keys().next().value;
      if (oldest !== undefined) this.kinds.delete(oldest);
    }
    this.kinds.set(chatId, kind);
  }

  /** Group when unseen: approval cards mostly live in groups, and a group address is the safe reading of a click. */
  kindOf(chatId: string): 'group' | 'direct' {
    return this.kinds.get(chatId) ?? 'group';
  }
}
