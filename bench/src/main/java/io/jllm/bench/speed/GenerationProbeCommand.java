package io.jllm.bench.speed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jllm.bench.ProcStatus;
import io.jllm.bench.RssSampler;
import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Hidden, run by {@code speed} in a fresh JVM so nothing else has touched its memory: a generation
 * through the whole engine (scheduler, sampling) after warm-up, reporting peak RSS against the budget
 * (file + KV cache + 300 MB), collections and bytes allocated during it, and its decode rate.
 */
@Command(name = GenerationProbeCommand.NAME, hidden = true, description = "Internal: memory and GC probe for speed.")
public final class GenerationProbeCommand implements Callable<Integer> {
    static final String NAME = "speed-probe";
    static final long SLACK_BYTES = 300L << 20;
    /**
     * The server's default warm-up (its least time): without it, the first generations run the
     * Vector API kernels interpreted (every vector op boxed) while C2 compiles them, and that
     * garbage grows a heap which G1 keeps committed; the engine warms up until its passes stop
     * allocating and collects once after it.
     */
    static final long WARMUP_MILLIS = 5000;

    @Option(names = "--model", required = true)
    Path model;

    @Option(names = "--threads", defaultValue = "2")
    int threads;

    @Option(names = "--kv-tokens", defaultValue = "4096")
    long kvTokens;

    @Option(names = "--prompt", defaultValue = "32")
    int prompt;

    @Option(names = "--gen", defaultValue = "128")
    int gen;

    @Option(names = "--warmups", defaultValue = "3")
    int warmups;

    /** What the probe prints, one JSON line. */
    public record Figures(long fileBytes, long kvCacheBytes, long peakRss, boolean peakReset, long sampledMaxRss,
            long rssFile, long rssAnon, long heapCommitted, long youngGcs, long otherGcs, long allocatedBytes,
            int tokens, double decodeTokensPerSecond, long warmUpMillis, boolean warmUpSettled) {
        public long budget() {
            return fileBytes + kvCacheBytes + SLACK_BYTES;
        }
    }

    @Override
    public Integer call() throws Exception {
        EngineConfig config = EngineConfig.defaults(model).withThreads(threads).withKvCacheTokens(kvTokens)
                .withWarmup(WARMUP_MILLIS)
                .withScheduling(1, Math.max(prompt, 1), 16, false);
        SplittableRandom random = new SplittableRandom(99);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            for (int i = 0; i < warmups; i++) {
                run(engine, random);
            }
            boolean reset = ProcStatus.resetPeak();
            GcCounts before = GcCounts.now();
            Generation g;
            long sampledMax = -1;
            if (reset) {
                // VmHWM is exact now; a sampler would only add its own allocations to the count.
                g = run(engine, random);
            } else {
                try (RssSampler sampler = new RssSampler(10)) {
                    g = run(engine, random);
                    sampler.close();
                    sampledMax = sampler.max();
                }
            }
            GcCounts during = GcCounts.now().minus(before);
            long peak = ProcStatus.peakRss();
            int n = g.tokenCount();
            double decode = n > 1 ? (n - 1) / ((g.tokenNanos(n - 1) - g.tokenNanos(0)) / 1e9) : Double.NaN;
            Figures f = new Figures(Files.size(model), engine.kvCacheBytes(), peak, reset, sampledMax,
                    ProcStatus.rssFile(), ProcStatus.rssAnon(),
                    java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(),
                    during.young(), during.other(), during.allocatedBytes(), n, decode, engine.warmUp().millis(),
                    engine.warmUp().settled());
            System.out.println(new ObjectMapper().writeValueAsString(f));
        }
        return 0;
    }

    private Generation run(InferenceEngine engine, SplittableRandom random) throws InterruptedException {
        int[] tokens = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            tokens[i] = random.nextInt(1000, 100_000);
        }
        SamplingParams sampling = SamplingParams.builder().temperature(0f).maxTokens(gen).ignoreEos(true).build();
        Generation g = engine.submit(new GenerationRequest(tokens, sampling));
        g.completion().join();
        if (g.tokenCount() != gen) {
            throw new IllegalStateException("generation ended after " + g.tokenCount() + " of " + gen + " tokens: "
                    + g.finishReason() + " " + g.error());
        }
        return g;
    }

    static Figures parse(String line) throws java.io.IOException {
        return new ObjectMapper().readValue(line, Figures.class);
    }
}
