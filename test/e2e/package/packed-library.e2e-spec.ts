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

/**
 * What a new user gets: `npm pack` of the library, installed with its peers from the registry into a fresh
 * Nest app outside this repository, compiled with tsc and run on Node 24.
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
          skipLibCheck: true,
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
      ],
      dir,
    );
    run(join(bin, 'tsc'), ['-p', 'tsconfig.json'], dir);
    const output = run(join(bin, 'node'), ['dist/main.js'], dir).trim().split('\n').pop()!;
    const result = JSON.parse(output) as {
      runs: number;
      jobs: string[];
      health: Record<string, { status: string }>;
    };
    expect(result.jobs).toEqual(['internal:packed']);
    expect(result.runs).toBeGreaterThanOrEqual(4);
    expect(result.health['scheduler-internal'].status).toBe('up');

    // What ships besides the code: the license, the README, and the docs the README links to.
    const installed = join(dir, 'node_modules', 'nestjs-hybrid-scheduler');
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
