import type { HttpRequest, Timestamp } from './emulator.types.js';

export interface DispatchInput {
  request: HttpRequest;
  queueId: string;
  taskId: string;
  eta: Timestamp;
  /** Retries so far (0 on the first delivery); includes attempts that got a 5xx or no answer. */
  retryCount: number;
  /** Responses other than 5xx so far. */
  executionCount: number;
  /** Status of the previous attempt, when there was one with a response. */
  previousResponse?: number | null;
  /** Bearer token to attach (minted at dispatch time, like Cloud Tasks does). */
  idToken?: string;
  deadlineMs: number;
}

export interface DispatchResult {
  status: number | null;
  error?: string;
  headers: Record<string, string>;
  body: string;
}

const etaHeader = (eta: Timestamp): string =>
  `${eta.seconds}.${String(Math.floor((eta.nanos ?? 0) / 1000)).padStart(6, '0')}`;

/** One HTTP delivery with Cloud Tasks' headers; a response after the dispatch deadline counts as none. */
export async function dispatchHttp(input: DispatchInput): Promise<DispatchResult> {
  const method =
    !input.request.httpMethod || input.request.httpMethod === 'HTTP_METHOD_UNSPECIFIED'
      ? 'POST'
      : input.request.httpMethod;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.request.headers ?? {}))
    headers[name.toLowerCase()] = value;
  Object.assign(headers, {
    'user-agent': 'Google-Cloud-Tasks',
    'x-cloudtasks-queuename': input.queueId,
    'x-cloudtasks-taskname': input.taskId,
    'x-cloudtasks-taskretrycount': String(input.retryCount),
    'x-cloudtasks-taskexecutioncount': String(input.executionCount),
    'x-cloudtasks-tasketa': etaHeader(input.eta),
  });
  if (input.retryCount > 0) {
    if (input.previousResponse != null)
      headers['x-cloudtasks-taskpreviousresponse'] = String(input.previousResponse);
    headers['x-cloudtasks-taskretryreason'] = '';
  }
  // The token overrides any Authorization header the task carried (target.proto).
  if (input.idToken) headers['authorization'] = `Bearer ${input.idToken}`;
  const body = input.request.body ?? Buffer.alloc(0);
  const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method);
  try {
    const response = await fetch(input.request.url, {
      method,
      headers,
      body: hasBody ? new Uint8Array(body) : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(input.deadlineMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, headers, body: body.toString('utf8') };
  } catch (error) {
    // Duck-typed: fetch's errors may come from another realm (Jest's VM), where instanceof fails.
    const {
      name,
      message: text,
      cause,
    } = error as { name?: string; message?: string; cause?: { message?: string } };
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const message = timedOut
      ? `DEADLINE_EXCEEDED after ${input.deadlineMs}ms`
      : `${text ?? String(error)}${cause?.message ? `: ${cause.message}` : ''}`;
    return { status: null, error: message, headers, body: body.toString('utf8') };
  }
}
