// Payment card numbers: 13 to 19 digits, optionally grouped by single spaces or dashes, that pass
// the Luhn check. Only numbers starting with 2 to 6 (the major networks: Mastercard 2/5, Amex,
// Diners and JCB 3, Visa 4, Discover and UnionPay 6) count: 18- and 19-digit database ids
// (snowflake ids start with 1) would otherwise be masked one time in ten.
import type { Detector } from './detector.js';

/** The Luhn checksum over the digits of `value` (separators skipped). */
export function passesLuhn(value: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = value.length - 1; index >= 0; index--) {
    const code = value.charCodeAt(index);
    if (code < 48 || code > 57) continue;
    let digit = code - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

export const cardDetector: Detector = {
  name: 'card',
  patterns: [
    {
      keywords: null,
      // Not part of a longer digit run: a 25-digit number holds no card number.
      regex: /(?<![0-9])[2-6](?:[ -]?[0-9]){12,18}(?![0-9])/g,
      keepsPrefix: false,
      accept: passesLuhn,
    },
  ],
};
