import { randomInt } from 'node:crypto';

/** The subset of IAM's account password policy that constrains a generated password. */
export interface PasswordPolicy {
  minimumLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercase: boolean;
  requireLowercase: boolean;
}

/** IAM's default when the account sets no policy: 8 characters, at least three character classes. */
export const IAM_DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minimumLength: 8,
  requireSymbols: false,
  requireNumbers: false,
  requireUppercase: false,
  requireLowercase: false,
};

const CLASSES = {
  lower: 'abcdefghijkmnopqrstuvwxyz',
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  digits: '23456789',
  // IAM's allowed symbols minus quotes and backslash, so the password survives shells and JSON untouched.
  symbols: '!@#$%^&*()_+-=[]{}|',
} as const;

/** IAM accepts passwords of 6 to 128 characters; 32 random characters from ~75 is ~199 bits. */
const DEFAULT_LENGTH = 32;
const MAX_LENGTH = 128;

/**
 * A password that satisfies any IAM password policy: every character class is always present (IAM's
 * no-policy default asks for three of four), and the length is the larger of 32 and the policy minimum.
 */
export function generatePassword(policy: PasswordPolicy, pick: (max: number) => number = randomInt): string {
  const length = Math.min(MAX_LENGTH, Math.max(DEFAULT_LENGTH, policy.minimumLength));
  const classes = Object.values(CLASSES);
  const all = classes.join('');
  const chars = classes.map((set) => set.charAt(pick(set.length)));
  while (chars.length < length) chars.push(all.charAt(pick(all.length)));
  // Fisher-Yates, so the guaranteed characters are not always at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    const [a, b] = [chars[i], chars[j]];
    // Always both set (0 <= j <= i < length); the check spares a cast under noUncheckedIndexedAccess.
    if (a !== undefined && b !== undefined) [chars[i], chars[j]] = [b, a];
  }
  return chars.join('');
}

export function satisfiesPolicy(password: string, policy: PasswordPolicy): boolean {
  return (
    password.length >= policy.minimumLength &&
    (!policy.requireLowercase || /[a-z]/.test(password)) &&
    (!policy.requireUppercase || /[A-Z]/.test(password)) &&
    (!policy.requireNumbers || /[0-9]/.test(password)) &&
    (!policy.requireSymbols || /[^A-Za-z0-9]/.test(password))
  );
}
