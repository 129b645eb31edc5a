import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetworkNamespace {
  /** The host's address on the link into the namespace (where a server listening on 0.0.0.0 is reached). */
  hostAddress: string;
  /** The client's address inside the namespace: not loopback, as the server sees it. */
  clientAddress: string;
  /** Runs `process.execPath -e script` inside the namespace; resolves with its stdout. */
  node(script: string): Promise<string>;
  remove(): void;
}

/**
 * A network namespace joined to the host by a veth pair (10.213.<n>.1 on the host, .2 inside), so that a
 * client inside it reaches the host from a real non-loopback address. Needs CAP_NET_ADMIN (root in CI).
 */
export function createNetworkNamespace(): NetworkNamespace {
  const n = 1 + (process.pid % 250);
  const name = `hsdash${process.pid}`;
  const [hostIf, nsIf] = [`hsd${process.pid}a`.slice(0, 15), `hsd${process.pid}b`.slice(0, 15)];
  const [hostAddress, clientAddress] = [`10.213.${n}.1`, `10.213.${n}.2`];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const remove = () => {
    for (const cleanup of [() => ip('link', 'del', hostIf), () => ip('netns', 'del', name)]) {
      try {
        cleanup();
      } catch {
        // already gone
      }
    }
  };
  try {
    ip('netns', 'add', name);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${clientAddress}/30`, 'dev', nsIf);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    remove();
    throw error;
  }
  return {
    hostAddress,
    clientAddress,
    node: async (script) =>
      (
        await run('ip', ['netns', 'exec', name, process.execPath, '-e', script], { timeout: 15_000 })
      ).stdout.trim(),
    remove,
  };
}

/** Whether this machine lets the tests create a namespace (root with CAP_NET_ADMIN), with the reason if not. */
export function networkNamespaceSupport(): { ok: true } | { ok: false; reason: string } {
  try {
    createNetworkNamespace().remove();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
