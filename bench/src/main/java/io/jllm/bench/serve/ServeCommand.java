package io.jllm.bench.serve;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.Fmt;
import io.jllm.bench.HostCpu;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.Samples;
import io.jllm.bench.llamacpp.LlamaBatchedBench;
import io.jllm.bench.llamacpp.LlamaCpp;
import io.jllm.engine.api.EngineConfig;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.kernel.SimdKernels;
import io.jllm.engine.model.ForwardProfile;
import io.jllm.models.synth.Ftype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 5's in-process serving benchmark: the seed workload (40 requests, 8 concurrent, 32-token
 * prompts, 50 tokens each) against llama-batched-bench on the same shape, a concurrency sweep with a
 * plot, and the long-prompt scenario.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Issue 5: the seed workload in-process vs llama-batched-bench, a concurrency sweep (plot),",
            "and a long prompt arriving while sequences decode."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Mixin
    WorkloadOptions workload;

    @Option(names = "--runs", paramLabel = "N", description = "Alternating seed-workload runs per engine (default: 5; quick 2).")
    Integer runs;

    @Option(names = "--sweep", split = ",", paramLabel = "C",
            description = "Concurrency sweep (default: 1,2,4,8,16,32; quick 1,2,4).")
    List<Integer> sweep;

    @Option(names = "--sweep-requests", paramLabel = "N",
            description = "Requests per client at each sweep point (default: 3; quick 1).")
    Integer sweepRequests;

    @Option(names = "--sweep-runs", paramLabel = "N", description = "Sweep repetitions, alternating engines (default: 3; quick 1).")
    Integer sweepRuns;

    @Option(names = "--no-sweep", description = "Skip the concurrency sweep.")
    boolean noSweep;

    /** Why the long-prompt scenario did not finish, or null. */
    private String longFailure;

    /** The engine's step time budget, for the long-prompt report. */
    private long stepBudgetMillis;

    @Option(names = "--no-profile", description = "Skip the per-op profile of one extra (untimed) seed run.")
    boolean noProfile;

    @Option(names = "--compare-small-batch", description = "After each jLLM seed run, run it again in the same JVM "
            + "with the K-quant small-batch kernel off (token-by-token matmuls for batches below the GEMM's minimum), and "
            + "report both.")
    boolean compareSmallBatch;

    @Option(names = "--long-prompt", paramLabel = "N", defaultValue = "2000",
            description = "Tokens of the long prompt (default: ${DEFAULT-VALUE}); 0 skips the scenario.")
    int longPrompt;

    @Option(names = "--decoders", paramLabel = "N", defaultValue = "7",
            description = "Sequences decoding when the long prompt arrives (default: ${DEFAULT-VALUE}).")
    int decoders;

    @Override
    public Integer call() throws Exception {
        options.check();
        workload.check();
        Progress progress = new Progress("serve");
        int seedRuns = runs != null ? runs : options.quick ? 2 : 5;
        List<Integer> points = sweep != null ? sweep : options.quick ? List.of(1, 2, 4) : List.of(1, 2, 4, 8, 16, 32);
        int perClient = sweepRequests != null ? sweepRequests : options.quick ? 1 : 3;
        int sweepReps = noSweep ? 0 : sweepRuns != null ? sweepRuns : options.quick ? 1 : 3;
        Path file = ModelFiles.resolve(workload.model, ModelFiles.preset(options.quick), Ftype.Q4_K_M, progress);
        LlamaCpp llama = options.llamaCpp();
        Optional<Path> batched = llama.tool("llama-batched-bench");
        if (batched.isEmpty()) {
            progress.say(llama.missing("llama-batched-bench"));
        }
        int maxConcurrency = Math.max(workload.concurrency, points.stream().mapToInt(Integer::intValue).max().orElse(1));
        int running = Math.max(maxConcurrency, decoders + 1);
        int settle = 16;
        // the decoders must outlive the prefill (they are cancelled once it ends): a step on the
        // small-batch path may prefill a single token
        int decoderCap = settle * 2 + 64 + longPrompt;
        long kvTokens = workload.kvTokens != null ? workload.kvTokens
                : Math.max((long) maxConcurrency * (workload.prompt + workload.gen + 16),
                        (long) decoders * (workload.prompt + decoderCap + 16) + longPrompt + 64);
        EngineConfig config = workload.engineConfig(file, options.threads, running, kvTokens);
        stepBudgetMillis = config.stepMillis();
        progress.say("engine: %s, %d threads, %d running at most, step budget %d tokens, KV cache %d tokens",
                file.getFileName(), options.threads, running, workload.stepTokens, kvTokens);

        Seed seed = new Seed(seedRuns);
        List<SweepPoint> sweepPoints = new ArrayList<>();
        LongPromptScenario.Result longResult = null;
        HostCpu.Share longHost = HostCpu.Share.UNKNOWN;
        ForwardProfile profile = null;
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            InProcessClient client = new InProcessClient(engine, workload.gen);
            progress.say("warm-up: %d requests", workload.concurrency);
            ClosedLoop.run(workload.concurrency, workload.concurrency,
                    i -> RandomPrompts.of(-1, i, workload.prompt), client);
            for (int r = 0; r < seedRuns; r++) {
                boolean jllmFirst = r % 2 == 0;
                if (!jllmFirst) {
                    seed.llama(r, batched, file, options.threads, workload, progress);
                }
                int run = r;
                HostCpu before = HostCpu.now();
                seed.jllm[r] = WorkloadResult.of(ClosedLoop.run(workload.concurrency, workload.requests,
                        i -> RandomPrompts.of(run, i, workload.prompt), client));
                seed.host[r] = HostCpu.between(before, HostCpu.now());
                progress.say("seed run %d/%d: jLLM %.1f t/s (TTFT p50 %.0f ms, latency p50 %.0f ms; %s)", r + 1,
                        seedRuns, seed.jllm[r].tokensPerSecond(), seed.jllm[r].ttft(50), seed.jllm[r].latency(50),
                        seed.host[r]);
                if (compareSmallBatch) {
                    int old = SimdKernels.smallBatchMinTokens(Integer.MAX_VALUE);
                    seed.tokenByToken[r] = WorkloadResult.of(ClosedLoop.run(workload.concurrency, workload.requests,
                            i -> RandomPrompts.of(run, i, workload.prompt), client));
                    SimdKernels.smallBatchMinTokens(old);
                    progress.say("seed run %d/%d: jLLM without the small-batch kernel %.1f t/s", r + 1, seedRuns,
                            seed.tokenByToken[r].tokensPerSecond());
                }
                if (jllmFirst) {
                    seed.llama(r, batched, file, options.threads, workload, progress);
                }
            }
            if (!noProfile) {
                progress.say("per-op profile of one more seed run (not timed)");
                ForwardProfile p = engine.startProfiling();
                ClosedLoop.run(workload.concurrency, workload.requests,
                        i -> RandomPrompts.of(-2, i, workload.prompt), client);
                engine.stopProfiling();
                profile = p;
                progress.say("%s", p.report());
            }
            for (int c : points) {
                sweepPoints.add(new SweepPoint(c, sweepReps));
            }
            for (int s = 0; s < sweepReps; s++) {
                boolean jllmFirst = s % 2 == 0;
                if (!jllmFirst) {
                    sweepLlama(s, sweepPoints, batched, file, progress);
                }
                for (SweepPoint p : sweepPoints) {
                    int rep = s;
                    HostCpu before = HostCpu.now();
                    WorkloadResult w = WorkloadResult.of(ClosedLoop.run(p.concurrency, p.concurrency * perClient,
                            i -> RandomPrompts.of(1000L + 100L * rep + p.concurrency, i, workload.prompt), client));
                    p.jllm[s] = w;
                    p.host[s] = HostCpu.between(before, HostCpu.now());
                    progress.say("sweep %d/%d: jLLM concurrency %d: %.1f t/s (%s)", s + 1, sweepReps, p.concurrency,
                            w.tokensPerSecond(), p.host[s]);
                }
                if (jllmFirst) {
                    sweepLlama(s, sweepPoints, batched, file, progress);
                }
            }
            if (longPrompt > 0) {
                progress.say("long prompt: %d decoders, then a %d-token prompt", decoders, longPrompt);
                try {
                    HostCpu before = HostCpu.now();
                    longResult = LongPromptScenario.run(engine, decoders, workload.prompt, longPrompt, settle,
                            decoderCap, 4242);
                    longHost = HostCpu.between(before, HostCpu.now());
                } catch (IllegalStateException e) {
                    // A scenario that does not finish is itself the finding: report it with everything else.
                    longFailure = e.getMessage();
                    progress.say("long prompt: did not finish: %s", longFailure);
                }
            }
            if (longResult != null) {
                progress.say("long prompt: decoders' inter-token p99 %.1f ms before, %.1f ms during a %.0f ms prefill",
                        longResult.p(longResult.before(), 99), longResult.p(longResult.during(), 99),
                        longResult.prefillMillis());
            }
            progress.say("prefix-cache hit rate over the run: %.1f%% (random prompts: expected ~0)",
                    100 * engine.stats().prefixHitRate());
        }
        report(seed, profile, sweepPoints, perClient, longResult, longHost, batched.isPresent() ? null : llama.missing("llama-batched-bench"));
        return 0;
    }

    /** Seed-workload runs of both engines. */
    static final class Seed {
        final WorkloadResult[] jllm;
        final double[] llamaTg;
        final double[] llamaAll;
        final WorkloadResult[] tokenByToken;
        /** What other processes took of the machine during each jLLM run. */
        final HostCpu.Share[] host;

        Seed(int n) {
            jllm = new WorkloadResult[n];
            host = new HostCpu.Share[n];
            Arrays.fill(host, HostCpu.Share.UNKNOWN);
            tokenByToken = new WorkloadResult[n];
            llamaTg = new double[n];
            llamaAll = new double[n];
            Arrays.fill(llamaTg, Double.NaN);
            Arrays.fill(llamaAll, Double.NaN);
        }

        void llama(int r, Optional<Path> tool, Path file, int threads, WorkloadOptions w, Progress progress)
                throws Exception {
            if (tool.isEmpty()) {
                return;
            }
            progress.say("seed run %d/%d: llama-batched-bench -npl %d ...", r + 1, jllm.length, w.concurrency);
            for (LlamaBatchedBench.Row row : LlamaBatchedBench.run(tool.get(), file, threads, w.prompt, w.gen,
                    List.of(w.concurrency))) {
                llamaTg[r] = row.sTg();
                llamaAll[r] = row.s();
            }
            progress.say("seed run %d/%d: llama.cpp S_TG %.1f t/s, S %.1f t/s", r + 1, jllm.length, llamaTg[r],
                    llamaAll[r]);
        }
    }

    /** One concurrency of the sweep. */
    static final class SweepPoint {
        final int concurrency;
        final WorkloadResult[] jllm;
        final double[] llamaTg;
        final HostCpu.Share[] host;

        SweepPoint(int concurrency, int reps) {
            this.concurrency = concurrency;
            this.jllm = new WorkloadResult[reps];
            this.host = new HostCpu.Share[reps];
            Arrays.fill(host, HostCpu.Share.UNKNOWN);
            this.llamaTg = new double[reps];
            Arrays.fill(llamaTg, Double.NaN);
        }

        double jllmMedian() {
            return WorkloadResult.medianOver(jllm, WorkloadResult::tokensPerSecond);
        }

        double jllmMedian(java.util.function.ToDoubleFunction<WorkloadResult> f) {
            return WorkloadResult.medianOver(jllm, f);
        }
    }

    private void sweepLlama(int rep, List<SweepPoint> points, Optional<Path> tool, Path file, Progress progress)
            throws Exception {
        if (tool.isEmpty()) {
            return;
        }
        List<Integer> npl = points.stream().map(p -> p.concurrency).toList();
        progress.say("sweep %d: llama-batched-bench -npl %s ...", rep + 1, npl);
        List<LlamaBatchedBench.Row> rows = LlamaBatchedBench.run(tool.get(), file, options.threads, workload.prompt,
                workload.gen, npl);
        for (SweepPoint p : points) {
            for (LlamaBatchedBench.Row row : rows) {
                if (row.b() == p.concurrency) {
                    p.llamaTg[rep] = row.sTg();
                }
            }
        }
    }

    private void report(Seed seed, ForwardProfile profile, List<SweepPoint> sweepPoints, int perClient,
            LongPromptScenario.Result longResult, HostCpu.Share longHost, String missing) throws Exception {
        Report report = new Report("serve", "Serving in-process: seed workload, concurrency sweep, long prompt (issue 5)",
                options);
        int n = seed.jllm.length;
        report.paragraph("Seed workload: " + workload.requests + " requests, " + workload.concurrency
                + " concurrent (closed loop: each of " + workload.concurrency + " virtual-thread clients submits its next "
                + "request when the previous ends), " + workload.prompt + "-token random prompts (distinct, so no prefix "
                + "cache hits), " + workload.gen + " generated tokens each (greedy, ignore_eos), " + options.threads
                + " threads, through `InferenceEngine.submit`. jLLM's aggregate is all generated tokens over the run's "
                + "wall time (first submission to last finish, prefills included). llama.cpp: `llama-batched-bench -m "
                + "FILE -t " + options.threads + " -npp " + workload.prompt + " -ntg " + workload.gen + " -npl "
                + workload.concurrency + "`, whose S_TG counts only its decode phase (prefill excluded, no sampling): a "
                + "comparison that favours llama.cpp. " + n + " alternating runs; medians; the ratio is the median of "
                + "per-run ratios."
                + (missing == null ? "" : "\n\n**" + missing + "**"));
        double[] jAgg = Arrays.stream(seed.jllm).mapToDouble(WorkloadResult::tokensPerSecond).toArray();
        double[] ratios = new double[n];
        for (int r = 0; r < n; r++) {
            ratios[r] = Samples.ratio(jAgg[r], seed.llamaTg[r]);
        }
        double ratio = Double.isNaN(seed.llamaTg[0]) ? Double.NaN : Samples.median(ratios);
        MarkdownTable t = new MarkdownTable("engine", "aggregate t/s", "TTFT p50 ms", "TTFT p99 ms", "latency p50 ms",
                "latency p99 ms", "failed");
        t.row("jLLM", Fmt.num(Samples.median(jAgg), 1), med(seed.jllm, w -> w.ttft(50)), med(seed.jllm, w -> w.ttft(99)),
                med(seed.jllm, w -> w.latency(50)), med(seed.jllm, w -> w.latency(99)),
                Arrays.stream(seed.jllm).mapToInt(WorkloadResult::failed).sum());
        t.row("llama.cpp (S_TG)", Fmt.num(Samples.median(seed.llamaTg), 1), "", "", "", "", "");
        t.row("llama.cpp (S, prefill + decode)", Fmt.num(Samples.median(seed.llamaAll), 1), "", "", "", "", "");
        report.table(t);
        MarkdownTable g = new MarkdownTable("ratio", "value", "goal", "met");
        g.row("jLLM / llama.cpp S_TG at concurrency " + workload.concurrency, Fmt.ratio(ratio), ">= 1.5x",
                Fmt.meets(ratio, 1.5, true));
        SweepPoint one = find(sweepPoints, 1);
        SweepPoint eight = find(sweepPoints, workload.concurrency);
        // Concurrency C from the sweep where it has that point, else from the seed runs (the same C).
        double atC = eight != null ? eight.jllmMedian() : Samples.median(jAgg);
        double scaling = one != null ? atC / one.jllmMedian() : Double.NaN;
        g.row("jLLM concurrency " + workload.concurrency + " / concurrency 1" + (eight != null ? " (sweep)"
                : " (seed runs / sweep)"), Fmt.ratio(scaling), ">= 3x", Fmt.meets(scaling, 3, true));
        report.table(g);
        report.paragraph("Other processes' share of the machine's CPU time during jLLM's seed runs, run by run (a "
                + "neighbour on one of " + Runtime.getRuntime().availableProcessors() + " cores stalls the engine's "
                + "spin barriers; figures taken then say little about the code): " + HostCpu.Share.join(seed.host) + ".");
        if (seed.tokenByToken[0] != null) {
            double[] gain = new double[n];
            for (int r = 0; r < n; r++) {
                gain[r] = seed.jllm[r].tokensPerSecond() / seed.tokenByToken[r].tokensPerSecond();
            }
            report.paragraph("Same JVM, each seed run repeated with the K-quant small-batch kernel off (batches below "
                    + "the GEMM's minimum run token by token, as before that kernel): " + Fmt.num(
                    WorkloadResult.medianOver(seed.tokenByToken, WorkloadResult::tokensPerSecond), 1) + " t/s against "
                    + Fmt.num(Samples.median(jAgg), 1) + "; median per-run gain " + Fmt.ratio(Samples.median(gain))
                    + ".");
        }
        if (profile != null) {
            report.paragraph("Where a seed-workload step's time goes (one more seed run with the forward pass's "
                    + "per-op profile on; not timed above): per op, total ms over the run, share, and ms per "
                    + "scheduler step (one batched forward pass).\n\n```\n" + profile.report() + "```");
        }

        if (!sweepPoints.isEmpty() && sweepPoints.getFirst().jllm.length > 0) {
            report.paragraph("Concurrency sweep: at each concurrency C, C clients send " + perClient
                    + " request(s) each (closed loop, same prompt and output lengths); llama.cpp: one "
                    + "`llama-batched-bench -npl " + String.join(",", sweepPoints.stream()
                            .map(p -> Integer.toString(p.concurrency)).toList()) + "` per repetition (S_TG). "
                    + sweepPoints.getFirst().jllm.length + " repetition(s), medians.");
            MarkdownTable s = new MarkdownTable("concurrency", "jLLM t/s", "llama.cpp S_TG t/s", "jLLM/llama.cpp",
                    "jLLM vs its C=1", "jLLM TTFT p50 ms", "jLLM latency p50 ms", "others' CPU % (with steal) per repetition");
            double[] xs = new double[sweepPoints.size()];
            double[] jy = new double[sweepPoints.size()];
            double[] ly = new double[sweepPoints.size()];
            for (int i = 0; i < sweepPoints.size(); i++) {
                SweepPoint p = sweepPoints.get(i);
                xs[i] = p.concurrency;
                jy[i] = p.jllmMedian();
                ly[i] = Samples.median(p.llamaTg);
                s.row(p.concurrency, Fmt.num(jy[i], 1), Fmt.num(ly[i], 1), Fmt.ratio(Samples.ratio(jy[i], ly[i])),
                        Fmt.ratio(one == null ? Double.NaN : jy[i] / one.jllmMedian()),
                        Fmt.num(p.jllmMedian(w -> w.ttft(50)), 0), Fmt.num(p.jllmMedian(w -> w.latency(50)), 0),
                        othersPercent(p.host));
            }
            report.table(s);
            report.plot("aggregate tokens/s vs concurrency", Plots.lines(options.plotsDir().resolve("serve-sweep.png"),
                    "Aggregate generated tokens/s vs concurrency (" + options.threads + " threads)", "concurrency",
                    "tokens/s", Plots.series("jLLM (in-process, closed loop)", new double[][] {xs, jy},
                            "llama.cpp (batched-bench S_TG)", new double[][] {xs, ly}), true));
        }

        if (longFailure != null) {
            report.paragraph("Long prompt (" + decoders + " decoders, then a " + longPrompt + "-token prompt): **did "
                    + "not finish**: " + longFailure + ".");
        }
        if (longResult != null) {
            report.paragraph("Long prompt: " + decoders + " sequences decode; once each has made 24 tokens a "
                    + longPrompt + "-token prompt arrives. Step token budget " + workload.stepTokens + " (decode tokens "
                    + "first, then prefill chunks). *Before*: the decoders' inter-token intervals ending before the long "
                    + "prompt was submitted; *during*: those overlapping its prefill (submission to first token). "
                    + "A decoder stalled by the prefill would show one interval as long as the whole prefill."
                    + (longResult.decodersOutlived() ? "" : " **Some decoders finished before the end of the scenario; "
                    + "raise their cap.**"));
            MarkdownTable l = new MarkdownTable("window", "intervals", "ITL p50 ms", "ITL p99 ms", "ITL max ms");
            l.row("before", longResult.before().length, Fmt.num(longResult.p(longResult.before(), 50), 1),
                    Fmt.num(longResult.p(longResult.before(), 99), 1), Fmt.num(longResult.p(longResult.before(), 100), 1));
            l.row("during prefill", longResult.during().length, Fmt.num(longResult.p(longResult.during(), 50), 1),
                    Fmt.num(longResult.p(longResult.during(), 99), 1), Fmt.num(longResult.p(longResult.during(), 100), 1));
            report.table(l);
            double stepMs = longResult.meanStepDuringMillis();
            MarkdownTable st = new MarkdownTable("figure", "value");
            st.row("prefill time (submission to first token), ms", Fmt.num(longResult.prefillMillis(), 0));
            st.row("scheduler steps in that time (about)", longResult.prefillSteps());
            st.row("mean step time during the prefill, ms", Fmt.num(stepMs, 1));
            st.row("decoder tokens made during the prefill", longResult.decoderTokensDuring());
            st.row("ITL p99 during / mean step time (<= about 1: no stall beyond one step)",
                    Fmt.ratio(Samples.ratio(longResult.p(longResult.during(), 99), stepMs)));
            long budget = stepBudgetMillis;
            st.row("the engine's step time budget, ms", budget);
            st.row("ITL p99 during / step time budget (goal <= 1)",
                    Fmt.ratio(Samples.ratio(longResult.p(longResult.during(), 99), budget)));
            st.row("other processes' share of the CPU during the scenario", longHost.toString());
            report.table(st);
        }
        report.publish(System.out);
    }

    private static String med(WorkloadResult[] runs, java.util.function.ToDoubleFunction<WorkloadResult> f) {
        return Fmt.num(WorkloadResult.medianOver(runs, f), 0);
    }

    private static String othersPercent(HostCpu.Share[] runs) {
        return String.join(" / ", Arrays.stream(runs)
                .map(h -> Double.isNaN(h.others()) ? "-" : Fmt.num(100 * (h.others() + h.steal()), 0)).toList());
    }

    private static SweepPoint find(List<SweepPoint> points, int concurrency) {
        for (SweepPoint p : points) {
            if (p.concurrency == concurrency && p.jllm.length > 0) {
                return p;
            }
        }
        return null;
    }
}
