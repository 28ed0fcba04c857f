package io.jllm.bench.speed;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.ChildJvm;
import io.jllm.bench.HostCpu;
import io.jllm.bench.Fmt;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.Samples;
import io.jllm.bench.llamacpp.LlamaBench;
import io.jllm.bench.llamacpp.LlamaCpp;
import io.jllm.engine.model.ForwardProfile;
import io.jllm.engine.model.Qwen3Forward;
import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 4's end-to-end speed: pp and tg for jLLM and native llama-bench on the same file and thread
 * count, alternating runs, medians and ratios; plus peak RSS and collections during a generation
 * through the whole engine, measured in a fresh JVM.
 */
@Command(name = "speed", mixinStandardHelpOptions = true,
        description = {"Issue 4: pp512 and tg128, jLLM vs native llama-bench, alternating runs; peak RSS and GCs.",
            "jLLM's pp is one forward pass over -p random tokens from an empty cache (logits for the last",
            "only); tg is -n single-token forward passes from an empty cache: what llama-bench times."})
public final class SpeedCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Option(names = "--ftypes", split = ",", paramLabel = "TYPE",
            description = "Synthetic model ftypes, primary first (default: Q4_K_M,Q8_0,Q4_0).")
    List<String> ftypes;

    @Option(names = "--model", paramLabel = "FILE", description = "Benchmark this GGUF instead of synthetic models.")
    Path model;

    @Option(names = "--runs", paramLabel = "N", description = "Alternating runs per engine and file (default: 5; quick 2).")
    Integer runs;

    @Option(names = {"-p", "--prompt"}, paramLabel = "N", description = "pp tokens (default: 512; quick 64).")
    Integer pp;

    @Option(names = {"-n", "--gen"}, paramLabel = "N", description = "tg tokens (default: 128; quick 16).")
    Integer tg;

    @Option(names = "--kv-tokens", paramLabel = "N", defaultValue = "4096",
            description = "KV cache of the RSS/GC probe's engine, in tokens (default: ${DEFAULT-VALUE}).")
    long kvTokens;

    @Option(names = "--no-probe", description = "Skip the RSS/GC probe.")
    boolean noProbe;

    @Option(names = "--no-profile", description = "Skip the per-op profile of one pp and one tg run.")
    boolean noProfile;

    /** Medians and per-run ratios of one file. */
    record FileResult(String label, Path file, double[] jPp, double[] lPp, double[] jTg, double[] lTg,
            GenerationProbeCommand.Figures probe, ForwardProfile ppProfile, ForwardProfile tgProfile,
            HostCpu.Share[] host) {
        double ratio(double[] j, double[] l) {
            if (Double.isNaN(l[0])) {
                return Double.NaN;
            }
            double[] r = new double[j.length];
            for (int i = 0; i < j.length; i++) {
                r[i] = Samples.ratio(j[i], l[i]);
            }
            return Samples.median(r);
        }
    }

    @Override
    public Integer call() throws Exception {
        options.check();
        Progress progress = new Progress("speed");
        int n = runs != null ? runs : options.quick ? 2 : 5;
        int promptTokens = pp != null ? pp : options.quick ? 64 : 512;
        int genTokens = tg != null ? tg : options.quick ? 16 : 128;
        if (n < 1 || promptTokens < 1 || genTokens < 2) {
            throw new IllegalArgumentException("--runs >= 1, -p >= 1 and -n >= 2 are required");
        }
        LlamaCpp llama = options.llamaCpp();
        Optional<Path> bench = llama.tool("llama-bench");
        if (bench.isEmpty()) {
            progress.say(llama.missing("llama-bench"));
        }
        ModelPreset preset = ModelFiles.preset(options.quick);
        List<String> labels = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        if (model != null) {
            labels.add(model.getFileName().toString());
            files.add(ModelFiles.resolve(model, preset, Ftype.Q4_K_M, progress));
        } else {
            for (String f : ftypes != null ? ftypes : List.of("Q4_K_M", "Q8_0", "Q4_0")) {
                Ftype type = Ftype.parse(f);
                labels.add(preset.name() + " " + type);
                files.add(ModelFiles.resolve(null, preset, type, progress));
            }
        }
        List<FileResult> results = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            results.add(measure(labels.get(i), files.get(i), n, promptTokens, genTokens, bench, progress));
        }
        report(results, n, promptTokens, genTokens, bench.isPresent() ? null : llama.missing("llama-bench"));
        return 0;
    }

    private FileResult measure(String label, Path file, int n, int promptTokens, int genTokens, Optional<Path> bench,
            Progress progress) throws Exception {
        double[] jPp = new double[n];
        double[] jTg = new double[n];
        double[] lPp = new double[n];
        double[] lTg = new double[n];
        ForwardProfile ppProfile = null;
        ForwardProfile tgProfile = null;
        java.util.Arrays.fill(lPp, Double.NaN);
        java.util.Arrays.fill(lTg, Double.NaN);
        HostCpu.Share[] host = new HostCpu.Share[n];
        java.util.Arrays.fill(host, HostCpu.Share.UNKNOWN);
        try (ForwardBench jllm = new ForwardBench(file, options.threads, promptTokens, genTokens)) {
            progress.say("%s: jLLM warm-up", label);
            // the server's warm-up first, so C2 compiles the kernels from the same mix of batch
            // shapes as in serving; then the benchmark's own shapes
            Qwen3Forward.WarmUp warmUp = jllm.warmUp(GenerationProbeCommand.WARMUP_MILLIS);
            progress.say("%s: jLLM warm-up took %d ms, %d passes, %s", label, warmUp.millis(), warmUp.passes(),
                    warmUp.settled() ? "kernels compiled (a round allocated nothing)"
                            : "kernels still allocating " + (warmUp.lastRoundBytes() >> 10) + " KB per round");
            jllm.prompt(Math.min(promptTokens, 32));
            jllm.prompt(promptTokens);
            jllm.prompt(promptTokens);
            jllm.generate(genTokens);
            jllm.generate(genTokens);
            for (int r = 0; r < n; r++) {
                // Who goes first alternates, so a trend in the machine's load favours neither.
                boolean jllmFirst = r % 2 == 0;
                HostCpu before = HostCpu.now();
                if (!jllmFirst && bench.isPresent()) {
                    runLlama(bench.get(), file, promptTokens, genTokens, lPp, lTg, r);
                }
                jPp[r] = jllm.prompt(promptTokens);
                jTg[r] = jllm.generate(genTokens);
                if (jllmFirst && bench.isPresent()) {
                    runLlama(bench.get(), file, promptTokens, genTokens, lPp, lTg, r);
                }
                host[r] = HostCpu.between(before, HostCpu.now());
                progress.say("%s run %d/%d: jLLM pp%d %.1f t/s tg%d %.1f t/s | llama.cpp pp %s tg %s (%s)", label, r + 1,
                        n, promptTokens, jPp[r], genTokens, jTg[r], Fmt.num(lPp[r], 1), Fmt.num(lTg[r], 1), host[r]);
            }
            if (!noProfile) {
                progress.say("%s: per-op profile of one pp and one tg run (not timed)", label);
                ppProfile = jllm.profilePrompt(promptTokens);
                tgProfile = jllm.profileGenerate(genTokens);
            }
        }
        GenerationProbeCommand.Figures probe = null;
        if (!noProbe) {
            progress.say("%s: RSS/GC probe in a fresh JVM (engine, %d-token generation after warm-up)", label, genTokens);
            String line = ChildJvm.run(List.of(GenerationProbeCommand.NAME, "--model", file.toString(), "--threads",
                    Integer.toString(options.threads), "--kv-tokens", Long.toString(kvTokens), "--gen",
                    Integer.toString(genTokens)), Duration.ofMinutes(10));
            probe = GenerationProbeCommand.parse(line);
            progress.say("%s: peak RSS %s MiB (budget %s MiB), young GCs %d", label, Fmt.mib(probe.peakRss()),
                    Fmt.mib(probe.budget()), probe.youngGcs());
        }
        return new FileResult(label, file, jPp, lPp, jTg, lTg, probe, ppProfile, tgProfile, host);
    }

    private void runLlama(Path tool, Path file, int promptTokens, int genTokens, double[] lPp, double[] lTg, int r)
            throws Exception {
        LlamaBench.Figures f = LlamaBench.run(tool, file, options.threads, promptTokens, genTokens);
        lPp[r] = f.pp();
        lTg[r] = f.tg();
    }

    private void report(List<FileResult> results, int n, int promptTokens, int genTokens, String missing)
            throws Exception {
        String ppName = "pp" + promptTokens;
        String tgName = "tg" + genTokens;
        Report report = new Report("speed", "Speed: " + ppName + " and " + tgName + " vs native llama.cpp (issue 4)",
                options);
        report.paragraph("Same file, " + options.threads + " threads each, " + n + " alternating runs per engine "
                + "(the first engine alternates too); medians of tokens/s, and the median of the per-run ratios "
                + "jLLM/llama.cpp. llama.cpp: `llama-bench -m FILE -t " + options.threads + " -p " + promptTokens
                + " -n " + genTokens + " -r 1 -o json` per run (its own warm-up included, timed once). jLLM: "
                + ppName + " is one forward pass of `Qwen3Forward` over " + promptTokens + " random tokens from an "
                + "empty cache with logits for the last (as llama_batch_get_one asks), " + tgName + " is " + genTokens
                + " single-token passes from an empty cache with logits each, nothing sampled, as llama-bench's "
                + "test_gen does; F16 KV cache in both. The model stays loaded in jLLM's JVM between runs (warmed up "
                + "once); llama-bench loads it per run (page cache warm)."
                + (missing == null ? "" : "\n\n**" + missing + "**"));
        MarkdownTable t = new MarkdownTable("model", "test", "jLLM t/s", "llama.cpp t/s", "ratio", "goal", "met");
        List<String> categories = new ArrayList<>();
        double[][] ppBars = new double[2][results.size()];
        double[][] tgBars = new double[2][results.size()];
        for (int i = 0; i < results.size(); i++) {
            FileResult r = results.get(i);
            double ppRatio = r.ratio(r.jPp(), r.lPp());
            double tgRatio = r.ratio(r.jTg(), r.lTg());
            ppBars[0][i] = Samples.median(r.jPp());
            ppBars[1][i] = Samples.median(r.lPp());
            tgBars[0][i] = Samples.median(r.jTg());
            tgBars[1][i] = Samples.median(r.lTg());
            t.row(r.label(), ppName, Fmt.num(ppBars[0][i], 1), Fmt.num(ppBars[1][i], 1), Fmt.ratio(ppRatio), ">= 1.0x",
                    Fmt.meets(ppRatio, 1.0, true));
            t.row(r.label(), tgName, Fmt.num(tgBars[0][i], 1), Fmt.num(tgBars[1][i], 1), Fmt.ratio(tgRatio), ">= 1.0x",
                    Fmt.meets(tgRatio, 1.0, true));
            categories.add(r.label());
        }
        report.table(t);
        StringBuilder load = new StringBuilder("Other processes' share of the machine's CPU time during each run "
                + "(both engines; llama-bench, our child, counts as ours): ");
        for (FileResult r : results) {
            load.append(r.label()).append(": ").append(HostCpu.Share.join(r.host())).append(". ");
        }
        report.paragraph(load.toString().strip());
        report.plot(ppName, Plots.bars(options.plotsDir().resolve("speed-pp.png"), ppName + " (tokens/s, "
                + options.threads + " threads)", "tokens/s", categories,
                Plots.series("jLLM", ppBars[0], "llama.cpp", ppBars[1])));
        report.plot(tgName, Plots.bars(options.plotsDir().resolve("speed-tg.png"), tgName + " (tokens/s, "
                + options.threads + " threads)", "tokens/s", categories,
                Plots.series("jLLM", tgBars[0], "llama.cpp", tgBars[1])));

        for (FileResult r : results) {
            if (r.tgProfile() != null) {
                report.paragraph("Where jLLM's time goes, " + r.label() + ": `ForwardProfile` attached to one extra "
                        + ppName + " and one " + tgName + " run after the timed ones (two nanoTime calls per op; "
                        + "no sampling or scheduling here, those are the engine's). Milliseconds per forward pass and "
                        + "share of the pass.");
                report.table(profileTable(r.ppProfile(), r.tgProfile(), ppName, tgName));
            }
        }

        if (results.stream().anyMatch(r -> r.probe() != null)) {
            report.paragraph("Memory and garbage during generation, measured in a fresh JVM through the whole engine "
                    + "(scheduler, greedy sampling) opened as the server opens it (at least " + GenerationProbeCommand.WARMUP_MILLIS
                    + " ms of warm-up and on until a round of its passes allocates nothing, then one GC): " + genTokens + " tokens after a 32-token prompt, following 3 "
                    + "unmeasured generations. Peak RSS is VmHWM after resetting it just before the generation "
                    + "(/proc/self/clear_refs); the budget is file + KV cache (" + kvTokens + " tokens, allocated up "
                    + "front) + 300 MB. GCs and allocated bytes (all threads) are counted over that generation. RssFile (mapped weights) and RssAnon (heap, KV cache, buffers) are read after it. The probe JVM takes this JVM's options (e.g. `JLLM_JVM_OPTS=-Xmx1g` through ./jllm); the heap may grow into RssAnon.");
            MarkdownTable m = new MarkdownTable("model", "file MiB", "KV MiB", "peak RSS MiB", "budget MiB", "met",
                    "RssFile MiB", "RssAnon MiB", "heap committed MiB", "young GCs", "other GCs", "allocated KiB", "engine decode t/s",
                    "warm-up ms");
            for (FileResult r : results) {
                GenerationProbeCommand.Figures p = r.probe();
                if (p == null) {
                    continue;
                }
                long peak = p.peakReset() ? p.peakRss() : p.sampledMaxRss();
                m.row(r.label(), Fmt.mib(p.fileBytes()), Fmt.mib(p.kvCacheBytes()), Fmt.mib(peak), Fmt.mib(p.budget()),
                        Fmt.meets(peak, p.budget(), false), Fmt.mib(p.rssFile()), Fmt.mib(p.rssAnon()),
                        Fmt.mib(p.heapCommitted()), p.youngGcs(),
                        p.otherGcs(),
                        p.allocatedBytes() < 0 ? Fmt.MISSING : Fmt.num(p.allocatedBytes() / 1024.0, 0),
                        Fmt.num(p.decodeTokensPerSecond(), 1),
                        p.warmUpMillis() + (p.warmUpSettled() ? "" : " (still allocating)"));
            }
            report.table(m);
        }
        report.publish(System.out);
    }

    static MarkdownTable profileTable(ForwardProfile pp, ForwardProfile tg, String ppName, String tgName) {
        MarkdownTable t = new MarkdownTable("op", ppName + " ms/pass", ppName + " share", tgName + " ms/token",
                tgName + " share");
        for (ForwardProfile.Op op : ForwardProfile.Op.values()) {
            if (pp.nanos(op) == 0 && tg.nanos(op) == 0) {
                continue;
            }
            t.row(op.name().toLowerCase(java.util.Locale.ROOT), Fmt.num(perPass(pp, pp.nanos(op)), 2),
                    Fmt.num(100.0 * pp.nanos(op) / Math.max(1, pp.totalNanos()), 1) + "%",
                    Fmt.num(perPass(tg, tg.nanos(op)), 3),
                    Fmt.num(100.0 * tg.nanos(op) / Math.max(1, tg.totalNanos()), 1) + "%");
        }
        t.row("total", Fmt.num(perPass(pp, pp.totalNanos()), 2), "100%", Fmt.num(perPass(tg, tg.totalNanos()), 3),
                "100%");
        return t;
    }

    private static double perPass(ForwardProfile p, long nanos) {
        return p.passes() == 0 ? Double.NaN : nanos / 1e6 / p.passes();
    }
}
