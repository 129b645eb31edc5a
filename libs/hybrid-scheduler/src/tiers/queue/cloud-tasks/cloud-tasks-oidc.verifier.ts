import type { OAuth2Client } from 'google-auth-library';
import { redactedMessage } from '../../../common/redact.js';

export type VerifyResult = { ok: true; email: string } | { ok: false; reason: string };

/**
 * Checks the push's `Authorization: Bearer <ID token>` with google-auth-library: signature against Google's
 * (or the emulator's) certificates, expiry, issuer and audience; then that it was minted for the configured
 * service account with a verified email. Nothing runs unless this says ok.
 */
export class CloudTasksOidcVerifier {
  constructor(
    private readonly client: OAuth2Client,
    private readonly audience: string,
    private readonly serviceAccountEmail: string,
  ) {}

  async verify(authorization: string | string[] | undefined): Promise<VerifyResult> {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match)
      return {
        ok: false,
        reason: header ? 'Authorization header is not "Bearer <token>"' : 'no Authorization header',
      };
    let payload;
    try {
      payload = (
        await this.client.verifyIdToken({ idToken: match[1], audience: this.audience })
      ).getPayload();
    } catch (error) {
      return { ok: false, reason: redactedMessage(error) };
    }
    if (!payload?.email) return { ok: false, reason: 'the token has no email claim' };
    if (payload.email !== this.serviceAccountEmail) {
      return {
        ok: false,
        reason: `the token was minted for ${payload.email}, not ${this.serviceAccountEmail}`,
      };
    }
    if (payload.email_verified !== true)
      return { ok: false, reason: `the token's email ${payload.email} is not verified` };
    return { ok: true, email: payload.email };
  }
}
