/**
 * Estimated cost of an LLM call (SR-API-002): tokens times the model's price. Prices are USD per million tokens;
 * `ai.prices` in the config adds to and overrides the built-in table below (list prices as the vendors published them
 * in 2025: check your contract). A provider that reports its own cost (OpenCode's `info.cost`) is believed; a model
 * with no known price has an unknown (null) cost, never a made-up one; a local Ollama model costs nothing.
 */
import type { ModelPrice } from '../../config/ai-settings.js';
import type { ProviderType } from './types.js';

export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'grok-code-fast-1': { input: 0.2, output: 1.5 },
  'grok-3-mini': { input: 0.3, output: 0.5 },
  'grok-4-fast': { input: 0.2, output: 0.5 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
};

/** The price of `model`: config first, then the built-in table; exact id, then without `provider/`, then the longest prefix. */
export function priceOf(model: string, prices: Readonly<Record<string, ModelPrice>>): ModelPrice | null {
  const bare = model.includes('/') ? model.slice(model.indexOf('/') + 1) : model;
  for (const table of [prices, BUILT_IN_PRICES]) {
    const exact = table[model] ?? table[bare];
    if (exact) return exact;
  }
  for (const table of [prices, BUILT_IN_PRICES]) {
    // `claude-3-5-haiku-20241022` is priced as `claude-3-5-haiku`.
    const prefix = Object.keys(table)
      .filter((key) => bare.startsWith(`${key}-`) || bare.startsWith(`${key}:`))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix) return table[prefix]!;
  }
  return null;
}

export interface CostInput {
  providerType: ProviderType;
  model: string;
  tokensIn: number | null;
  tokensOut: number | null;
  reportedCostUsd: number | null;
}

/** USD, or null when neither the provider nor a price says. */
export function callCostUsd(call: CostInput, prices: Readonly<Record<string, ModelPrice>>): number | null {
  if (call.reportedCostUsd !== null && call.reportedCostUsd > 0) return call.reportedCostUsd;
  const price = priceOf(call.model, prices);
  if (!price) return call.providerType === 'ollama' ? 0 : null;
  return ((call.tokensIn ?? 0) * price.input + (call.tokensOut ?? 0) * price.output) / 1_000_000;
}
