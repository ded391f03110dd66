import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * New passwords are checked against zxcvbn-ts's `passwords-common` dictionary
 * (@zxcvbn-ts/language-common, MIT): 49,233 passwords ranked by how often they appear in public
 * breach corpora (the list zxcvbn derives from the Xato/SecLists 10-million-password set). NIST SP
 * 800-63B §5.1.1.2 asks verifiers to refuse passwords "obtained from previous breach corpuses"
 * and "commonly-used" ones; a bundled list does that offline, without sending anything anywhere.
 *
 * Besides exact (case-insensitive) hits we refuse the cheap variations attackers try first: a
 * listed password with digits or punctuation appended ("password123!"), a single word repeated,
 * and passwords made of the account's own e-mail name or display name.
 */
let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()));
  return common;
}

export const commonPasswordCount = (): number => commonPasswords().size;

export type PasswordVerdict = { ok: true } | { ok: false; reason: string };

export function vetNewPassword(password: string, context: { email?: string; displayName?: string } = {}): PasswordVerdict {
  const list = commonPasswords();
  const lowered = password.toLowerCase();
  if (list.has(lowered)) return { ok: false, reason: 'is one of the most common passwords found in data breaches' };
  const stem = lowered.replace(/[\d\s!@#$%^&*()_+=.,?-]+$/u, '');
  if (stem.length >= 4 && stem !== lowered && list.has(stem)) {
    return { ok: false, reason: `is a common breached password ("${stem}") with a few characters added` };
  }
  const compact = lowered.replace(/\s+/g, '');
  if (compact !== lowered && list.has(compact)) return { ok: false, reason: 'is a common breached password with spaces added' };
  if (/^(.{1,4})\1+$/u.test(compact)) return { ok: false, reason: 'repeats a short pattern' };
  const names = [context.email?.split('@')[0], context.displayName].filter((name): name is string => !!name && name.length >= 3);
  for (const name of names) {
    if (compact.replace(/[^\p{L}\p{N}]/gu, '') === name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')) {
      return { ok: false, reason: 'is your e-mail name or display name' };
    }
  }
  return { ok: true };
}
