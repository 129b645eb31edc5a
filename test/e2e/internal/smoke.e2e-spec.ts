import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HybridScheduler, HybridSchedulerModule, InternalTask } from 'nestjs-hybrid-scheduler';

@Injectable()
class Ticker {
  ticks: Date[] = [];
  @InternalTask({ name: 'tick', every: 100 })
  tick() {
    this.ticks.push(new Date());
  }
}

@Module({ imports: [HybridSchedulerModule.forRoot({})], providers: [Ticker] })
class AppModule {}

describe('smoke', () => {
  it('fires an every task', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await new Promise((r) => setTimeout(r, 550));
    const ticker = app.get(Ticker);
    expect(ticker.ticks.length).toBeGreaterThanOrEqual(4);
    const jobs = await app.get(HybridScheduler).listJobs();
    expect(jobs.map((j) => j.id)).toEqual(['internal:tick']);
    await app.close();
  });
});
