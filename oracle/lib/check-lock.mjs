// Used by oracle/setup: checks that every package npm put under <home>/node_modules is the version and
// tarball (integrity) that oracle/package-lock.json pins, so that the oracle is the same everywhere.
// (setup runs `npm install` with the lock file rather than `npm ci`: node-llama-cpp 3.22.1 lists
// optional binaries, e.g. @node-llama-cpp/mac-x64@3.22.1, that were never published, and `npm ci`
// refuses a lock file without them.)
// Usage: node oracle/lib/check-lock.mjs <package-lock.json> <oracle-home>
import path from "node:path";
import { readJson, runMain, UsageError } from "./common.mjs";

const usage = "usage: node oracle/lib/check-lock.mjs <package-lock.json> <oracle-home>";

runMain(usage, async () => {
  if (process.argv.length !== 4) throw new UsageError("expected the lock file and the oracle home folder");
  const [lockFile, home] = process.argv.slice(2);
  const pinned = readJson(lockFile, "lock file").packages ?? {};
  const installedFile = path.join(home, "node_modules", ".package-lock.json");
  const installed = readJson(installedFile, "npm's record of installed packages").packages ?? {};
  const problems = [];
  for (const [where, pkg] of Object.entries(installed)) {
    const want = pinned[where];
    if (!want) problems.push(`${where} ${pkg.version} is installed but not in the lock file`);
    else if (want.version !== pkg.version || (want.integrity && pkg.integrity && want.integrity !== pkg.integrity))
      problems.push(`${where} is ${pkg.version} but the lock file pins ${want.version}`);
  }
  for (const name of Object.keys(pinned[""]?.dependencies ?? {}))
    if (!installed[`node_modules/${name}`]) problems.push(`node_modules/${name} is missing`);
  if (problems.length) throw new Error(`${installedFile} differs from ${lockFile}:\n  ${problems.join("\n  ")}`);
  process.stdout.write(`oracle/setup: npm packages: ${Object.keys(installed).length} installed, all as pinned in ${path.basename(lockFile)}\n`);
});
