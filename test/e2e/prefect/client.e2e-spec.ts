import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { PrefectClient } from '../../../libs/hybrid-scheduler/src/tiers/prefect/prefect.client.js';
import { PrefectApiError, PrefectUnreachableError } from 'nestjs-hybrid-scheduler';
import { freePort } from '../../support/server-process.js';

/** A real HTTP server answering from a script of (status, headers, body), recording what it received. */
async function scripted(answers: Array<[number, Record<string, string>, string]>) {
  const received: Array<{
    at: number;
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ at: Date.now(), method: req.method!, url: req.url!, headers: req.headers, body });
      const [status, headers, text] = answers[Math.min(received.length - 1, answers.length - 1)];
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('prefect tier: REST client', () => {
  it('sends the API version, a non-Prefect User-Agent and Bearer auth; retries 429/503 honouring Retry-After', async () => {
    const api = await scripted([
      [429, { 'retry-after': '1' }, '{"detail":"slow down"}'],
      [503, {}, ''],
      [201, {}, '{"id":"f1","name":"sweep"}'],
    ]);
    try {
      const client = new PrefectClient({ apiUrl: api.url, apiKey: 'pnu_key', backoffMs: 50 });
      await expect(client.createFlow('sweep')).resolves.toEqual({ id: 'f1', name: 'sweep' });
      expect(api.received).toHaveLength(3);
      expect(api.received[1].at - api.received[0].at).toBeGreaterThanOrEqual(950); // Retry-After: 1
      const { headers, body, url, method } = api.received[2];
      expect([method, url]).toEqual(['POST', '/api/flows/']);
      expect(JSON.parse(body)).toEqual({ name: 'sweep', tags: [] });
      expect(headers['x-prefect-api-version']).toBe('0.8.4');
      expect(headers['user-agent']).toMatch(/^nestjs-hybrid-scheduler\//);
      expect(headers.authorization).toBe('Bearer pnu_key');
    } finally {
      await api.close();
    }
  });

  it('basic auth for self-hosted servers; a 4xx is not retried and names method, URL, status and detail', async () => {
    const api = await scripted([
      [
        422,
        {},
        '{"exception_message":"Invalid request received.","exception_detail":[{"msg":"extra field"}]}',
      ],
    ]);
    try {
      const client = new PrefectClient({ apiUrl: `${api.url}/`, authString: 'admin:pass' });
      const error = await client.createFlow('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrefectApiError);
      expect((error as Error).message).toBe(
        `Prefect API POST ${api.url}/flows/ answered 422: Invalid request received. [{"msg":"extra field"}].`,
      );
      expect(api.received).toHaveLength(1);
      expect(api.received[0].headers.authorization).toBe(
        `Basic ${Buffer.from('admin:pass').toString('base64')}`,
      );
    } finally {
      await api.close();
    }
  });

  it('gives up after its retries with an error naming the unreachable URL', async () => {
    const port = await freePort();
    const client = new PrefectClient({ apiUrl: `http://127.0.0.1:${port}/api`, retries: 2, backoffMs: 10 });
    const error = await client.readFlowRun('abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectUnreachableError);
    expect((error as Error).message).toBe(
      `Prefect API GET http://127.0.0.1:${port}/api/flow_runs/abc is unreachable: ECONNREFUSED`,
    );
  });
});
