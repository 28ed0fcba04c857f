package io.jllm.bench.http;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.Fmt;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.Samples;
import io.jllm.bench.serve.ClosedLoop;
import io.jllm.bench.serve.InProcessClient;
import io.jllm.bench.serve.RandomPrompts;
import io.jllm.bench.serve.WorkloadOptions;
import io.jllm.bench.serve.WorkloadResult;
import io.jllm.models.synth.Ftype;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 6's wire overhead: the seed workload over HTTP (streaming and not) against the jLLM server in
 * this JVM, and in-process against the same server's engine, alternating in one run.
 */
@Command(name = "http", mixinStandardHelpOptions = true,
        description = {"Issue 6: the seed workload over HTTP (/v1/completions, streaming and not) vs in-process,",
            "same engine, alternating runs; HTTP aggregate / in-process aggregate (goal >= 0.97)."})
public final class HttpCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Mixin
    WorkloadOptions workload;

    @Option(names = "--runs", paramLabel = "N", description = "Runs of each mode, alternating (default: 5; quick 2).")
    Integer runs;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "16",
            description = "The server's --parallel (default: ${DEFAULT-VALUE}, the server's).")
    int parallel;

    private static final String[] MODES = {"in-process", "HTTP streaming", "HTTP non-streaming"};

    @Override
    public Integer call() throws Exception {
        options.check();
        workload.check();
        Progress progress = new Progress("http");
        int n = runs != null ? runs : options.quick ? 2 : 5;
        Path file = ModelFiles.resolve(workload.model, ModelFiles.preset(options.quick), Ftype.Q4_K_M, progress);
        int running = Math.max(parallel, workload.concurrency);
        long kvTokens = workload.kvTokens != null ? workload.kvTokens
                : (long) running * (workload.prompt + workload.gen + 16) + 1024;
        WorkloadResult[][] results = new WorkloadResult[MODES.length][n];
        progress.say("starting the server on 127.0.0.1 (ephemeral port): %s, %d threads, --parallel %d", file.getFileName(),
                options.threads, running);
        try (BenchServer server = new BenchServer(file, options.threads, running, workload.stepTokens, kvTokens, 4096)) {
            HttpClient http = CompletionClient.newHttpClient();
            ClosedLoop.Client[] clients = {new InProcessClient(server.engine(), workload.gen),
                new CompletionClient(http, server.base(), workload.gen, true),
                new CompletionClient(http, server.base(), workload.gen, false)};
            progress.say("server at %s; warm-up of every mode", server.base());
            for (int m = 0; m < MODES.length; m++) {
                int mode = m;
                check(ClosedLoop.run(workload.concurrency, workload.concurrency,
                        i -> RandomPrompts.of(-10 - mode, i, workload.prompt), clients[m]), MODES[m] + " warm-up");
            }
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < MODES.length; k++) {
                    // The order rotates run by run, so no mode always follows another.
                    int m = (k + r) % MODES.length;
                    int seed = 100 * r + m;
                    results[m][r] = WorkloadResult.of(ClosedLoop.run(workload.concurrency, workload.requests,
                            i -> RandomPrompts.of(seed, i, workload.prompt), clients[m]));
                    progress.say("run %d/%d %-18s %.1f t/s (failed %d)", r + 1, n, MODES[m],
                            results[m][r].tokensPerSecond(), results[m][r].failed());
                }
            }
        }
        report(results, n, running);
        return 0;
    }

    private static void check(List<io.jllm.bench.serve.RequestTiming> timings, String what) {
        WorkloadResult w = WorkloadResult.of(timings);
        if (w.failed() > 0) {
            throw new IllegalStateException(what + ": " + w.failed() + " of " + w.requests() + " requests failed: "
                    + w.errors());
        }
    }

    private void report(WorkloadResult[][] results, int n, int running) throws Exception {
        Report report = new Report("http", "Serving over HTTP vs in-process (issue 6)", options);
        report.paragraph("The seed workload (" + workload.requests + " requests, " + workload.concurrency
                + " concurrent closed-loop clients, " + workload.prompt + "-token random prompts as token ids, "
                + workload.gen + " tokens each, greedy, ignore_eos) three ways against one server in this JVM "
                + "(127.0.0.1, ephemeral port, --parallel " + running + ", " + options.threads + " compute threads): "
                + "in-process through the server's own `InferenceEngine`, and over HTTP/1.1 with the JDK HttpClient "
                + "(virtual threads) to `POST /v1/completions`, streaming (SSE, `stream_options.include_usage`) and "
                + "not. The clients run in the same JVM and on the same cores as the server. " + n + " runs of each "
                + "mode, the order rotating run by run; medians; ratios are medians of per-run ratios to the "
                + "in-process run of the same round. HTTP TTFT is measured by the client at the first SSE chunk; "
                + "in-process TTFT from the engine's stamps. Non-streaming answers show no TTFT.");
        MarkdownTable t = new MarkdownTable("mode", "aggregate t/s", "/ in-process", "goal", "met", "TTFT p50 ms",
                "TTFT p99 ms", "latency p50 ms", "latency p99 ms", "failed");
        double[] bars = new double[MODES.length];
        for (int m = 0; m < MODES.length; m++) {
            double[] agg = Arrays.stream(results[m]).mapToDouble(WorkloadResult::tokensPerSecond).toArray();
            double[] ratio = new double[n];
            for (int r = 0; r < n; r++) {
                ratio[r] = Samples.ratio(agg[r], results[0][r].tokensPerSecond());
            }
            double med = Samples.median(ratio);
            bars[m] = Samples.median(agg);
            boolean http = m > 0;
            t.row(MODES[m], Fmt.num(bars[m], 1), http ? Fmt.ratio(med) : "", http ? ">= 0.97x" : "",
                    http ? Fmt.meets(med, 0.97, true) : "", med(results[m], w -> w.ttft(50)),
                    med(results[m], w -> w.ttft(99)), med(results[m], w -> w.latency(50)),
                    med(results[m], w -> w.latency(99)), Arrays.stream(results[m]).mapToInt(WorkloadResult::failed).sum());
        }
        report.table(t);
        List<String> errors = new ArrayList<>();
        for (int m = 0; m < MODES.length; m++) {
            for (WorkloadResult w : results[m]) {
                if (!w.errors().isEmpty()) {
                    errors.add(MODES[m] + ": " + w.errors());
                }
            }
        }
        if (!errors.isEmpty()) {
            report.paragraph("Failures: " + String.join("; ", errors));
        }
        report.plot("aggregate tokens/s by mode", Plots.bars(options.plotsDir().resolve("http.png"),
                "Seed workload: aggregate generated tokens/s", "tokens/s", List.of(MODES), Plots.series("jLLM", bars)));
        report.publish(System.out);
    }

    private static String med(WorkloadResult[] runs, java.util.function.ToDoubleFunction<WorkloadResult> f) {
        return Fmt.num(WorkloadResult.medianOver(runs, f), 0);
    }
}
