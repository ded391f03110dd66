import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator for tests: ES256 (P-256) keys from node:crypto, CBOR from
 * @simplewebauthn/server's own helpers, "none" attestation. It builds exactly what a browser
 * hands back from navigator.credentials.create()/get() (as @simplewebauthn/browser serialises
 * it), signed over authenticatorData ‖ SHA-256(clientDataJSON) as the WebAuthn spec says.
 * Tamper with `origin` to play a phishing site.
 */
export interface SoftCredential {
  id: Uint8Array;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  signCount: number;
}

const flags = { userPresent: 0x01, userVerified: 0x04, attestedCredential: 0x40 };
const b64 = (bytes: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(bytes));
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

function counter(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];
  constructor(public origin: string) {}

  /** Answers PublicKeyCredentialCreationOptionsJSON like navigator.credentials.create(). */
  register(options: { challenge: string; rp: { id?: string }; user: { id: string } }, override: { origin?: string; challenge?: string } = {}) {
    const rpId = options.rp.id as string;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x as string)],
        [-3, isoBase64URL.toBuffer(jwk.y as string)],
      ]),
    );
    const credential: SoftCredential = { id: randomBytes(32), privateKey, rpId, userHandle: options.user.id, signCount: 0 };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([flags.userPresent | flags.userVerified | flags.attestedCredential]),
      counter(credential.signCount),
      Buffer.alloc(16), // AAGUID: zeros for "none" attestation
      idLength,
      credential.id,
      coseKey,
    ]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    const clientData = this.clientData('webauthn.create', override.challenge ?? options.challenge, override.origin);
    this.credentials.push(credential);
    return {
      id: b64(credential.id),
      rawId: b64(credential.id),
      type: 'public-key' as const,
      response: { clientDataJSON: b64(clientData), attestationObject: b64(attestationObject), transports: ['internal'] },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** Answers PublicKeyCredentialRequestOptionsJSON like navigator.credentials.get(). */
  authenticate(
    options: { challenge: string; rpId?: string; allowCredentials?: { id: string }[] },
    override: { origin?: string; challenge?: string; credential?: SoftCredential } = {},
  ) {
    const allowed = options.allowCredentials?.map((item) => item.id) ?? [];
    const credential =
      override.credential ??
      this.credentials.find((item) => item.rpId === options.rpId && (allowed.length === 0 || allowed.includes(b64(item.id))));
    if (!credential) throw new Error('the software authenticator holds no matching credential');
    credential.signCount += 1;
    const authData = Buffer.concat([sha256(credential.rpId), Buffer.from([flags.userPresent | flags.userVerified]), counter(credential.signCount)]);
    const clientData = this.clientData('webauthn.get', override.challenge ?? options.challenge, override.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.privateKey); // DER ECDSA
    return {
      id: b64(credential.id),
      rawId: b64(credential.id),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64(clientData),
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }
}
