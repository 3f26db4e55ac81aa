// What the layers below the channels know of the chat platforms: their names, how people call them, and the flag that
// names an account on each (`--feishu OPEN_ID`). The composition root builds one PlatformDirectory from the platform
// modules it runs (src/channels/platforms.ts) and hands it down; nothing below the channels lists platforms by name.
import type { Text } from '../i18n/locale.js';

/** A platform's name as stored (chat identities, bindings, inbound events, outbox): lowercase, also its flag and webhook path. */
export type ChatPlatform = string;

export interface PlatformFacts {
  /** `feishu`: stored on accounts and bindings, the flag `--feishu`, the route `/webhooks/feishu`. */
  name: ChatPlatform;
  /** How people call it: Feishu / 飞书. */
  label: Text;
  /** The account id `member add|link --<name>` takes. */
  account: {
    /** What the help calls the value: OPEN_ID. */
    valueName: string;
    help: Text;
    /** An id of the platform's form, for examples. */
    example: string;
  };
  /** The environment variables that turn it on together (its app's credentials), for the hint when no channel is on. */
  credentials: readonly string[];
}

const NAME = /^[a-z][a-z0-9]{1,19}$/;

export class PlatformDirectory {
  private readonly byName = new Map<string, PlatformFacts>();

  constructor(platforms: readonly PlatformFacts[]) {
    for (const platform of platforms) {
      if (!NAME.test(platform.name)) throw new Error(`chat platform "${platform.name}": a name is 2-20 lowercase letters and digits`);
      if (this.byName.has(platform.name)) throw new Error(`chat platform "${platform.name}" is registered twice`);
      this.byName.set(platform.name, platform);
    }
  }

  get all(): readonly PlatformFacts[] {
    return [...this.byName.values()];
  }

  get(name: string): PlatformFacts | undefined {
    return this.byName.get(name);
  }

  /** Every platform by its label, as a sentence lists them: "Feishu or DingTalk", "飞书或钉钉". */
  labels(): Text {
    const join = (words: string[], or: string, comma: string) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(comma)}${or}${words.at(-1)}`);
    return { en: join(this.all.map((p) => p.label.en), ' or ', ', '), zh: join(this.all.map((p) => p.label.zh), '或', '、') };
  }

  /** How people call the platform; an unknown one (a row from a platform no longer built in) by its name. */
  label(name: string): Text {
    return this.byName.get(name)?.label ?? { en: name, zh: name };
  }
}
