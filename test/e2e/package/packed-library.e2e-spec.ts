import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(process.cwd());
const bin = join(root, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The fixture's last line: what it saw run. */
function expectRan(stdout: string): void {
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
    runs: number;
    jobs: string[];
    health: Record<string, { status: string }>;
  };
  expect(result.jobs).toEqual(['internal:packed']);
  expect(result.runs).toBeGreaterThanOrEqual(4);
  expect(result.health['scheduler-internal'].status).toBe('up');
}

/** The machine's own Node if it is 20.19 or later on the 20 line (npm scripts run on the pinned Node 24). */
function systemNode20(): string | undefined {
  return ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
    if (!existsSync(candidate)) return false;
    const [major, minor] = run(candidate, ['--version'], root).trim().slice(1).split('.').map(Number);
    return major === 20 && minor >= 19;
  });
}

/**
 * What a new user gets: `npm pack` of the library, installed with its peers from the registry into a fresh
 * Nest app outside this repository, compiled with tsc and run on Node 24 (and on the machine's Node 20).
 */
describe('the packed library in a fresh Nest app', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hybrid-packed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs, compiles and runs a decorated task', () => {
    run('npm', ['pack', '--silent', '--pack-destination', dir], join(root, 'libs', 'hybrid-scheduler'));
    const tarball = readdirSync(dir).find((file) => file.endsWith('.tgz'))!;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'packed-app', private: true, type: 'module' }),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          strict: true,
          // As README advises for TypeScript 6+ (types defaults to []), and with the published declarations
          // checked: without @types/node they lose node:tls / node:http silently under skipLibCheck.
          skipLibCheck: false,
          types: ['node'],
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      }),
    );
    run('mkdir', ['-p', 'src'], dir);
    copyFileSync(join(root, 'test', 'fixtures', 'packed-app', 'main.ts.txt'), join(dir, 'src', 'main.ts'));
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        `./${tarball}`,
        '@nestjs/common@^12',
        '@nestjs/core@^12',
        '@nestjs/terminus@^12',
        'reflect-metadata',
        'rxjs',
        'class-validator',
        'class-transformer',
        '@types/node@^24',
      ],
      dir,
    );
    run(join(bin, 'tsc'), ['-p', 'tsconfig.json'], dir);
    expectRan(run(join(bin, 'node'), ['dist/main.js'], dir));

    // engines admits Node 20.19+ (require(esm) is unflagged there): the same app runs on the machine's Node 20.
    const installed = join(dir, 'node_modules', 'nestjs-hybrid-scheduler');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
    const node20 = systemNode20();
    if (node20) expectRan(run(node20, ['dist/main.js'], dir));
    else
      console.warn(
        'packed-library: no Node 20.19+ at /usr/bin/node or /usr/local/bin/node; ran on Node 24 only',
      );

    // What ships besides the code: the license, the README, and the docs the README links to.
    const listing = run('tar', ['-tzf', tarball], dir).split('\n');
    expect(listing).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md']));
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    const links = [
      ...readFileSync(join(installed, 'README.md'), 'utf8').matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g),
    ];
    const docs = links.map((link) => link[1]).filter((target) => target.startsWith('docs/'));
    expect(docs.length).toBeGreaterThanOrEqual(4);
    expect(docs.filter((target) => !existsSync(join(installed, target)))).toEqual([]);
    // The docs link to each other: every relative link between them resolves inside the package too.
    // Markdown only: a screenshot's bytes can happen to look like a link.
    const markdown = readdirSync(join(installed, 'docs')).filter((file) => file.endsWith('.md'));
    const broken = markdown.flatMap((doc) =>
      [...readFileSync(join(installed, 'docs', doc), 'utf8').matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)]
        .map((link) => `${doc} -> ${link[1]}`)
        .filter((edge) => !existsSync(join(installed, 'docs', edge.split(' -> ')[1]))),
    );
    expect(broken).toEqual([]);
  }, 240_000);
});
