import {
  classifyTask,
  InvalidCharacteristicsError,
  type TaskCharacteristics,
  type TierName,
} from 'nestjs-hybrid-scheduler';

/** The error classifyTask throws for `input`, for assertions on its fields. */
const refusal = (input: unknown): InvalidCharacteristicsError => {
  try {
    classifyTask(input as TaskCharacteristics);
  } catch (error) {
    if (error instanceof InvalidCharacteristicsError) return error;
    throw error;
  }
  throw new Error(`classifyTask(${JSON.stringify(input)}) did not throw`);
};

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

  it('refuses a value a characteristic does not take, naming the characteristic and the value', () => {
    const error = refusal({ frequency: 'sometimes', visibility: 'internal' });
    expect({ characteristic: error.characteristic, value: error.value }).toEqual({
      characteristic: 'frequency',
      value: 'sometimes',
    });
    expect(error.message).toBe(
      `classifyTask: characteristic "frequency" = "sometimes" is invalid: expected one of 'high', 'medium', 'low'`,
    );
  });

  it('refuses an unknown characteristic and anything that is not an object', () => {
    expect(refusal({ colour: 'red' }).message).toMatch(
      /characteristic "colour" = "red" is invalid: expected a known/,
    );
    for (const input of [null, 'high', 42, ['high']]) {
      const error = refusal(input);
      expect(error.characteristic).toBe('characteristics');
      expect(error.message).toMatch(/^classifyTask: characteristics = .* is invalid: expected an object/);
    }
  });

  it('ignores characteristics left undefined', () => {
    expect(classifyTask({ frequency: undefined, durability: 'persistent' }).tier).toBe('queue');
  });
});
