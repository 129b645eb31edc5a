import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { HybridSchedulerModule, InvalidModuleOptionsError } from 'nestjs-hybrid-scheduler';
import { hybridSchedulerConfig } from '../../../libs/hybrid-scheduler/src/config/index.js';
import { HYBRID_SCHEDULER_OPTIONS } from '../../../libs/hybrid-scheduler/src/hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../../../libs/hybrid-scheduler/src/config/module-options.js';

const VARIABLES = {
  HYBRID_SCHEDULER_TIME_ZONE: 'Europe/Berlin',
  HYBRID_SCHEDULER_QUEUE_ENABLED: 'off',
  HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS: '2s',
};

/** Boots an app whose root module imports `imports`, with `env` set meanwhile; answers its resolved options. */
async function boot(
  imports: Array<DynamicModule | Promise<DynamicModule>>,
  env: Record<string, string>,
): Promise<ResolvedModuleOptions> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    @Module({ imports })
    class AppModule {}
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const options = app.get<ResolvedModuleOptions>(HYBRID_SCHEDULER_OPTIONS);
    await app.close();
    return options;
  } finally {
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}

describe('@nestjs/config: hybridSchedulerConfig as the README shows it', () => {
  it('ConfigModule.forFeature(hybridSchedulerConfig) + inject KEY boots with the variables applied', async () => {
    const options = await boot(
      [
        ConfigModule.forRoot(),
        HybridSchedulerModule.forRootAsync({
          imports: [ConfigModule.forFeature(hybridSchedulerConfig)],
          inject: [hybridSchedulerConfig.KEY],
          useFactory: (config: ConfigType<typeof hybridSchedulerConfig>) => config,
        }),
      ],
      VARIABLES,
    );
    expect(options.internal).toEqual({ enabled: true, timeZone: 'Europe/Berlin', shutdownTimeoutMs: 2_000 });
    expect(options.queue).toBeUndefined();
  });

  it('hybridSchedulerConfig.asProvider() is the same in one call', async () => {
    const options = await boot(
      [ConfigModule.forRoot(), HybridSchedulerModule.forRootAsync(hybridSchedulerConfig.asProvider())],
      VARIABLES,
    );
    expect(options.internal.timeZone).toBe('Europe/Berlin');
    expect(options.queue).toBeUndefined();
  });

  it('a variable it cannot read fails the boot naming the variable and the value', async () => {
    const booting = boot(
      [ConfigModule.forRoot(), HybridSchedulerModule.forRootAsync(hybridSchedulerConfig.asProvider())],
      { HYBRID_SCHEDULER_INTERNAL_ENABLED: 'ture' },
    );
    await expect(booting).rejects.toThrow(InvalidModuleOptionsError);
    await expect(booting).rejects.toThrow('HYBRID_SCHEDULER_INTERNAL_ENABLED="ture" (internal.enabled)');
  });

  it('ConfigModule.forRoot({ load }) + imports: [ConfigModule] cannot inject the namespace, as the README says', async () => {
    const booting = boot(
      [
        ConfigModule.forRoot({ load: [hybridSchedulerConfig] }),
        HybridSchedulerModule.forRootAsync({
          imports: [ConfigModule],
          inject: [hybridSchedulerConfig.KEY],
          useFactory: (config: ConfigType<typeof hybridSchedulerConfig>) => config,
        }),
      ],
      {},
    );
    await expect(booting).rejects.toThrow(/can't resolve dependencies/i);
  });
});
