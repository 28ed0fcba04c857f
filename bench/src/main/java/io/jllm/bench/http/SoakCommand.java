package io.jllm.bench.http;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.Fmt;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.ProcStatus;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.RssSampler;
import io.jllm.bench.serve.RandomPrompts;
import io.jllm.bench.serve.RequestTiming;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.scheduler.SchedulerStats;
import io.jllm.models.synth.Ftype;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 6's soak: mixed streaming and non-streaming load at high concurrency with clients that vanish
 * mid-stream, against the server in this JVM on loopback, for a bounded time. Reports errors by kind
 * (only 503s from a full queue are intended), RSS over time, and whether the engine ends idle with
 * every KV block free.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Issue 6: N minutes of mixed streaming/non-streaming load at concurrency 32 with random",
            "cancellations against the server on loopback; errors by kind, RSS over time, blocks free at the end."})
public final class SoakCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Option(names = "--model", paramLabel = "FILE", description = "GGUF to serve (default: synthetic qwen3-0.6b Q4_K_M; quick: tiny).")
    Path model;

    @Option(names = "--minutes", paramLabel = "M", description = "Duration (default: 10; quick 0.33).")
    Double minutes;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "32",
            description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--cancel", paramLabel = "FRACTION", defaultValue = "0.2",
            description = "Share of streaming requests whose client vanishes mid-stream (default: ${DEFAULT-VALUE}).")
    double cancelFraction;

    @Option(names = "--max-prompt", paramLabel = "N", defaultValue = "256", description = "Longest random prompt (default: ${DEFAULT-VALUE}).")
    int maxPrompt;

    @Option(names = "--max-gen", paramLabel = "N", defaultValue = "128", description = "Most tokens per request (default: ${DEFAULT-VALUE}).")
    int maxGen;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "16", description = "The server's --parallel (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "256", description = "The server's --max-queue (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--kv-tokens", paramLabel = "N", description = "KV cache in tokens (default: --parallel x (max prompt + max gen) x 1.5).")
    Long kvTokens;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "After the time is up, how long requests in flight may finish before the clients drop them"
                    + " (default: ${DEFAULT-VALUE}).")
    int graceSeconds;

    /** Outcome counters, shared by the clients. */
    static final class Tally {
        final LongAdder ok = new LongAdder();
        final LongAdder cancelled = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final java.util.concurrent.atomic.AtomicBoolean dropping = new java.util.concurrent.atomic.AtomicBoolean();
        final LongAdder tokens = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        void record(RequestTiming t, boolean wantedCancel) {
            if (!t.ok() && dropping.get()) {
                dropped.increment();
            } else if (t.ok()) {
                ok.increment();
                tokens.add(t.tokens());
            } else if (wantedCancel && "cancelled".equals(t.error())) {
                cancelled.increment();
            } else {
                errors.computeIfAbsent(t.error(), k -> new LongAdder()).increment();
            }
        }

        long errorCount(boolean intended) {
            long n = 0;
            for (Map.Entry<String, LongAdder> e : errors.entrySet()) {
                if (intended == e.getKey().equals("HTTP 503")) {
                    n += e.getValue().sum();
                }
            }
            return n;
        }
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        if (concurrency < 1 || maxPrompt < 1 || maxGen < 1 || !(cancelFraction >= 0 && cancelFraction <= 1)) {
            throw new IllegalArgumentException("--concurrency, --max-prompt, --max-gen >= 1 and --cancel in [0, 1]");
        }
        Progress progress = new Progress("soak");
        double mins = minutes != null ? minutes : options.quick ? 0.33 : 10;
        if (!(mins > 0 && mins <= 24 * 60)) {
            throw new IllegalArgumentException("--minutes must be in (0, 1440], got " + mins);
        }
        Path file = ModelFiles.resolve(model, ModelFiles.preset(options.quick), Ftype.Q4_K_M, progress);
        long kv = kvTokens != null ? kvTokens : (long) (parallel * (maxPrompt + maxGen) * 1.5);
        Tally tally = new Tally();
        AtomicLong sent = new AtomicLong();
        String metricsText;
        SchedulerStats end;
        int cachedBlocks;
        double[][] rss;
        boolean idle;
        long rssStart;
        try (RssSampler sampler = new RssSampler(1000);
             BenchServer server = new BenchServer(file, options.threads, parallel, 256, kv, maxQueue);
             HttpClient http = CompletionClient.newHttpClient()) {
            rssStart = ProcStatus.rss();
            // The clock starts once the server is up (model loaded, JIT warm-up done).
            long deadline = System.nanoTime() + (long) (mins * 60e9);
            CompletionClient client = new CompletionClient(http, server.base(), maxGen, true);
            progress.say("soak for %.1f min: %d clients, server %s (--parallel %d, --max-queue %d, KV %d tokens)", mins,
                    concurrency, server.base(), parallel, maxQueue, kv);
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < concurrency; c++) {
                    long seed = c;
                    clients.add(pool.submit(() -> {
                        clientLoop(client, seed, deadline, tally, sent);
                        return null;
                    }));
                }
                long nextReport = System.nanoTime() + 30_000_000_000L;
                long dropAt = deadline + graceSeconds * 1_000_000_000L;
                boolean timeUp = false;
                while (!allDone(clients)) {
                    long now = System.nanoTime();
                    if (now >= deadline && !timeUp) {
                        timeUp = true;
                        progress.say("time is up: no new requests; those in flight get %d s to finish", graceSeconds);
                    }
                    if (now >= dropAt && !tally.dropping.getAndSet(true)) {
                        // The clients vanish all at once: the server must cancel what they were waiting for.
                        progress.say("grace over: the clients drop the requests still in flight");
                        http.shutdownNow();
                    }
                    if (now >= nextReport) {
                        nextReport += 30_000_000_000L;
                        SchedulerStats s = server.engine().stats();
                        progress.say("sent %d, ok %d, cancelled %d, errors %d (+%d intended 503); running %d, waiting %d,"
                                + " KV %d/%d; RSS %s MiB", sent.get(), tally.ok.sum(), tally.cancelled.sum(),
                                tally.errorCount(false), tally.errorCount(true), s.running(), s.waiting(),
                                s.kvBlocksUsed(), s.kvBlocksTotal(), Fmt.mib(ProcStatus.rss()));
                    }
                    LockSupport.parkNanos(200_000_000L);
                }
                for (Future<?> f : clients) {
                    f.get();
                }
            }
            progress.say("load stopped; waiting for the engine to drain");
            idle = awaitIdle(server.engine(), Duration.ofSeconds(60));
            end = server.engine().stats();
            cachedBlocks = server.engine().cachedPrefixBlocks();
            try (HttpClient fresh = CompletionClient.newHttpClient()) {
                metricsText = get(fresh, server.base().resolve("/metrics"));
            }
            sampler.close();
            rss = sampler.series();
        }
        report(mins, tally, sent.get(), end, cachedBlocks, idle, metricsText, rss, rssStart);
        long unintended = tally.errorCount(false);
        return unintended == 0 && idle && end.kvBlocksUsed() == cachedBlocks ? 0 : 1;
    }

    private void clientLoop(CompletionClient client, long seed, long deadline, Tally tally, AtomicLong sent) {
        SplittableRandom random = new SplittableRandom(seed * 7919 + 1);
        int i = 0;
        while (System.nanoTime() < deadline) {
            int[] prompt = RandomPrompts.of(seed + 1_000_000, i++, 1 + random.nextInt(maxPrompt));
            int tokens = 1 + random.nextInt(maxGen);
            boolean stream = random.nextBoolean();
            boolean vanish = stream && random.nextDouble() < cancelFraction;
            int leaveAfter = vanish ? random.nextInt(Math.max(1, tokens / 2) + 1) : -1;
            sent.incrementAndGet();
            long start = System.nanoTime();
            RequestTiming t;
            try {
                t = client.call(prompt, tokens, stream, leaveAfter);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                t = RequestTiming.failed(start, System.nanoTime(), e.getClass().getSimpleName());
            }
            tally.record(t, vanish);
            if ("HTTP 503".equals(t.error())) {
                // What a well-behaved client does with 503 + Retry-After: back off briefly.
                LockSupport.parkNanos(100_000_000L);
            }
        }
    }

    private static boolean allDone(List<Future<?>> futures) {
        for (Future<?> f : futures) {
            if (!f.isDone()) {
                return false;
            }
        }
        return true;
    }

    private static boolean awaitIdle(InferenceEngine engine, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            SchedulerStats s = engine.stats();
            if (s.running() == 0 && s.waiting() == 0 && s.kvBlocksUsed() == engine.cachedPrefixBlocks()) {
                return true;
            }
            LockSupport.parkNanos(50_000_000L);
        }
        return false;
    }

    private static String get(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + r.statusCode());
        }
        return r.body();
    }

    private void report(double mins, Tally tally, long sent, SchedulerStats end, int cachedBlocks, boolean idle,
            String metrics, double[][] rss, long rssStart) throws Exception {
        Report report = new Report("soak", "Soak: mixed load with vanishing clients (issue 6)", options);
        report.paragraph(Fmt.num(mins, 1) + " minutes, " + concurrency + " closed-loop clients (JDK HttpClient on "
                + "virtual threads) against the server in this JVM on 127.0.0.1 (--parallel " + parallel
                + ", --max-queue " + maxQueue + "): `POST /v1/completions` with random token-id prompts of 1-" + maxPrompt
                + " tokens and 1-" + maxGen + " generated tokens (greedy, ignore_eos), half streaming; "
                + Fmt.num(100 * cancelFraction, 0) + "% of the streaming clients close the connection after a random "
                + "number of chunks. Every answer is checked (status, `[DONE]`, token count). When the time is up no new "
                + "request starts; those in flight get " + graceSeconds + " s, then the clients drop them (closing "
                + "their connections, which the server must notice). RSS is this JVM's (server, engine and the load "
                + "clients).");
        MarkdownTable outcomes = new MarkdownTable("outcome", "requests");
        outcomes.row("sent", sent);
        outcomes.row("complete and correct", tally.ok.sum());
        outcomes.row("vanished on purpose (cancelled mid-stream)", tally.cancelled.sum());
        outcomes.row("dropped when the grace after the end ran out", tally.dropped.sum());
        Map<String, Long> errors = new TreeMap<>();
        tally.errors.forEach((k, v) -> errors.put(k, v.sum()));
        errors.forEach((k, v) -> outcomes.row((k.equals("HTTP 503") ? "intended: " : "ERROR: ") + k, v));
        outcomes.row("unintended errors in all", tally.errorCount(false));
        outcomes.row("tokens received by complete requests", tally.tokens.sum());
        report.table(outcomes);

        MarkdownTable state = new MarkdownTable("at the end", "engine stats", "GET /metrics");
        state.row("running sequences", end.running(), Fmt.num(MetricsText.value(metrics, "jllm_requests_running"), 0));
        state.row("waiting requests", end.waiting(), Fmt.num(MetricsText.value(metrics, "jllm_requests_waiting"), 0));
        state.row("KV blocks used (all held by the prefix cache: " + cachedBlocks + ")", end.kvBlocksUsed(),
                Fmt.num(MetricsText.value(metrics, "jllm_kv_blocks_used"), 0));
        state.row("KV blocks total", end.kvBlocksTotal(), Fmt.num(MetricsText.value(metrics, "jllm_kv_blocks_total"), 0));
        state.row("preemptions", end.preemptions(), Fmt.num(MetricsText.value(metrics, "jllm_preemptions_total"), 0));
        state.row("generations ended", end.finished(), Fmt.num(MetricsText.value(metrics, "jllm_requests_total"), 0));
        report.table(state);
        boolean free = end.kvBlocksUsed() == cachedBlocks;
        report.paragraph("Engine idle within 60 s of the load stopping: " + (idle ? "yes" : "**no**")
                + "; every KV block free (or held only by the evictable prefix cache): " + (free ? "yes" : "**no**") + ".");

        double[] seconds = rss[0];
        double[] mib = new double[rss[1].length];
        for (int i = 0; i < mib.length; i++) {
            mib[i] = rss[1][i] / (1024.0 * 1024);
        }
        if (mib.length > 1) {
            int half = mib.length / 2;
            MarkdownTable r = new MarkdownTable("RSS", "MiB");
            r.row("after the server loaded", Fmt.mib(rssStart));
            r.row("median of the first half", Fmt.num(median(mib, 0, half), 1));
            r.row("median of the second half", Fmt.num(median(mib, half, mib.length), 1));
            r.row("maximum", Fmt.num(io.jllm.bench.Samples.max(mib), 1));
            r.row("last", Fmt.num(mib[mib.length - 1], 1));
            report.table(r);
            report.plot("RSS over the soak", Plots.lines(options.plotsDir().resolve("soak-rss.png"),
                    "RSS during the soak (MiB)", "seconds", "MiB", Plots.series("RSS", new double[][] {seconds, mib}),
                    false));
        }
        report.publish(System.out);
    }

    private static double median(double[] values, int from, int to) {
        return io.jllm.bench.Samples.median(java.util.Arrays.copyOfRange(values, from, Math.max(to, from + 1)));
    }
}
