// A detector from a configured pattern (`masking.custom`): every match is masked whole.
import type { CustomDetector } from '../../config/policy-types.js';
import type { Detector } from './detector.js';

export function customDetector(custom: CustomDetector): Detector {
  // A copy of the pattern with the global flag (every match is replaced) and without the sticky
  // one (which would stop replacing at the first gap); the config's own object stays untouched.
  const flags = custom.pattern.flags.replace('y', '');
  const regex = new RegExp(custom.pattern.source, flags.includes('g') ? flags : `${flags}g`);
  return { name: custom.name, patterns: [{ keywords: null, regex, keepsPrefix: false }] };
}
