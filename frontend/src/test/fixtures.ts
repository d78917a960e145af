import type { Balance, Model, SelectionEntry } from '../api/types';

export function model(id: string, name: string, provider: string, extra: Partial<Model> = {}): Model {
  return {
    id,
    name,
    provider,
    description: '',
    context_length: 128000,
    pricing: { prompt_cost: '$0.15/1M tokens', completion_cost: '$0.60/1M tokens', prompt: '0.00000015', completion: '0.0000006' },
    capabilities: ['text'],
    ...extra,
  };
}

export const textModels: Model[] = [
  model('openai/gpt-3.5-turbo', 'OpenAI: GPT-3.5 Turbo', 'OpenAI', { context_length: 16385 }),
  model('openai/gpt-4o-mini', 'OpenAI: GPT-4o-mini', 'OpenAI'),
  model('anthropic/claude-3-haiku', 'Anthropic: Claude 3 Haiku', 'Anthropic', { context_length: 200000 }),
  model('meta-llama/llama-3.1-8b-instruct', 'Meta: Llama 3.1 8B Instruct', 'Meta', {
    context_length: 131072,
    pricing: { prompt_cost: 'free', completion_cost: 'free' },
  }),
  model('google/gemini-2.0-flash-001', 'Google: Gemini 2.0 Flash', 'Google', {
    context_length: 1048576,
    pricing: { prompt_cost: '$0.10/1M tokens', completion_cost: '$0.40/1M tokens', image_cost: '$0.0000258/image', request_cost: '$0.001/request' },
  }),
];

export function entry(modelId: string, extra: Partial<SelectionEntry> = {}): SelectionEntry {
  return {
    type: 'text',
    model_id: modelId,
    saved: false,
    recommended: true,
    available: true,
    saved_at: null,
    model: textModels.find((m) => m.id === modelId) ?? null,
    ...extra,
  };
}

export const knownBalance: Balance = {
  balance: 239.26104433,
  usage: 60.73895567,
  formatted_balance: '$239.26',
  formatted_usage: '$60.74',
  balance_known: true,
  credits_known: true,
  total_credits: 300,
  formatted_total_credits: '$300.00',
  limit: null,
  limit_remaining: null,
  usage_daily: 0,
  usage_weekly: 0,
  usage_monthly: 0,
  is_free_tier: false,
  rate_limit: { requests: -1, interval: '10s' },
};

export const unknownCreditsBalance: Balance = {
  balance: 0,
  usage: 1.25,
  formatted_balance: '',
  formatted_usage: '$1.25',
  balance_known: false,
  credits_known: false,
  total_credits: null,
  formatted_total_credits: '',
  limit: null,
  limit_remaining: null,
  is_free_tier: true,
  rate_limit: { requests: -1, interval: '10s' },
};

/** A key with a monthly spending limit, on the free tier, with some usage in each period. */
export const limitedKeyBalance: Balance = {
  ...knownBalance,
  limit: 10,
  limit_remaining: 7.5,
  limit_reset: 'monthly',
  usage_daily: 0.004314447,
  usage_weekly: 1.2,
  usage_monthly: 2.5,
  is_free_tier: true,
};

/** What a server from before the key's own figures sent: no limit, usage periods or tier. */
export const olderServerBalance: Balance = {
  balance: 25.5,
  usage: 4.5,
  formatted_balance: '$25.50',
  formatted_usage: '$4.50',
  rate_limit: { requests: -1, interval: '10s' },
};
