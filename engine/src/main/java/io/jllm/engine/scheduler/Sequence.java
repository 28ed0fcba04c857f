package io.jllm.engine.scheduler;

import io.jllm.engine.kv.KvSequence;
import io.jllm.engine.sampling.Sampler;
import java.util.Arrays;

/** The scheduler's state of one running or waiting request. Scheduler thread only. */
final class Sequence {
    final GenerationState generation;
    final KvSequence kv;
    final Sampler sampler;
    /** Prompt then generated tokens; the first kv.length() of them have cached keys and values. */
    int[] tokens;
    int length;
    final int maxGenerated;
    /** Admission order; the newest running sequence is the first to be preempted. */
    long order;
    /** Tokens scheduled in the current step. */
    int planned;
    int logitsRow = -1;
    boolean promptSeen;

    Sequence(GenerationState generation, KvSequence kv, Sampler sampler, int maxGenerated) {
        this.generation = generation;
        this.kv = kv;
        this.sampler = sampler;
        int[] prompt = generation.request.prompt();
        this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(maxGenerated, 256));
        this.length = prompt.length;
        this.maxGenerated = maxGenerated;
    }

    /** Tokens without cached keys and values: the prompt's rest while prefilling, 1 while decoding. */
    int uncomputed() {
        return length - kv.length();
    }

    int generated() {
        return length - generation.promptTokens();
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
    }
}
