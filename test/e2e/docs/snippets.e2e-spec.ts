import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { runToExit } from '../../support/run-to-exit.js';
import { appSnippets, documents, MARKER, unmarkedApps, type Snippet } from './snippets.js';

const root = resolve('.');
const out = join(root, 'dist', 'docs-snippets');
const RUNNER = 'dist/test/fixtures/docs-snippets/runner.js';

/**
 * Every README.md and docs/*.md snippet marked `<!-- docs-test: app -->` is what a user would paste into a new
 * file: it is compiled with tsc (strict, NodeNext) against the built package as an app resolves it (needs
 * `npm run -s build`), then booted in a child process against a private Redis and a Prefect test server, and
 * the functions it exports are called with the app's HybridScheduler.
 */
describe('documentation snippets', () => {
  const snippets = appSnippets(root);
  let redis: PrivateRedis;
  let prefect: PrefectTestServer;
  let compiled = '';

  beforeAll(async () => {
    [redis, prefect] = await Promise.all([startRedis(), startPrefectTestServer()]);
    rmSync(out, { recursive: true, force: true });
    for (const snippet of snippets) {
      mkdirSync(join(out, snippet.slug), { recursive: true });
      writeFileSync(join(out, snippet.slug, 'app.ts'), `// ${snippet.where}\n${snippet.code}\n`);
    }
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          strict: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['*/app.ts'],
      }),
    );
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      compiled = String((error as { stdout?: string }).stdout ?? error);
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([redis?.stop(), prefect?.stop()]);
  });

  it(`finds the marked apps: README quick start and each tier's main example`, () => {
    const has = (file: string, decorator: string) =>
      snippets.some((s) => s.where.startsWith(`${file}:`) && s.code.includes(`@${decorator}(`));
    expect({
      readme: ['InternalTask', 'QueuedWorkflow', 'PrefectDeployment'].filter((d) => has('README.md', d)),
      queue: has('docs/queue.md', 'QueuedWorkflow'),
      prefect: has('docs/prefect.md', 'PrefectDeployment'),
    }).toEqual({
      readme: ['InternalTask', 'QueuedWorkflow', 'PrefectDeployment'],
      queue: true,
      prefect: true,
    });
    // A block that declares an AppModule is an app: it must carry the marker, so that it is booted too.
    expect(unmarkedApps(root, documents(root))).toEqual([]);
    expect(MARKER).toBe('<!-- docs-test: app -->');
  });

  it('compiles every snippet against the published types', () => {
    expect(compiled).toBe('');
  });

  it.each(snippets.map((snippet): [string, Snippet] => [snippet.where, snippet]))(
    'boots %s',
    async (_where, snippet) => {
      const result = await runToExit(
        RUNNER,
        {
          SNIPPET_MODULE: join(out, snippet.slug, 'app.js'),
          REDIS_URL: redis.url,
          PREFECT_API_URL: prefect.url,
        },
        30_000,
      );
      const last = result.stdout.trim().split('\n').pop() ?? '';
      expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 0, stderr: '' });
      const booted = JSON.parse(last) as { jobs: string[]; called: string[] };
      // Each decorator's job runs on its own tier (the engines are up), and every exported function ran.
      const tiers = { InternalTask: 'internal', QueuedWorkflow: 'queue', PrefectDeployment: 'prefect' };
      const declared = Object.entries(tiers)
        .filter(([decorator]) => snippet.code.includes(`@${decorator}(`))
        .map(([, tier]) => tier);
      expect([...new Set(booted.jobs.map((id) => id.split(':')[0]))].sort()).toEqual(declared.sort());
      expect(booted.called).toEqual(
        [...snippet.code.matchAll(/^export async function (\w+)/gm)].map((m) => m[1]),
      );
    },
    40_000,
  );
});
