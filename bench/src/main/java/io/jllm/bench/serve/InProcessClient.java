package io.jllm.bench.serve;

import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.api.RejectedException;
import io.jllm.engine.sampling.SamplingParams;

/**
 * The in-process client: submits to the engine and waits for the generation to end; times are the
 * engine's own stamps (submission, first token, finish).
 */
public final class InProcessClient implements ClosedLoop.Client {
    private final InferenceEngine engine;
    private final SamplingParams sampling;

    public InProcessClient(InferenceEngine engine, int maxTokens) {
        this.engine = engine;
        this.sampling = sampling(maxTokens);
    }

    /** Greedy (the cheapest sampler, as llama-batched-bench samples nothing), ignore_eos, exactly maxTokens. */
    public static SamplingParams sampling(int maxTokens) {
        return SamplingParams.builder().temperature(0f).maxTokens(maxTokens).ignoreEos(true).build();
    }

    @Override
    public RequestTiming call(int[] prompt) {
        long start = System.nanoTime();
        Generation g;
        try {
            g = engine.submit(new GenerationRequest(prompt, sampling));
        } catch (RejectedException e) {
            return RequestTiming.failed(start, System.nanoTime(), "rejected " + e.reason());
        }
        g.completion().join();
        int n = g.tokenCount();
        String error = g.finishReason() == FinishReason.LENGTH ? null : "finished " + g.finishReason();
        return new RequestTiming(g.submittedNanos(), n > 0 ? g.tokenNanos(0) : -1, g.finishedNanos(), n, error);
    }
}
