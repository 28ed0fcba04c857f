// Shared plumbing of the oracle scripts: where the oracle is installed, argument parsing, JSON
// input, and loading llama.cpp through node-llama-cpp with no GPU, no download and no compile.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const scriptsDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Errors the user can fix: printed as one line, without a stack trace. */
export class UsageError extends Error {}

/**
 * Runs a script's main function; any error becomes one line on stderr and a non-zero exit
 * (2 for usage errors, 1 otherwise).
 */
export function runMain(usage, main) {
  main().then(
    () => process.exit(0),
    (err) => {
      const name = path.basename(process.argv[1] ?? "oracle");
      if (err instanceof UsageError) {
        process.stderr.write(`${name}: ${err.message}\n${usage.split("\n")[0]}\n  (--help for details)\n`);
        process.exit(2);
      }
      process.stderr.write(`${name}: ERROR: ${err?.message ?? err}\n`);
      if (process.env.JLLM_ORACLE_DEBUG) process.stderr.write(`${err?.stack}\n`);
      process.exit(1);
    });
}

/** node:util parseArgs with errors turned into UsageError; adds the common --home and --help. */
export function parseOptions(options, usage, { positionals = 0 } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      options: { ...options, home: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (parsed.positionals.length !== positionals)
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  return parsed;
}

/** The oracle's install folder: --home, else $JLLM_ORACLE_HOME, else <repo>/.oracle. */
export function oracleHome(values) {
  const home = path.resolve(values.home ?? process.env.JLLM_ORACLE_HOME ?? path.join(scriptsDir, "..", ".oracle"));
  if (!fs.existsSync(path.join(home, "node_modules", "node-llama-cpp", "package.json")))
    throw new Error(`node-llama-cpp is not installed under ${home}; run oracle/setup first`);
  return home;
}

export function requireFrom(home) {
  return createRequire(path.join(home, "package.json"));
}

export async function importNodeLlamaCpp(home) {
  return import(pathToFileURL(requireFrom(home).resolve("node-llama-cpp")).href);
}

/**
 * llama.cpp on the CPU only, from the prebuilt binary in @node-llama-cpp/linux-x64: build "never"
 * and skipDownload make node-llama-cpp fail rather than fetch or compile anything.
 */
export async function loadLlama(home, { threads = 2 } = {}) {
  const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp(home);
  return getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    maxThreads: threads,
    logLevel: process.env.JLLM_ORACLE_DEBUG ? LlamaLogLevel.debug : LlamaLogLevel.error,
    logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}${message.endsWith("\n") ? "" : "\n"}`),
  });
}

/** llama.loadModel, with the file named when llama.cpp refuses it (its own message says only "Failed"). */
export async function loadModel(llama, options) {
  try {
    return await llama.loadModel(options);
  } catch (err) {
    throw new Error(`llama.cpp cannot load ${options.modelPath}: ${err.message} (its log above says why)`);
  }
}

/** A short record of which llama.cpp answered, for the outputs' "oracle" field. */
export function describeLlama(llama) {
  return {
    llamaCppRelease: llama.llamaCppRelease,
    buildType: llama.buildType,
    gpu: llama.gpu,
    systemInfo: llama.systemInfo,
  };
}

export function readJson(file, what) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${file} is not valid JSON: ${err.message}`);
  }
}

export function requireFile(file, what) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${what} ${file} does not exist`);
  }
  if (!stat.isFile()) throw new Error(`${what} ${file} is not a regular file`);
  return path.resolve(file);
}

export function parsePositiveInt(text, option, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  if (!/^[0-9]+$/.test(text ?? "")) throw new UsageError(`--${option} must be a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`--${option} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A JSON file holding an array of strings (the tokenizer scripts' corpus). */
export function readStrings(file) {
  const strings = readJson(file, "strings file");
  if (!Array.isArray(strings)) throw new Error(`${file}: expected a JSON array of strings`);
  strings.forEach((s, i) => {
    if (typeof s !== "string") throw new Error(`${file}: entry ${i} is ${JSON.stringify(s)}, not a string`);
  });
  return strings;
}

/** Token-id sequences from JSON: an array of arrays of non-negative integers (below nVocab if given). */
export function validateSequences(value, file, nVocab = Number.MAX_SAFE_INTEGER) {
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${file}: expected a non-empty JSON array of token-id arrays`);
  value.forEach((seq, i) => {
    if (!Array.isArray(seq) || seq.length === 0)
      throw new Error(`${file}: entry ${i} must be a non-empty array of token ids`);
    seq.forEach((id, j) => {
      if (!Number.isInteger(id) || id < 0 || id >= nVocab)
        throw new Error(`${file}: entry ${i}, position ${j}: ${JSON.stringify(id)} is not a token id in [0, ${nVocab})`);
    });
  });
  return value;
}

export function writeJson(value, outFile) {
  const text = `${JSON.stringify(value, null, 1)}\n`;
  if (outFile) fs.writeFileSync(outFile, text);
  else process.stdout.write(text);
}
