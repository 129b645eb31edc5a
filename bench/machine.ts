// What the machine did while a bench ran, printed beside its figures: the load average, and from /proc/stat the
// share of CPU time the hypervisor stole (other virtual machines on the host) and how busy all cores were (this
// bench and everything else). Rounds are compared within one run; these say how quiet that run was.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

interface CpuTimes {
  busy: number;
  steal: number;
  total: number;
}

/** Aggregate CPU jiffies from /proc/stat (Linux); undefined elsewhere. */
function cpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
  } catch {
    return undefined;
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Starts watching the machine; the returned function describes the time since, in one line. */
export function watchMachine(): () => string {
  const loadAtStart = load();
  const start = cpuTimes();
  return () => {
    const end = cpuTimes();
    const cores = cpus().length;
    let usage = '';
    if (start && end && end.total > start.total) {
      const total = end.total - start.total;
      const pct = (part: number) => `${((part / total) * 100).toFixed(1)} %`;
      usage = `; CPU over the run (${cores} cores, all processes): busy ${pct(end.busy - start.busy)}, stolen by the hypervisor ${pct(end.steal - start.steal)}`;
    }
    return `load average at start ${loadAtStart}, at end ${load()}${usage}`;
  };
}
