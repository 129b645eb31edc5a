import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Firefox ESR (`.ci/run` installs it when missing). */
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const hasFirefox = (): boolean => existsSync(FIREFOX);

/** No update checks, telemetry or first-run pages: the test's page is the only traffic. */
const PREFS = [
  ['app.update.disabledForTesting', true],
  ['browser.shell.checkDefaultBrowser', false],
  ['browser.startup.homepage_override.mstone', '"ignore"'],
  ['browser.safebrowsing.malware.enabled', false],
  ['browser.safebrowsing.phishing.enabled', false],
  ['datareporting.policy.dataSubmissionEnabled', false],
  ['toolkit.telemetry.enabled', false],
  ['network.captive-portal-service.enabled', false],
  ['network.connectivity-service.enabled', false],
  ['extensions.update.enabled', false],
] as const;

interface BidiReply {
  id?: number;
  type: 'success' | 'error' | 'event';
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: string;
  message?: string;
}

export interface HeadlessFirefox {
  /** Navigates the one tab to `url` and waits until the document is loaded. */
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page (promises awaited); returns its JSON-serializable value. */
  evaluate<T>(expression: string): Promise<T>;
  /** JavaScript errors the page logged so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * A headless Firefox driven over its own WebDriver BiDi (no driver binary, no Playwright patched build): Node's
 * WebSocket to the `ws://…/session` endpoint Firefox opens with `--remote-debugging-port=0`. Playwright's BiDi
 * channel cannot drive Debian's ESR: it needs `emulation.setMediaFeaturesOverride`, which the ESR does not have.
 */
export async function launchFirefox(): Promise<HeadlessFirefox> {
  const profile = await mkdtemp(join(tmpdir(), 'dashboard-firefox-'));
  await writeFile(join(profile, 'user.js'), PREFS.map(([k, v]) => `user_pref("${k}", ${v});`).join('\n'));
  const child: ChildProcess = spawn(
    FIREFOX,
    ['--headless', '--no-remote', '--remote-debugging-port=0', '--profile', profile],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`Firefox opened no BiDi endpoint in 30 s: ${output}`)),
      30_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stderr?.on('data', read);
    child.stdout?.on('data', read);
    child.once('exit', (code) => reject(new Error(`Firefox exited (${code}) before BiDi was up: ${output}`)));
  });
  const socket = new WebSocket(`${endpoint}/session`);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`no WebSocket to ${endpoint}/session`));
  });
  const waiting = new Map<number, (reply: BidiReply) => void>();
  const errors: string[] = [];
  socket.onmessage = (message: { data: unknown }) => {
    const reply = JSON.parse(String(message.data)) as BidiReply;
    if (reply.type === 'event' && reply.method === 'log.entryAdded' && reply.params?.level === 'error')
      errors.push(String(reply.params.text));
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  };
  let next = 0;
  const send = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = ++next;
    const reply = await new Promise<BidiReply>((resolve) => {
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
    waiting.delete(id);
    if (reply.type === 'error') throw new Error(`${method}: ${reply.error}: ${reply.message}`);
    return reply.result ?? {};
  };
  await send('session.new', { capabilities: {} });
  await send('session.subscribe', { events: ['log.entryAdded'] });
  const tree = (await send('browsingContext.getTree', {})) as { contexts: Array<{ context: string }> };
  const context = tree.contexts[0].context;
  return {
    errors,
    goto: async (url) => void (await send('browsingContext.navigate', { context, url, wait: 'complete' })),
    evaluate: async <T>(expression: string) => {
      const result = (await send('script.evaluate', {
        expression: `(async () => JSON.stringify(await (${expression})))()`,
        target: { context },
        awaitPromise: true,
      })) as { type: string; result?: { value?: string }; exceptionDetails?: { text: string } };
      if (result.type === 'exception') throw new Error(`in Firefox: ${result.exceptionDetails?.text}`);
      return JSON.parse(result.result?.value ?? 'null') as T;
    },
    close: async () => {
      await send('session.end', {}).catch(() => undefined);
      socket.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(profile, { recursive: true, force: true });
    },
  };
}
