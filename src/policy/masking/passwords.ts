// Password literals in SQL: `CREATE|ALTER ROLE|USER … [ENCRYPTED] PASSWORD '…'` (psql's
// \password sends one too, with a SCRAM verifier). Only the literal's content is masked, so the
// statement still reads as what it did: `ALTER ROLE app PASSWORD '[masked:passwords]'`.
// `CREATE USER MAPPING … OPTIONS (password '…')` matches as well, as it should.
import type { Detector, MaskPattern } from './detector.js';

// From the statement's start to PASSWORD, without crossing into the next statement, and at most
// 1,000 characters on (role options are short): unbounded, each ALTER ROLE of a long text would
// be followed to its end, quadratic in a text with many.
const statement = String.raw`\b(?:alter|create)\s+(?:role|user)\b[^;]{0,1000}?\bpassword\s+`;

function literal(opening: string, content: string): MaskPattern {
  return {
    keywords: ['password'],
    regex: new RegExp(`(${statement}${opening})${content}`, 'gi'),
    keepsPrefix: true,
  };
}

export const passwordsDetector: Detector = {
  name: 'passwords',
  patterns: [
    // '…' with '' for a quote (backslashes are plain characters in a standard string).
    literal("'", "(?:''|[^'])+(?=')"),
    // E'…' with backslash escapes as well.
    literal("[eE]'", String.raw`(?:''|\\[\s\S]|[^'\\])+(?=')`),
    // $$…$$ or $tag$…$tag$.
    literal(String.raw`(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)`, String.raw`[\s\S]+?(?=\2)`),
  ],
};
