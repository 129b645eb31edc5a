import { jest } from '@jest/globals';
import { Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HybridSchedulerModule } from 'nestjs-hybrid-scheduler';

const DIFFERENT_OPTIONS = /imported 2 times into this app with different options/;

// Every warning from the start of a test (when its modules are declared and forRoot() runs) to its end.
const spyOnWarnings = () => jest.spyOn(Logger.prototype, 'warn');
let warn: ReturnType<typeof spyOnWarnings>;
beforeEach(() => {
  warn = spyOnWarnings();
});
afterEach(() => warn.mockRestore());

/** Compiles, starts and closes an app with `AppModule`, answering every warning of the test so far. */
async function warningsOf(AppModule: new () => object): Promise<string[]> {
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await app.init();
  await app.close();
  return warn.mock.calls.map((call) => String(call[0]));
}

describe('importing HybridSchedulerModule more than once', () => {
  it('warns once when one app imports it twice with different options', async () => {
    @Module({ imports: [HybridSchedulerModule.forRoot({ internal: { shutdownTimeoutMs: 500 } })] })
    class FeatureModule {}
    @Module({ imports: [HybridSchedulerModule.forRoot({ fallback: 'degrade' }), FeatureModule] })
    class AppModule {}
    const warnings = (await warningsOf(AppModule)).filter((w) => DIFFERENT_OPTIONS.test(w));
    expect(warnings).toHaveLength(1);
  });

  it('does not warn when one app imports it twice with the same options', async () => {
    @Module({ imports: [HybridSchedulerModule.forRoot({ fallback: 'degrade' })] })
    class FeatureModule {}
    @Module({ imports: [HybridSchedulerModule.forRoot({ fallback: 'degrade' }), FeatureModule] })
    class AppModule {}
    expect((await warningsOf(AppModule)).filter((w) => /imported .* times/.test(w))).toEqual([]);
  });

  it('does not warn for separate apps in one process, each with its own options (as Jest suites make them)', async () => {
    @Module({ imports: [HybridSchedulerModule.forRoot({ internal: { shutdownTimeoutMs: 100 } })] })
    class FirstApp {}
    @Module({ imports: [HybridSchedulerModule.forRoot({ internal: { shutdownTimeoutMs: 200 } })] })
    class SecondApp {}
    @Module({ imports: [HybridSchedulerModule.forRoot({ fallback: 'fail', internal: { enabled: true } })] })
    class ThirdApp {}
    await warningsOf(FirstApp);
    await warningsOf(SecondApp);
    const warnings = await warningsOf(ThirdApp);
    expect(warnings.filter((w) => /imported .*(times|more than once)/.test(w))).toEqual([]);
  });
});
