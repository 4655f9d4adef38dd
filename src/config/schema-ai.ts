/**
 * The `ai` section: the optional LLM analysis (docs/ai.md). The original's `ai.opencode` block keeps working: with no
 * `ai.providers`, a written `ai.opencode` block is a one-provider chain. API keys and passwords are only accepted as
 * `${VAR}` references (checked in ai-settings.ts, where the loader knows which values came from the environment).
 */
import { z } from 'zod';
import { describeValue } from './config-path.js';
import { PROVIDER_TYPES } from '../analyze/llm/types.js';
import { boolean, decimal, duration, integer, nonEmptyText, oneOf, patternText, seconds, text, textList } from './schema-primitives.js';

export const DEFAULT_PREFERRED_MODELS = [
  'grok/grok-beta',
  'anthropic/claude-3-5-sonnet',
  'openai/gpt-4',
  'ollama/llama3.1',
];

const url = () => patternText(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL such as http://127.0.0.1:11434');

const opencodeSchema = z
  .strictObject({
    host: nonEmptyText().default('localhost').describe('OpenCode server host. Default localhost.'),
    port: integer(1, 65535).default(4096).describe('OpenCode server port. Default 4096.'),
    auto_start: boolean().default(true).describe('Start `opencode serve` when no server answers. Default true.'),
    preferred_models: textList({ splitCommas: false })
      .default(DEFAULT_PREFERRED_MODELS)
      .describe('provider/model ids to try, in order; the first the server offers is used.'),
    command: nonEmptyText().optional().describe('The opencode executable for auto_start. Default `opencode` on PATH.'),
    password: text().optional().describe('The server\'s HTTP password (OPENCODE_SERVER_PASSWORD); only as ${VAR}.'),
    keep_running: boolean().optional().describe('Leave a server dthostmon started running after the pass. Default false.'),
  })
  .describe('OpenCode server of the original config (used when ai.providers is not set).');

const providerSchema = z
  .strictObject({
    type: oneOf(PROVIDER_TYPES).describe('opencode, openai (any OpenAI-compatible API), anthropic or ollama.'),
    name: patternText(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'expected a short name (letters, digits, _ . -)')
      .optional()
      .describe('Label in reports and the store. Default the type.'),
    base_url: url()
      .optional()
      .describe(
        'API base URL. Defaults: openai https://api.openai.com/v1, anthropic https://api.anthropic.com, ollama http://127.0.0.1:11434, opencode http://localhost:4096.',
      ),
    model: nonEmptyText().optional().describe('Model id (openai, anthropic, ollama; required for them).'),
    models: textList({ splitCommas: false }).optional().describe('opencode: provider/model ids in order of preference.'),
    api_key: text().optional().describe('API key, only as an environment reference: api_key: "${OPENAI_API_KEY}".'),
    headers: z
      .record(z.string(), text(), { error: (issue) => `expected a map of header: value, got ${describeValue(issue.input)}` })
      .optional()
      .describe('Extra HTTP headers (a proxy\'s); their values are treated as secrets.'),
    timeout: seconds().optional().describe('Seconds for one analysis call, retries included. Default ai.timeout (120).'),
    retries: integer(0, 10).optional().describe('Retries on 429, 5xx and connection errors. Default 3.'),
    requests_per_minute: integer(1, 100_000).optional().describe('Rate limit of this provider within a pass. Default none.'),
    json_mode: oneOf(['auto', 'on', 'off']).optional().describe('Ask for a JSON answer where the API supports it. Default auto.'),
    auto_start: boolean().optional().describe('opencode: start `opencode serve` when none answers. Default false.'),
    command: nonEmptyText().optional().describe('opencode: the executable for auto_start. Default `opencode`.'),
    password: text().optional().describe('opencode: the server password (OPENCODE_SERVER_PASSWORD), only as ${VAR}.'),
    agent: nonEmptyText().optional().describe('opencode: agent to run as (one with tools off). Default ours on a server we start.'),
    keep_running: boolean().optional().describe('opencode: leave a server we started running. Default false.'),
  })
  .superRefine((p, ctx) => {
    if (p.type !== 'opencode' && !p.model) ctx.addIssue({ code: 'custom', path: ['model'], message: `required for a provider of type ${p.type}` });
    if (p.type !== 'opencode') {
      for (const key of ['models', 'auto_start', 'command', 'password', 'agent', 'keep_running'] as const) {
        if (p[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `only for type opencode (this provider is ${p.type})` });
      }
    } else if (p.model !== undefined && p.models !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'give either model or models, not both' });
    }
  })
  .describe('One LLM provider; the chain is tried in order until one answers.');

const priceSchema = z
  .strictObject({
    input: decimal(0, 10_000, 'USD per million input tokens').describe('USD per million input tokens.'),
    output: decimal(0, 10_000, 'USD per million output tokens').describe('USD per million output tokens.'),
  })
  .describe('Price of a model in USD per million tokens.');

export const aiSchema = z
  .strictObject({
    enabled: boolean()
      .optional()
      .describe('Turn the AI analysis off (false) without removing its settings. Default: on when providers or opencode are set.'),
    providers: z
      .array(providerSchema, { error: (issue) => `expected a list of providers, got ${describeValue(issue.input)}` })
      .optional()
      .describe('LLM providers tried in order (switching is a config change).'),
    opencode: opencodeSchema.optional(),
    host_input_tokens: integer(500, 200_000).default(4000).describe('Input token budget per host and pass. Default 4000.'),
    pass_input_tokens: integer(500, 50_000_000)
      .default(200_000)
      .describe('Input token budget of a whole pass; hosts beyond it stay rules-only. Default 200000.'),
    max_output_tokens: integer(100, 32_000).default(1200).describe('Answer token limit per call. Default 1200.'),
    timeout: seconds().default(120).describe('Seconds for one call, retries included. Default 120.'),
    cache_ttl: duration().default(86_400).describe('Reuse the answer to the same input for this long. Default 24h.'),
    summary_interval: duration()
      .default(86_400)
      .describe('A host with open findings but nothing new is summarized again after this long (0 = never). Default 24h.'),
    max_severity: oneOf(['info', 'warn', 'crit'])
      .default('warn')
      .describe('Highest severity an AI finding may have (rules alone decide crit by default). Default warn.'),
    prices: z
      .record(z.string(), priceSchema, { error: (issue) => `expected a map of model: {input, output}, got ${describeValue(issue.input)}` })
      .default({})
      .describe('USD per million tokens by model id (adds to and overrides the built-in table).'),
  })
  .describe('Optional LLM analysis: it explains and connects the rule findings, never replaces them.');
