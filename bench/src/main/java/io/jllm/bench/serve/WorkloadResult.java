package io.jllm.bench.serve;

import io.jllm.bench.Samples;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one closed-loop run: aggregate generated tokens per second over the run's wall time
 * (first request sent to last answer complete), and TTFT and latency percentiles over its requests.
 */
public record WorkloadResult(int requests, int failed, long tokens, double seconds, double[] ttftMillis,
        double[] latencyMillis, Map<String, Integer> errors) {

    public static WorkloadResult of(List<RequestTiming> timings) {
        if (timings.isEmpty()) {
            throw new IllegalArgumentException("a workload result needs at least one request");
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long tokens = 0;
        int failed = 0;
        Map<String, Integer> errors = new TreeMap<>();
        double[] ttft = new double[timings.size()];
        double[] latency = new double[timings.size()];
        int okCount = 0;
        int ttftCount = 0;
        for (RequestTiming t : timings) {
            first = Math.min(first, t.start());
            last = Math.max(last, t.end());
            if (!t.ok()) {
                failed++;
                errors.merge(t.error(), 1, Integer::sum);
                continue;
            }
            tokens += t.tokens();
            latency[okCount++] = t.latencyMillis();
            if (t.firstToken() >= 0) {
                ttft[ttftCount++] = t.ttftMillis();
            }
        }
        return new WorkloadResult(timings.size(), failed, tokens, (last - first) / 1e9,
                java.util.Arrays.copyOf(ttft, ttftCount), java.util.Arrays.copyOf(latency, okCount), errors);
    }

    /** Generated tokens per second, all requests together. */
    public double tokensPerSecond() {
        return seconds <= 0 ? Double.NaN : tokens / seconds;
    }

    public double ttft(double percentile) {
        return ttftMillis.length == 0 ? Double.NaN : Samples.percentile(ttftMillis, percentile);
    }

    public double latency(double percentile) {
        return latencyMillis.length == 0 ? Double.NaN : Samples.percentile(latencyMillis, percentile);
    }

    /** The median over runs of a per-run figure, skipping runs where it is missing (NaN); NaN if all are. */
    public static double medianOver(WorkloadResult[] runs, java.util.function.ToDoubleFunction<WorkloadResult> figure) {
        double[] values = java.util.Arrays.stream(runs).mapToDouble(figure).filter(v -> !Double.isNaN(v)).toArray();
        return values.length == 0 ? Double.NaN : Samples.median(values);
    }
}
