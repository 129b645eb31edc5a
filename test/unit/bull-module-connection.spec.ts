import { Redis } from 'ioredis';
import { BullModuleConnectionError } from 'nestjs-hybrid-scheduler';
import { withBullModuleConnection } from '../../libs/hybrid-scheduler/src/adopt/bull-module-connection.js';

describe("queue.bullmq.connection: 'from-bull-module'", () => {
  const fromBull = (prefix?: string) => ({
    queue: { bullmq: { connection: 'from-bull-module', ...(prefix ? { prefix } : {}) } },
  });

  it("takes BullModule's connection options and prefix; our prefix wins; BullMQ's 'bull' when neither is set", () => {
    const connection = { host: 'redis.internal', port: 6380, password: 'pw' };
    expect(withBullModuleConnection(fromBull(), { connection, prefix: 'app' })?.queue?.bullmq).toEqual({
      connection,
      prefix: 'app',
    });
    expect(
      withBullModuleConnection(fromBull('ours'), { connection, prefix: 'app' })?.queue?.bullmq?.prefix,
    ).toBe('ours');
    expect(withBullModuleConnection(fromBull(), { connection })?.queue?.bullmq?.prefix).toBe('bull');
  });

  it('opens its own clients with the options of an ioredis client given to BullModule (never shares it)', () => {
    const client = new Redis({ host: '10.1.2.3', port: 6390, db: 2, lazyConnect: true });
    try {
      const resolved = withBullModuleConnection(fromBull(), { connection: client })?.queue?.bullmq
        ?.connection;
      expect(resolved).not.toBe(client);
      expect(resolved).toMatchObject({ host: '10.1.2.3', port: 6390, db: 2 });
    } finally {
      client.disconnect();
    }
  });

  it('leaves other connections alone and fails naming the option without a BullModule', () => {
    const raw = { queue: { bullmq: { connection: 'redis://127.0.0.1:6379' } } };
    expect(withBullModuleConnection(raw, undefined)).toBe(raw);
    expect(() => withBullModuleConnection(fromBull(), undefined)).toThrow(BullModuleConnectionError);
    expect(() => withBullModuleConnection(fromBull(), undefined)).toThrow(
      "queue.bullmq.connection: 'from-bull-module' needs BullModule.forRoot()",
    );
  });
});
