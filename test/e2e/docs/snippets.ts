import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The line that marks the fenced `ts` block right after it as a whole app that the docs test boots. */
export const MARKER = '<!-- docs-test: app -->';

export interface Snippet {
  /** `README.md:52`: the file and the line of the opening fence. */
  where: string;
  /** A directory name for it: `README.md-52`. */
  slug: string;
  code: string;
}

/** README.md and docs/*.md, relative to `root`. */
export const documents = (root: string): string[] => [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Every marked snippet of README.md and docs/*.md under `root`. */
export function appSnippets(root: string): Snippet[] {
  return documents(root).flatMap((file) => {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    const found: Snippet[] = [];
    lines.forEach((line, index) => {
      if (line.trim() !== MARKER) return;
      const fence = index + 1;
      if (!/^```ts\s*$/.test(lines[fence] ?? ''))
        throw new Error(`${file}:${fence + 1}: ${MARKER} must be followed by a \`\`\`ts fence`);
      const end = lines.findIndex((candidate, at) => at > fence && candidate.startsWith('```'));
      if (end < 0) throw new Error(`${file}:${fence + 1}: unterminated fence`);
      found.push({
        where: `${file}:${fence + 1}`,
        slug: `${file.replace('/', '_')}-${fence + 1}`,
        code: lines.slice(fence + 1, end).join('\n'),
      });
    });
    return found;
  });
}

/** `README.md:40` of every fenced `ts` block that declares an `AppModule` but is not marked. */
export function unmarkedApps(root: string, files: string[]): string[] {
  return files.flatMap((file) => {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    const found: string[] = [];
    lines.forEach((line, index) => {
      if (!/^```ts\s*$/.test(line) || lines[index - 1]?.trim() === MARKER) return;
      const end = lines.findIndex((candidate, at) => at > index && candidate.startsWith('```'));
      const code = lines.slice(index + 1, end < 0 ? undefined : end).join('\n');
      if (/export class AppModule\b/.test(code)) found.push(`${file}:${index + 1}`);
    });
    return found;
  });
}
