/**
 * One provider object per `ai.providers` entry, in chain order. Switching providers is a config change (SR-API-001).
 */
import type { LlmProvider, ProviderDeps, ProviderSettings } from '../types.js';
import { createAnthropicProvider } from './anthropic.js';
import { createOllamaProvider } from './ollama.js';
import { createOpenAiProvider } from './openai.js';
import { createOpencodeProvider, type OpencodeDeps } from './opencode.js';

export function createProvider(settings: ProviderSettings, deps: OpencodeDeps = {}): LlmProvider {
  switch (settings.type) {
    case 'openai':
      return createOpenAiProvider(settings, deps);
    case 'anthropic':
      return createAnthropicProvider(settings, deps);
    case 'ollama':
      return createOllamaProvider(settings, deps);
    case 'opencode':
      return createOpencodeProvider(settings, deps);
  }
}

export function createProviders(settings: readonly ProviderSettings[], deps: OpencodeDeps = {}): LlmProvider[] {
  return settings.map((s) => createProvider(s, deps));
}

export type { ProviderDeps };
