// Shapes of the aimodels HTTP API (see DESIGN.md, "HTTP API").

export type ModelType = 'text' | 'image' | 'audio';
export const MODEL_TYPES: ModelType[] = ['text', 'image', 'audio'];

export interface Pricing {
  prompt_cost?: string;
  completion_cost?: string;
  image_cost?: string;
  request_cost?: string;
  prompt?: string;
  completion?: string;
}

export interface Model {
  id: string;
  name: string;
  description?: string;
  context_length?: number;
  pricing?: Pricing;
  provider?: string;
  capabilities?: string[];
  input_modalities?: string[];
  output_modalities?: string[];
}

export type Catalog = Record<ModelType, Model[]>;

export interface CatalogResult {
  catalog: Catalog;
  stale: boolean;
  fetchedAt: string | null;
}

export interface SelectionEntry {
  type: ModelType;
  model_id: string;
  saved: boolean;
  recommended: boolean;
  available: boolean;
  /** Whether `available` was checked against the catalog; absent from older servers and when there is no model. */
  availability?: 'available' | 'unavailable' | 'unknown';
  saved_at: string | null;
  model: Model | null;
}

export type Selection = Record<ModelType, SelectionEntry>;

/** The periods OpenRouter resets a key's limit on; a newer upstream may send another word. */
export type LimitReset = 'daily' | 'weekly' | 'monthly' | (string & {});

export interface Balance {
  balance: number;
  usage: number;
  formatted_balance: string;
  formatted_usage: string;
  balance_known?: boolean;
  credits_known?: boolean;
  total_credits?: number | null;
  formatted_total_credits?: string;
  /** The key's spending limit in USD; null when the key has none. Absent from older servers. */
  limit?: number | null;
  /** What the key may still spend under its limit, in USD; null without a limit. */
  limit_remaining?: number | null;
  /** When the key's limit starts over; absent (or null) when it never does. */
  limit_reset?: LimitReset | null;
  /** USD spent by this key in the current UTC day, week and month. */
  usage_daily?: number;
  usage_weekly?: number;
  usage_monthly?: number;
  is_free_tier?: boolean;
  rate_limit?: { requests?: number; interval?: string } | null;
}

export type TestStatus =
  | 'success'
  | 'no_key'
  | 'invalid_key'
  | 'insufficient_credits'
  | 'rate_limited'
  | 'network_error'
  | 'timeout'
  | 'upstream_error'
  | 'key_unreadable';

export interface TestResult {
  success: boolean;
  message: string;
  status: TestStatus | string;
}

export interface KeyStatus {
  provider: string;
  configured: boolean;
  masked?: string;
  updated_at?: string | null;
}

export interface Prompt {
  id: number;
  name: string;
  type: ModelType;
  text: string;
  created_at: string;
  updated_at: string;
}

export interface PromptInput {
  name: string;
  type: ModelType;
  text: string;
}
