// A llama.cpp context set up for reproducible oracle runs (CPU, fixed threads, flash attention off,
// KV cache type chosen, one sequence), and the raw logits of evaluated positions.
import { importNodeLlamaCpp, loadLlama, loadModel, parsePositiveInt, UsageError } from "./common.mjs";

/** The context options the logits and generate scripts share, for node:util parseArgs. */
export const evaluatorOptions = {
  threads: { type: "string", default: "1" },
  "batch-size": { type: "string", default: "512" },
  "context-size": { type: "string" },
  "kv-type": { type: "string", default: "f16" },
  "flash-attention": { type: "string", default: "off" },
};

export const evaluatorUsage = `  --threads N           llama.cpp threads (default 1: on a busy 2-core machine a second thread
                        makes llama.cpp's spinning thread pool far slower, and logits do not depend on it)
  --batch-size N        tokens per llama_decode call, also the micro-batch size (default 512)
  --context-size N      KV cache cells (default: the longest sequence rounded up to 256)
  --kv-type T           KV cache type for K and V: f16 (llama.cpp's default) or f32, or another ggml
                        type name such as q8_0 (needs --flash-attention on) (default f16)
  --flash-attention X   off (default) or on`;

export function parseEvaluatorSettings(values) {
  const kvType = values["kv-type"].toUpperCase();
  const fa = values["flash-attention"];
  if (fa !== "on" && fa !== "off") throw new UsageError(`--flash-attention must be on or off, got '${fa}'`);
  return {
    threads: parsePositiveInt(values.threads, "threads", { max: 256 }),
    batchSize: parsePositiveInt(values["batch-size"], "batch-size", { max: 65536 }),
    contextSize: values["context-size"] === undefined
      ? undefined : parsePositiveInt(values["context-size"], "context-size", { max: 1 << 20 }),
    kvType,
    flashAttention: fa === "on",
  };
}

/** Loads the model on the CPU and makes a one-sequence context big enough for maxTokens. */
export async function openEvaluator(home, modelPath, settings, maxTokens) {
  const contextSize = settings.contextSize ?? Math.ceil(maxTokens / 256) * 256;
  if (contextSize < maxTokens)
    throw new UsageError(`--context-size ${contextSize} is smaller than the longest run (${maxTokens} tokens)`);
  // node-llama-cpp silently falls back to F16 for a type name it does not know: refuse those here.
  const { GgmlType } = await importNodeLlamaCpp(home);
  if (typeof GgmlType[settings.kvType] !== "number")
    throw new UsageError(`--kv-type: '${settings.kvType.toLowerCase()}' is not a ggml type (f16, f32, bf16, q8_0, ...)`);
  const llama = await loadLlama(home, { threads: settings.threads });
  const model = await loadModel(llama, { modelPath, gpuLayers: 0, useMmap: true });
  let context;
  try {
    context = await model.createContext({
      contextSize,
      batchSize: Math.min(settings.batchSize, contextSize),
      sequences: 1,
      threads: { ideal: settings.threads, min: settings.threads },
      flashAttention: settings.flashAttention,
      experimentalKvCacheKeyType: settings.kvType,
      experimentalKvCacheValueType: settings.kvType,
      ignoreMemorySafetyChecks: true,
      failedCreationRemedy: false,
    });
  } catch (err) {
    await model.dispose();
    await llama.dispose();
    throw new Error(`llama.cpp could not create the context (kv-type ${settings.kvType}, flash attention ` +
      `${settings.flashAttention ? "on" : "off"}, ${contextSize} cells): ${err.message}`);
  }
  const sequence = context.getSequence();
  const nVocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;
  if (!Number.isInteger(nVocab) || nVocab <= 0) throw new Error(`${modelPath} has no tokenizer.ggml.tokens`);
  return {
    llama, model, context, sequence, nVocab,
    settings: {
      threads: context.currentThreads, batchSize: context.batchSize, contextSize: context.contextSize,
      kvCacheKeyType: GgmlType[context.kvCacheKeyType], kvCacheValueType: GgmlType[context.kvCacheValueType],
      flashAttention: context.flashAttention,
    },
    async close() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/**
 * Evaluates tokens on the sequence (appending to what it holds) and returns, for each index in
 * wantLogits (positions within tokens), the raw logits after that token as a Float32Array of nVocab.
 * The sampler node-llama-cpp runs to deliver them is greedy only, which leaves logits untouched.
 */
export async function evaluate(evaluator, tokens, wantLogits) {
  const want = new Set(wantLogits);
  const input = tokens.map((t, i) => (want.has(i) ? [t, { generateNext: { logits: true } }] : t));
  const results = await evaluator.sequence.controlledEvaluate(input);
  return wantLogits.map((i) => {
    const map = results[i]?.next?.logits;
    if (!map) throw new Error(`llama.cpp returned no logits for position ${i}`);
    if (map.size !== evaluator.nVocab) throw new Error(`llama.cpp returned ${map.size} logits, expected ${evaluator.nVocab}`);
    const row = new Float32Array(evaluator.nVocab);
    for (const [token, logit] of map) row[token] = logit;
    return row;
  });
}

/** The two largest logits; ties go to the lower token id, as llama.cpp's greedy sampler does. */
export function top2(row) {
  let a = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[a]) a = i;
  let b = a === 0 ? 1 : 0;
  for (let i = 0; i < row.length; i++) if (i !== a && row[i] > row[b]) b = i;
  return { top1: a, top1Logit: row[a], top2: b, top2Logit: row[b], margin: row[a] - row[b] };
}
