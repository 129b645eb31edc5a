import { PayloadValidationError } from '../../libs/hybrid-scheduler/src/errors/index.js';
import { jsonProblem } from '../../libs/hybrid-scheduler/src/tiers/queue/payload.validator.js';
import { checkPayloadSize } from '../../libs/hybrid-scheduler/src/tiers/queue/payload-limits.js';

const memory = { name: 'memory' };
const sizeError = (payload: unknown, limit: number): string | undefined => {
  try {
    checkPayloadSize('wf', payload, limit, memory);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadValidationError);
    return (error as Error).message;
  }
};
const bytesOf = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload), 'utf8');

describe('payload checks before enqueue', () => {
  it('names the first value JSON would lose, with its path, and accepts what JSON keeps', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const shared = { n: 1 };
    expect(
      jsonProblem({ a: [1, 'x', null, true, new Date(0), { b: undefined }], c: shared, d: shared }),
    ).toBe(undefined);
    expect(jsonProblem(undefined)).toMatch(/^payload is undefined/);
    expect(jsonProblem({ a: [1, { b: NaN }] })).toBe('payload.a[1].b is NaN, which JSON turns into null');
    expect(jsonProblem({ big: 10n })).toMatch(/^payload\.big is a BigInt \(10n\)/);
    expect(jsonProblem({ list: [0, () => 1] })).toMatch(/^payload\.list\[1\] is a function/);
    expect(jsonProblem({ s: Symbol('x') })).toMatch(/^payload\.s is a symbol/);
    expect(jsonProblem({ m: new Map([[1, 2]]) })).toMatch(/^payload\.m is a Map, which JSON turns into \{\}/);
    expect(jsonProblem({ bytes: new Uint8Array(2) })).toMatch(/^payload\.bytes is a Uint8Array/);
    expect(jsonProblem(cyclic)).toMatch(/^payload\.self\.back refers back to one of its parents/);
    expect(jsonProblem([Infinity])).toMatch(/^payload\[0\] is Infinity/);
  });

  it('refuses a payload over the limit by its exact UTF-8 size, whatever shortcut it takes below the limit', () => {
    const payloads: unknown[] = [
      { text: 'a'.repeat(990) },
      { text: 'é'.repeat(400) }, // 2 bytes each in UTF-8
      { text: '\u0001'.repeat(150) }, // escaped as \u0001: 6 bytes each
      { emoji: '😀'.repeat(200), list: [1.2345678901234567e-300, -0, true, null, new Date(0)] },
      { deep: [[[[{ k: 'v'.repeat(500) }]]]] },
      { custom: { toJSON: () => 'x'.repeat(2000) } },
      [new Number(1234567890123)],
      { boxed: new String('y'.repeat(300)) },
    ];
    for (const payload of payloads) {
      const bytes = bytesOf(payload);
      expect(sizeError(payload, bytes)).toBeUndefined();
      expect(sizeError(payload, bytes - 1)).toContain(
        `- payload is ${bytes} bytes as JSON; the limit is ${bytes - 1} bytes per task (queue.maxPayloadBytes)`,
      );
    }
  });
});
