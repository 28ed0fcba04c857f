package io.jllm.bench.serve;

import io.jllm.bench.Samples;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Issue 5's long-prompt check: {@code decoders} sequences are decoding when a {@code longPrompt}-token
 * prompt arrives. With chunked prefill under a step token budget, each step still carries one token
 * per decoder, so their inter-token latency during the prefill should stay near one step's time
 * rather than jump to the whole prefill's.
 *
 * <p>Windows: <em>before</em> = the decoders' inter-token intervals that end before the long prompt
 * is submitted (after each had {@code settle} tokens); <em>during</em> = the intervals that overlap
 * the prefill, from the long prompt's submission to its first token.
 */
public final class LongPromptScenario {
    /** What it measured. */
    public record Result(double[] before, double[] during, double prefillMillis, long prefillSteps,
            int decoderTokensDuring, boolean decodersOutlived) {
        public double meanStepDuringMillis() {
            return prefillSteps == 0 ? Double.NaN : prefillMillis / prefillSteps;
        }

        public double p(double[] values, double percentile) {
            return values.length == 0 ? Double.NaN : Samples.percentile(values, percentile);
        }
    }

    private LongPromptScenario() {
    }

    public static Result run(InferenceEngine engine, int decoders, int promptTokens, int longPrompt, int settle,
            int decoderCap, long seed) throws InterruptedException {
        List<Generation> running = new ArrayList<>();
        Generation big = null;
        try {
            for (int i = 0; i < decoders; i++) {
                running.add(engine.submit(new GenerationRequest(RandomPrompts.of(seed, i, promptTokens),
                        InProcessClient.sampling(decoderCap))));
            }
            for (Generation g : running) {
                awaitTokens(g, settle);
            }
            long settled = Long.MIN_VALUE;
            for (Generation g : running) {
                settled = Math.max(settled, g.tokenNanos(settle / 2));
            }
            // Let a few steps pass so the "before" window holds steady-state decoding only.
            for (Generation g : running) {
                awaitTokens(g, g.tokenCount() + settle / 2);
            }
            long stepsBefore = engine.stats().steps();
            big = engine.submit(new GenerationRequest(RandomPrompts.of(seed + 1, 0, longPrompt),
                    InProcessClient.sampling(4)));
            long submitted = big.submittedNanos();
            awaitTokens(big, 1);
            long first = big.tokenNanos(0);
            long stepsAfter = engine.stats().steps();
            // One more token each, so every interval overlapping the prefill has ended.
            for (Generation g : running) {
                awaitTokens(g, tokenIndexAfter(g, first) + 2);
            }
            big.completion().join();
            boolean outlived = true;
            List<Double> before = new ArrayList<>();
            List<Double> during = new ArrayList<>();
            int tokensDuring = 0;
            for (Generation g : running) {
                outlived &= !g.isDone();
                for (int i = 1; i < g.tokenCount(); i++) {
                    long a = g.tokenNanos(i - 1);
                    long b = g.tokenNanos(i);
                    if (a >= settled && b <= submitted) {
                        before.add((b - a) / 1e6);
                    } else if (b > submitted && a < first) {
                        during.add((b - a) / 1e6);
                        if (b <= first) {
                            tokensDuring++;
                        }
                    }
                }
            }
            return new Result(toArray(before), toArray(during), (first - submitted) / 1e6, stepsAfter - stepsBefore,
                    tokensDuring, outlived);
        } finally {
            if (big != null) {
                running.add(big);
            }
            for (Generation g : running) {
                g.cancel();
            }
            for (Generation g : running) {
                g.completion().join();
            }
        }
    }

    private static int tokenIndexAfter(Generation g, long nanos) {
        int n = g.tokenCount();
        for (int i = 0; i < n; i++) {
            if (g.tokenNanos(i) > nanos) {
                return i;
            }
        }
        return n;
    }

    private static void awaitTokens(Generation g, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (g.tokenCount() < count && !g.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("generation " + g.id() + " made " + g.tokenCount() + " of " + count
                        + " tokens in 10 minutes");
            }
            g.awaitTokens(g.tokenCount(), TimeUnit.SECONDS.toNanos(1));
        }
    }

    private static double[] toArray(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
