// Used by oracle/setup: loads node-llama-cpp's prebuilt CPU binary and prints which llama.cpp it is.
// Usage: node oracle/lib/check-binary.mjs <oracle-home>
import { describeLlama, loadLlama, runMain, UsageError } from "./common.mjs";

const usage = "usage: node oracle/lib/check-binary.mjs <oracle-home>";

runMain(usage, async () => {
  const home = process.argv[2];
  if (!home || process.argv.length !== 3) throw new UsageError("expected the oracle home folder");
  const started = Date.now();
  const llama = await loadLlama(home, { threads: 1 });
  const info = describeLlama(llama);
  const cpu = [...info.systemInfo.matchAll(/([A-Z0-9_]+) = 1/g)].map((m) => m[1]).join(" ");
  process.stdout.write(`oracle/setup: llama.cpp ${info.llamaCppRelease.release} (${info.buildType}, gpu=${info.gpu}) ` +
    `loads in ${Date.now() - started} ms; CPU features: ${cpu}\n`);
  await llama.dispose();
});
