// The model price table (configs/prices.yaml): read and checked at start, it estimates a cost where a claw reports none.
import { readYamlFile } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import type { TokenCounters } from '../../store/entities/usage-token-day.js';
import { configPath } from '../../util/package-root.js';

/** Prices per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

const PRICE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;
const MILLION = 1_000_000;

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class PriceTable {
  constructor(
    /** ISO 4217 code, e.g. CNY: every cost `claw usage` shows is in it. */
    readonly currency: string,
    private readonly models: ReadonlyMap<string, ModelPrice>,
  ) {}

  /** Reads and checks the file: a typo stops the start naming the key, never prices a model at 0 unnoticed. */
  static load(file = configPath('prices.yaml')): PriceTable {
    const doc = readYamlFile(file);
    if (!isMapping(doc)) fail(file, 'expected a mapping with currency and models');
    const extra = Object.keys(doc).filter((k) => k !== 'currency' && k !== 'models');
    if (extra.length) fail(file, `unknown key ${extra.join(', ')} (expected currency and models)`);
    if (typeof doc.currency !== 'string' || !/^[A-Z]{3}$/.test(doc.currency)) fail(file, 'currency must be a three-letter code such as CNY or USD');
    const models = new Map<string, ModelPrice>();
    if (doc.models !== undefined && doc.models !== null && !isMapping(doc.models)) fail(file, 'models must map model ids to prices');
    for (const [model, raw] of Object.entries(doc.models ?? {})) {
      if (!isMapping(raw)) fail(file, `models.${model} must be a mapping of ${PRICE_KEYS.join(', ')}`);
      const unknown = Object.keys(raw).filter((k) => !(PRICE_KEYS as readonly string[]).includes(k));
      if (unknown.length) fail(file, `models.${model}: unknown key ${unknown.join(', ')} (prices are ${PRICE_KEYS.join(', ')} per million tokens)`);
      const price = {} as ModelPrice;
      for (const key of PRICE_KEYS) {
        const value = raw[key] ?? 0;
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(file, `models.${model}.${key} must be a number >= 0 (per million tokens)`);
        price[key] = value;
      }
      models.set(model, price);
    }
    return new PriceTable(doc.currency, models);
  }

  price(model: string): ModelPrice | undefined {
    return this.models.get(model);
  }

  /** The cost of these tokens at the table's prices, or undefined for a model the table does not list. */
  estimate(model: string, tokens: Omit<TokenCounters, 'cost' | 'totalTokens'>): number | undefined {
    const p = this.models.get(model);
    if (!p) return undefined;
    return (tokens.inputTokens * p.input + tokens.outputTokens * p.output + tokens.cacheReadTokens * p.cacheRead + tokens.cacheWriteTokens * p.cacheWrite) / MILLION;
  }
}
