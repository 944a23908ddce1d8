// Email addresses. The domain needs a dot and a top-level part of letters, so `postgres@db1`
// (a role at a host) is left alone.
import type { Detector } from './detector.js';

export const emailDetector: Detector = {
  name: 'email',
  patterns: [
    {
      keywords: ['@'],
      // The lookbehind starts a match only where a local part can start: without it a long run
      // of word characters would be rescanned from each of its positions.
      regex:
        /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g,
      keepsPrefix: false,
    },
  ],
};
