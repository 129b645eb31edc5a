export type TierName = 'internal' | 'queue' | 'prefect';

/** What the classifier knows about a task. Anything left out is inferred (frequency) or ignored. */
export interface TaskCharacteristics {
  /** high: runs more often than once a minute; medium: every 1–60 min; low: hourly or rarer. */
  frequency?: 'high' | 'medium' | 'low';
  visibility?: 'internal' | 'user-facing';
  complexity?: 'simple' | 'dag' | 'complex';
  durability?: 'ephemeral' | 'persistent';
  infrastructure?: 'local' | 'distributed';
}

export interface Classification {
  tier: TierName;
  /** Why this tier was chosen, one sentence per rule that mattered. */
  reasons: string[];
  /** Where the task goes, in order, when `tier` is not available. */
  fallbacks: TierName[];
}
