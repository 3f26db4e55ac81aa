#!/usr/bin/env node
// The `claw` terminal client (package.json "bin"): runs one command against the control plane and exits with its status.
import { main } from './client.js';

main(process.argv.slice(2), process.env, process.stdout, process.stderr).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`claw: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
