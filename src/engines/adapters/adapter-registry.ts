// The claw types this control plane runs, by type name; unknown types get a clear error with the known ones.
import { ClawError } from '../../errors/claw-error.js';
import type { ClawAdapter } from './claw-adapter.js';

export class AdapterRegistry {
  private readonly adapters = new Map<string, ClawAdapter>();

  constructor(adapters: readonly ClawAdapter[]) {
    for (const adapter of adapters) {
      if (this.adapters.has(adapter.type)) throw new Error(`two adapters claim the claw type "${adapter.type}"`);
      this.adapters.set(adapter.type, adapter);
    }
  }

  types(): string[] {
    return [...this.adapters.keys()];
  }

  get(type: string): ClawAdapter {
    const adapter = this.adapters.get(type);
    if (!adapter) {
      throw new ClawError('CLAW_ARG_INVALID', {
        what: { en: 'claw type', zh: '实例类型' },
        reason: { en: `"${type}" is not supported; supported types: ${this.types().join(', ')}`, zh: `不支持 "${type}"；支持的类型：${this.types().join('、')}` },
      });
    }
    return adapter;
  }
}
