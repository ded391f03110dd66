import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { openAesGcm, sealAesGcm, type Secrets } from '../../platform/secrets';

/**
 * Custodial wallet keys, stored encrypted with AES-256-GCM under a key derived from the root
 * secret for this purpose only (platform/secrets.ts). The user id and address are the
 * additional authenticated data, so a ciphertext copied onto another user's row does not decrypt.
 * Stored form: base64(iv 12 bytes || tag 16 bytes || ciphertext).
 */
export class CustodialKeys {
  constructor(private readonly secrets: Secrets) {}

  private key(): Buffer {
    return this.secrets.key('tokenization:custodial-wallet-keys');
  }

  generate(userId: string): { address: Hex; encryptedKey: string } {
    const privateKey = generatePrivateKey();
    const address = privateKeyToAccount(privateKey).address;
    return { address, encryptedKey: this.seal(userId, address, privateKey) };
  }

  seal(userId: string, address: string, privateKey: Hex): string {
    const { iv, tag, ciphertext } = sealAesGcm(this.key(), Buffer.from(privateKey.slice(2), 'hex'), Buffer.from(`${userId}:${address}`));
    return Buffer.concat([iv, tag, ciphertext]).toString('base64');
  }

  open(userId: string, address: string, sealed: string): PrivateKeyAccount {
    const bytes = Buffer.from(sealed, 'base64');
    const parts = { iv: bytes.subarray(0, 12), tag: bytes.subarray(12, 28), ciphertext: bytes.subarray(28) };
    const privateKey = openAesGcm(this.key(), parts, Buffer.from(`${userId}:${address}`));
    const account = privateKeyToAccount(`0x${privateKey.toString('hex')}`);
    if (account.address !== address) throw new Error('custodial key does not match its wallet address');
    return account;
  }
}
