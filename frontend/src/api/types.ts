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
  /** The provider's id (an id's author) and the one display name the catalog uses for it. */
  provider_id?: string;
  provider_name?: string;
  max_output_tokens?: number | null;
  supported_parameters?: string[];
  /** Unix seconds. */
  created?: number;
  /** The model a variant (":free", ":beta", …) belongs to; its own id when it is no variant. */
  base_model?: string;
  /** "" for the base model, else the variant's suffix ("free", "beta", …). */
  variant?: string;
  is_free?: boolean;
  /** The model's page on OpenRouter. */
  url?: string;
  /** Per type, the prices that matter for it, the relevant one first. */
  prices?: Partial<Record<ModelType, PriceEntry[]>>;
  /** Per type, the decimal the price sort uses. */
  sort_price?: Partial<Record<ModelType, string>>;
  /** Every price the model has. */
  all_prices?: PriceEntry[];
}

/** What a price is charged for; null when OpenRouter documents no unit for the field. */
export type PriceUnit = 'token' | 'audio_token' | 'image_token' | 'image' | 'request' | 'minute' | 'second' | 'search' | null;

/** One price of a model: its pricing field, the exact USD per unit as a decimal string, the unit. */
export interface PriceEntry {
  field: string;
  usd: string;
  unit: PriceUnit | (string & {});
  /** The server's English rendering; the UI formats its own per language. */
  display?: string;
}

/** The recommended default of a type and the rule that picked it. */
export interface Recommendation {
  model_id: string;
  rule: string;
}

export interface PriceChange {
  id: string;
  field: string;
  old: string;
  new: string;
}

/** What changed in the catalog since the one served before. */
export interface CatalogChanges {
  since: string | null;
  added: string[];
  removed: string[];
  price_changed: PriceChange[];
}

/** A selected model the catalog no longer serves, or whose price changed. */
export interface SelectionFlag {
  kind: 'removed' | 'price_changed' | (string & {});
  detail?: string;
}

/** One type's choice as PUT /settings/openrouter/selection takes it. */
export type SelectionChange = string | { model: string; fallbacks?: string[] };

export interface TryResponse {
  success: boolean;
  model: string;
  answer: string;
  latency_ms: number;
  usage?: Record<string, number>;
  cost?: string | number | null;
}

export interface KeyVerification {
  status: 'verified' | 'rejected' | 'unchecked' | (string & {});
  checked_at?: string | null;
  reason?: string;
}

export type Catalog = Record<ModelType, Model[]>;

export interface CatalogResult {
  catalog: Catalog;
  stale: boolean;
  fetchedAt: string | null;
  recommended?: Partial<Record<ModelType, Recommendation>>;
  changes?: CatalogChanges | null;
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
  /** Up to three models tried in order when the chosen one fails. */
  fallbacks?: string[];
  flag?: SelectionFlag | null;
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
  verification?: KeyVerification | null;
}

export interface Prompt {
  id: number;
  name: string;
  type: ModelType;
  text: string;
  created_at: string;
  updated_at: string;
  /** Number of the current text (1 when created). */
  version?: number;
  /** The {{names}} the text uses, in order of first use. */
  placeholders?: string[];
  /** The default prompt of its type. */
  default?: boolean;
}

export interface PromptInput {
  name: string;
  type: ModelType;
  text: string;
  /** Omitted on update: the flag is kept. */
  default?: boolean;
}

export interface PromptVersion {
  version: number;
  name: string;
  type: ModelType;
  text: string;
  placeholders: string[];
  created_at: string;
}
