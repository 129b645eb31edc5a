/** A task's schedule after its decorator options were parsed and validated. */
export type TaskSchedule =
  | { kind: 'every'; everyMs: number }
  | { kind: 'cron'; cron: string; timeZone?: string }
  | { kind: 'at'; at: Date }
  | { kind: 'rrule'; rrule: string; timeZone?: string }
  | { kind: 'none' };
