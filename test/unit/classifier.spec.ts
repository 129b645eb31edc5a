import { classifyTask, type TaskCharacteristics, type TierName } from 'nestjs-hybrid-scheduler';

/** The selection guide's examples, as the README's decision table lists them. */
const examples: Array<[string, TaskCharacteristics, TierName]> = [
  ['health check every 30 s', { frequency: 'high' }, 'internal'],
  ['metrics collection every minute', { frequency: 'medium' }, 'internal'],
  ['cache cleanup hourly', { frequency: 'low' }, 'internal'],
  ['DLQ processing every 5 min', { frequency: 'medium', durability: 'ephemeral' }, 'internal'],
  ['secret rotation every 90 days', { frequency: 'low', durability: 'persistent' }, 'queue'],
  [
    'database backup daily',
    { frequency: 'low', durability: 'persistent', infrastructure: 'distributed' },
    'queue',
  ],
  [
    'log aggregation hourly',
    { frequency: 'low', durability: 'persistent', infrastructure: 'distributed' },
    'queue',
  ],
  ['code sweep daily', { frequency: 'low', visibility: 'user-facing' }, 'prefect'],
  ['dependency audit weekly', { frequency: 'low', visibility: 'user-facing' }, 'prefect'],
  ['ML pipeline on demand', { complexity: 'dag' }, 'prefect'],
  ['ETL', { visibility: 'user-facing', complexity: 'complex', durability: 'persistent' }, 'prefect'],
];

describe('classifyTask', () => {
  it.each(examples)('%s → %s', (_name, characteristics, tier) => {
    expect(classifyTask(characteristics).tier).toBe(tier);
  });

  it('keeps sub-minute work in-process even when user-facing or persistent, and says why', () => {
    const result = classifyTask({ frequency: 'high', visibility: 'user-facing', durability: 'persistent' });
    expect(result.tier).toBe('internal');
    expect(result.reasons.join(' ')).toMatch(/Prefect is not meant for sub-minute/);
    expect(result.reasons.join(' ')).toMatch(/queues are not meant for sub-minute/);
  });

  it('applies the first matching rule: user-facing beats persistent', () => {
    expect(classifyTask({ visibility: 'user-facing', durability: 'persistent' }).tier).toBe('prefect');
  });

  it('returns the fallback chain of the chosen tier', () => {
    expect(classifyTask({ complexity: 'dag' }).fallbacks).toEqual(['queue', 'internal']);
    expect(classifyTask({ infrastructure: 'distributed' }).fallbacks).toEqual(['internal']);
    expect(classifyTask({}).fallbacks).toEqual([]);
  });
});
