// The command text of an incoming message: `text` messages as typed, `post` (rich text) flattened; nothing else carries commands.

type PostElement = { tag?: unknown; text?: unknown; user_id?: unknown; user_name?: unknown };
type PostBody = { title?: unknown; content?: unknown };

function postElementText(el: PostElement): string {
  switch (el.tag) {
    case 'text':
    case 'a':
    case 'code_block':
      return typeof el.text === 'string' ? el.text : '';
    case 'at':
      // Keep Feishu's `@_user_N` placeholder, as in text messages, so the pipeline strips both alike.
      if (typeof el.user_id === 'string' && el.user_id.startsWith('@_')) return el.user_id;
      return typeof el.user_name === 'string' ? `@${el.user_name}` : '';
    default:
      return '';
  }
}

/** A post's paragraphs as lines; the content is either the post itself or keyed by locale (zh_cn, en_us, ...). */
function postText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  let post = body as PostBody;
  if (!Array.isArray(post.content)) {
    const localized = Object.values(body as Record<string, unknown>).find(
      (v): v is PostBody => typeof v === 'object' && v !== null && Array.isArray((v as PostBody).content),
    );
    if (!localized) return undefined;
    post = localized;
  }
  const paragraphs = post.content as unknown[];
  return paragraphs
    .map((p) => (Array.isArray(p) ? (p as PostElement[]).map(postElementText).join('') : ''))
    .join('\n')
    .trim();
}

/** The text of a message, or undefined for message types that carry no command (images, files, stickers, cards). */
export function messageText(messageType: string, content: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (messageType === 'text') {
    const text = (body as { text?: unknown } | null)?.text;
    return typeof text === 'string' ? text : undefined;
  }
  if (messageType === 'post') return postText(body);
  return undefined;
}
