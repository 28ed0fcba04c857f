package io.jllm.server;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.scheduler.SchedulerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The server's Prometheus metrics, in Helidon's global meter registry (the one its metrics observer
 * scrapes at {@code /metrics}; Helidon's own registries all delegate to Micrometer's global one anyway).
 * {@link #close()} removes the meters again, so a server started later in the same JVM (tests) begins
 * from zero with gauges bound to its own engine; two servers running at once would share them.
 *
 * <p>Latencies are recorded by the request's own thread once its generation has ended, from the
 * per-token timestamps the engine keeps, so the scheduler thread never touches a meter. Gauges and
 * engine-wide counters read {@link SchedulerStats} when scraped.
 */
final class ServerMetrics {
    private static final Duration[] TTFT_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
            30, 60);
    private static final Duration[] ITL_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1, 2.5);
    private static final Duration[] E2E_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600);

    private final MeterRegistry registry;
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer requestLatency;
    private final Timer queueTime;
    // Histograms only: Helidon's default percentiles would add client-side quantile series, which a
    // Prometheus histogram family should not carry.
    private final Map<FinishReason, Counter> finished = new EnumMap<>(FinishReason.class);
    private final List<Meter> meters = new ArrayList<>();

    /** @param stats the engine's stats, or null while no engine is loaded (gauges then read 0) */
    ServerMetrics(Supplier<SchedulerStats> stats) {
        this.registry = Metrics.globalRegistry();
        timeToFirstToken = add(Timer.builder("jllm.time.to.first.token").buckets(TTFT_BUCKETS).percentiles(new double[0])
                .description("From request submission to its first generated token"));
        interTokenLatency = add(Timer.builder("jllm.inter.token.latency").buckets(ITL_BUCKETS).percentiles(new double[0])
                .description("Between consecutive generated tokens of one request"));
        requestLatency = add(Timer.builder("jllm.request.latency").buckets(E2E_BUCKETS).percentiles(new double[0])
                .description("From request submission to the end of its generation (end to end)"));
        queueTime = add(Timer.builder("jllm.queue.time").buckets(TTFT_BUCKETS).percentiles(new double[0])
                .description("From request submission to its admission by the scheduler"));
        for (FinishReason r : FinishReason.values()) {
            finished.put(r, add(Counter.builder("jllm.requests")
                    .tags(List.of(Tag.create("finish_reason", r.name().toLowerCase(Locale.ROOT))))
                    .description("Generation requests ended, by why they ended")));
        }
        counter("jllm.prompt.tokens", "Prompt tokens admitted", stats, SchedulerStats::promptTokens);
        counter("jllm.generated.tokens", "Tokens generated", stats, SchedulerStats::generatedTokens);
        counter("jllm.preemptions", "Sequences preempted (KV blocks freed, recomputed later)", stats,
                SchedulerStats::preemptions);
        counter("jllm.prefix.cache.hit.tokens", "Prompt tokens served from the prefix cache", stats,
                SchedulerStats::prefixHitTokens);
        counter("jllm.scheduler.steps", "Forward passes run by the scheduler", stats, SchedulerStats::steps);
        gauge("jllm.requests.waiting", "Requests waiting to start (queue depth)", stats, SchedulerStats::waiting);
        gauge("jllm.requests.running", "Sequences being computed", stats, SchedulerStats::running);
        gauge("jllm.kv.blocks.used", "KV cache blocks held (by sequences or the prefix cache)", stats,
                SchedulerStats::kvBlocksUsed);
        gauge("jllm.kv.blocks.free", "KV cache blocks free", stats, s -> s.kvBlocksTotal() - s.kvBlocksUsed());
        gauge("jllm.kv.blocks.total", "KV cache blocks in all", stats, SchedulerStats::kvBlocksTotal);
        add(Gauge.builder("jllm.prefix.cache.hit.rate", () -> {
            SchedulerStats s = stats.get();
            return s == null ? 0.0 : s.prefixHitRate();
        }).description("Share of admitted prompt tokens served from the prefix cache"));
    }

    private <B extends Meter.Builder<B, M>, M extends Meter> M add(B builder) {
        M meter = registry.getOrCreate(builder);
        meters.add(meter);
        return meter;
    }

    /** Records an ended generation: its latencies and why it ended. The request's thread only. */
    void record(Generation g, int tokens, FinishReason reason) {
        finished.get(reason).increment();
        long submitted = g.submittedNanos();
        if (g.admittedNanos() != 0) {
            queueTime.record(g.admittedNanos() - submitted, TimeUnit.NANOSECONDS);
        }
        if (tokens > 0) {
            timeToFirstToken.record(g.tokenNanos(0) - submitted, TimeUnit.NANOSECONDS);
            long previous = g.tokenNanos(0);
            for (int i = 1; i < tokens; i++) {
                long t = g.tokenNanos(i);
                interTokenLatency.record(t - previous, TimeUnit.NANOSECONDS);
                previous = t;
            }
        }
        if (g.finishedNanos() != 0) {
            requestLatency.record(g.finishedNanos() - submitted, TimeUnit.NANOSECONDS);
        }
    }

    /** Removes this server's meters from the registry. */
    void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }

    private void counter(String name, String description, Supplier<SchedulerStats> stats,
            ToLongFunction<SchedulerStats> field) {
        add(FunctionalCounter.builder(name, stats, s -> {
            SchedulerStats now = s.get();
            return now == null ? 0L : field.applyAsLong(now);
        }).description(description));
    }

    private void gauge(String name, String description, Supplier<SchedulerStats> stats,
            ToLongFunction<SchedulerStats> field) {
        add(Gauge.builder(name, () -> {
            SchedulerStats s = stats.get();
            return s == null ? 0L : field.applyAsLong(s);
        }).description(description));
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return out;
    }
}
