#!/usr/bin/env node
// The automl-img command: runs the built program and sets the exit code. No logic lives here.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Not a known input error: a bug. Show the stack.
    console.error(error);
    process.exitCode = 70;
  },
);
