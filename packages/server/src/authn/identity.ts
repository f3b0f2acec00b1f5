import type { JWTPayload } from 'jose';
import type { Role } from '../domain/roles.js';

/** Who a verified token says the caller is. */
export type VerifiedIdentity =
  | {
      readonly kind: 'oidc';
      /** The token's issuer, as configured. */
      readonly issuer: string;
      readonly subject: string;
      /** The verified claims. */
      readonly claims: Readonly<JWTPayload>;
    }
  | {
      readonly kind: 'service';
      /** The service token's id (not the token). */
      readonly tokenId: string;
      readonly organizationId: string;
      readonly role: Role;
    };

/** Verifies one bearer token. */
export interface TokenVerifier {
  /** The identity the token proves, or an {@link AuthFailure}. */
  verify(token: string): Promise<VerifiedIdentity>;
}
