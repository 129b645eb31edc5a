// Internal tier benchmarks:
//  1. firing delay of @InternalTask({ every }) vs a bare `cron` CronJob vs a bare setInterval, all running at
//     once in this process for BENCH_INTERNAL_SECONDS (default 60): p50/p99 delay, drift of the last tick.
//  2. boot time of an app with 1,000 decorated methods vs the same app without HybridSchedulerModule.
import 'reflect-metadata';
import { Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CronJob } from 'cron';
import { HybridSchedulerModule, InternalTask, type InternalTaskContext } from 'nestjs-hybrid-scheduler';
import { median, percentile, printTable } from './stats.js';

const SECONDS = Number(process.env.BENCH_INTERNAL_SECONDS ?? 60);
const PERIOD_MS = 1000;

async function firingDelay(): Promise<void> {
  const delays: Record<string, number[]> = { 'InternalTask every': [], 'cron CronJob': [], setInterval: [] };

  @Injectable()
  class Ticker {
    @InternalTask({ name: 'bench-tick', every: PERIOD_MS })
    tick(ctx: InternalTaskContext) {
      delays['InternalTask every'].push(Date.now() - ctx.scheduledAt.getTime());
    }
  }
  @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Ticker] })
  class TickModule {}

  const app = await NestFactory.createApplicationContext(TickModule, { logger: false });
  const start = Date.now();
  let intervalTicks = 0;
  const interval = setInterval(() => {
    intervalTicks++;
    delays.setInterval.push(Date.now() - (start + intervalTicks * PERIOD_MS));
  }, PERIOD_MS);
  const cronJob = CronJob.from({
    cronTime: '* * * * * *',
    onTick: () => {
      delays['cron CronJob'].push(Date.now() % 1000); // fires on the second: delay = ms past it
    },
    start: true,
  });
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000 + 200));
  clearInterval(interval);
  await cronJob.stop();
  await app.close();

  const ours = percentile(delays['InternalTask every'], 50);
  console.log(
    `\nFiring delay over ${SECONDS}s, period ${PERIOD_MS}ms (ms after the due time; lower is better)`,
  );
  printTable(
    ['timer', 'ticks', 'p50 ms', 'p99 ms', 'last tick ms (drift)', 'p50 vs InternalTask'],
    Object.entries(delays).map(([name, values]) => [
      name,
      values.length,
      percentile(values, 50),
      percentile(values, 99),
      values[values.length - 1] ?? Number.NaN,
      ours === 0 ? '-' : `${(percentile(values, 50) / ours).toFixed(2)}x`,
    ]),
  );
}

/** 100 providers × 10 methods, each decorated like @InternalTask({ every: '1h' }). */
function makeProviders(decorate: boolean): Type<unknown>[] {
  return Array.from({ length: 100 }, (_, i) => {
    const cls = { [`Service${i}`]: class {} }[`Service${i}`];
    for (let m = 0; m < 10; m++) {
      const name = `job${m}`;
      Object.defineProperty(cls.prototype, name, {
        value: function () {},
        writable: true,
        configurable: true,
      });
      if (decorate) {
        const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name)!;
        InternalTask({ name: `s${i}-j${m}`, every: '1h' })(cls.prototype, name, descriptor);
      }
    }
    Injectable()(cls);
    return cls;
  });
}

async function bootTime(): Promise<void> {
  const measure = async (withModule: boolean): Promise<number[]> => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const providers = makeProviders(withModule);
      const imports = withModule ? [HybridSchedulerModule.forRoot()] : [];
      @Module({ imports, providers })
      class BootModule {}
      const started = performance.now();
      const app = await NestFactory.createApplicationContext(BootModule, { logger: false });
      await app.init();
      times.push(performance.now() - started);
      await app.close();
    }
    return times;
  };
  const without = await measure(false);
  const withModule = await measure(true);
  console.log('\nBoot time of an app with 1,000 decorated methods (100 providers × 10), median of 5');
  printTable(
    ['app', 'median ms', 'max ms', 'ratio'],
    [
      ['without HybridSchedulerModule', median(without), Math.max(...without), '1.00x'],
      [
        'with HybridSchedulerModule (1,000 tasks)',
        median(withModule),
        Math.max(...withModule),
        `${(median(withModule) / median(without)).toFixed(2)}x`,
      ],
    ],
  );
}

export async function run(): Promise<void> {
  await bootTime();
  await firingDelay();
}
