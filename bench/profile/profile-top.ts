// Prints the top frames of a `--cpu-prof` profile by self time, and self time per package/file group:
//   node dist/bench/profile/profile-top.js <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const group = (url: string): string => {
  if (!url) return '(native/idle/gc)';
  if (url.includes('/libs/hybrid-scheduler/')) return 'nestjs-hybrid-scheduler';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  return url.startsWith('node:') ? 'node core' : url;
};
const frames = new Map<string, number>();
const groups = new Map<string, number>();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id)!;
  const where = callFrame.url.replace(/^.*\/(node_modules|libs)\//, '');
  const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
  frames.set(key, (frames.get(key) ?? 0) + us);
  groups.set(group(callFrame.url), (groups.get(group(callFrame.url)) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)');
const busy = total - idle.reduce((sum, [, us]) => sum + us, 0);
console.log(`total sampled ${(total / 1000).toFixed(0)} ms, busy (not idle) ${(busy / 1000).toFixed(0)} ms`);
console.log('\nself time by package');
for (const [name, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`${pct(us)}  ${name}`);
console.log(`\ntop ${top} frames by self time`);
for (const [name, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${name}`);
