/** `host:port/vhost` of an AMQP URL, for logs, health and errors (never the user or password). */
export function amqpAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672');
    const vhost = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '/';
    return `${parsed.hostname || '127.0.0.1'}:${port} (vhost ${vhost})`;
  } catch {
    return 'an invalid AMQP URL';
  }
}
