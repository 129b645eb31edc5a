// `npm run bench`: runs every bench/*.bench.ts (compiled to dist/bench) in turn; each prints its own table.
// Pass names to run a subset: `npm run bench -- internal queue`.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

for (const file of files) {
  const bench = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  console.log(`\n=== ${file.replace('.bench.js', '')} ===`);
  await bench.run();
}
process.exit(0);
