// Masking: detectors for what must not be stored in clear (emails, card numbers, secrets,
// password literals, custom patterns), applied to events before the journal stores them.
export { Masker, maskerFor } from './masker.js';
