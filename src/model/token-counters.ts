// Token counts of a claw's model calls, as claws report them and as usage is stored and summed.

export interface TokenCounters {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  totalTokens: number;
  /** The cost the claw computed; 0 when it knows no price (configs/prices.yaml then gives an estimate). */
  cost: number;
}
