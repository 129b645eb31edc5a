import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** Claims of a Google service-account ID token, as Cloud Tasks attaches it to a push. */
export interface IdTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  azp: string;
  email: string;
  email_verified: boolean;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

export interface SignOptions {
  /** `foreign`: sign with a key the certs endpoint does not publish (a forged token), under the same kid. */
  key?: 'emulator' | 'foreign';
  /** Override the `kid` header. */
  kid?: string;
}

const base64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');
const numericId = (email: string): string =>
  BigInt('0x' + Buffer.from(email).toString('hex').slice(0, 20)).toString();

/**
 * Signs RS256 ID tokens with a key generated at start and serves the public half the way Google does
 * (`/certs`: `{ kid: PEM }`, plus `/jwks` and OpenID discovery), so google-auth-library's `verifyIdToken`
 * runs unchanged with only its certs URL and accepted issuer pointed here.
 */
export class OidcIssuer {
  readonly kid = randomBytes(8).toString('hex');
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly foreignKey: KeyObject;
  private server?: Server;
  private base = '';
  private issuerOverride?: string;

  constructor(issuer?: string) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.foreignKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.issuerOverride = issuer;
  }

  async listen(host: string, port: number): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
        res.end(JSON.stringify(body));
      };
      if (path === '/certs')
        return send({ [this.kid]: this.publicKey.export({ type: 'spki', format: 'pem' }) });
      if (path === '/jwks')
        return send({
          keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' }],
        });
      if (path === '/.well-known/openid-configuration') {
        return send({
          issuer: this.issuer,
          jwks_uri: `${this.base}/jwks`,
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject).listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.base = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  }

  get issuer(): string {
    return this.issuerOverride ?? this.base;
  }

  get certsUrl(): string {
    return `${this.base}/certs`;
  }

  /** A token as Cloud Tasks would mint it for `email` and `audience`, with any claim overridden. */
  token(
    email: string,
    audience: string,
    overrides: Partial<IdTokenClaims> = {},
    options: SignOptions = {},
  ): string {
    const now = Math.floor(Date.now() / 1000);
    const id = numericId(email);
    const claims: IdTokenClaims = {
      iss: this.issuer,
      aud: audience,
      sub: id,
      azp: id,
      email,
      email_verified: true,
      iat: now,
      exp: now + 3600,
      ...overrides,
    };
    return this.sign(claims, options);
  }

  /** Signs arbitrary claims (for malformed-token tests). */
  sign(claims: Record<string, unknown>, options: SignOptions = {}): string {
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? this.kid }));
    const payload = base64url(JSON.stringify(claims));
    const key = options.key === 'foreign' ? this.foreignKey : this.privateKey;
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
    return `${header}.${payload}.${base64url(signature)}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
