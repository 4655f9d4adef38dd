#!/usr/bin/env node
// Shim: the CLI lives in dist/cli/main.js, built by `npm run build`. main() owns the exit status.
let mod;
try {
  mod = await import('../dist/cli/main.js');
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('dthostmon: not built yet: run `npm run build` in the dthostmon directory first\n');
    process.exitCode = 70;
  } else {
    throw err;
  }
}
if (mod) process.exitCode = await mod.main(process.argv);
