#!/usr/bin/env node
// The CLI entry point: the compiled program lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli/index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`warden: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
