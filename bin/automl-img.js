#!/usr/bin/env node
// The automl-img command: runs the built program and sets the exit code. No logic lives here.
// A signal while the program loads ends the run as one during it would (nothing is written yet).
const early = () => {
  process.stderr.write('error: interrupted: nothing written [INTERRUPTED]\n');
  process.exit(130);
};
process.once('SIGINT', early).once('SIGTERM', early);
const { main } = await import('../dist/src/cli/main.js');
process.off('SIGINT', early).off('SIGTERM', early);

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
