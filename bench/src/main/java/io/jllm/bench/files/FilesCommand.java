package io.jllm.bench.files;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.ChildJvm;
import io.jllm.bench.Fmt;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.Samples;
import io.jllm.engine.model.Qwen3Model;
import io.jllm.gguf.GgufFile;
import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.SyntheticModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 2's file figures: the time to write the synthetic qwen3-0.6b Q4_K_M file (target under two
 * minutes on two cores) and to open it and map every tensor (target under 100 ms), the latter both
 * in a fresh JVM (class loading included: what a user starting the server waits for) and warm.
 */
@Command(name = "files", mixinStandardHelpOptions = true,
        description = {"Issue 2: time to write the synthetic model file and to open it and map every tensor.",
            "Writes into --dir (deleted afterwards unless --keep); opens in fresh JVMs and in this one."})
public final class FilesCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Option(names = "--ftype", defaultValue = "Q4_K_M", description = "Ftype to write (default: ${DEFAULT-VALUE}).")
    String ftype;

    @Option(names = "--writes", paramLabel = "N", description = "Timed writes (default: 3).")
    Integer writes;

    @Option(names = "--write-threads", paramLabel = "N", defaultValue = "2",
            description = "Threads the writer uses (default: ${DEFAULT-VALUE}, the issue's two cores).")
    int writeThreads;

    @Option(names = "--opens", paramLabel = "N", description = "Timed opens, warm and in fresh JVMs each (default: 20; quick 5).")
    Integer opens;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to write (default: java.io.tmpdir).")
    Path dir;

    @Option(names = "--keep", description = "Keep the written file.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        options.check();
        Progress progress = new Progress("files");
        ModelPreset preset = ModelFiles.preset(options.quick);
        Ftype type = Ftype.parse(ftype);
        int writeRuns = writes != null ? writes : 3;
        int openRuns = opens != null ? opens : options.quick ? 5 : 20;
        if (writeRuns < 1 || openRuns < 1) {
            throw new IllegalArgumentException("--writes and --opens must be >= 1");
        }
        Path folder = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(folder);
        Path file = folder.resolve("jllm-bench-" + preset.name() + "-" + type.name().toLowerCase(java.util.Locale.ROOT)
                + "-" + ProcessHandle.current().pid() + ".gguf");

        double[] writeSeconds = new double[writeRuns];
        try {
            for (int i = 0; i < writeRuns; i++) {
                Files.deleteIfExists(file);
                String what = String.format(java.util.Locale.ROOT, "write %d/%d of %s %s", i + 1, writeRuns,
                        preset.name(), type);
                long t0 = System.nanoTime();
                SyntheticModels.write(preset, type, ModelFiles.SEED, file,
                        (tensor, index, count, done, total) -> progress.fraction(what, done, total), writeThreads);
                writeSeconds[i] = (System.nanoTime() - t0) / 1e9;
                progress.say("%s: %.1f s", what, writeSeconds[i]);
            }
            long size = Files.size(file);

            double[] warm = new double[openRuns];
            double[] warmGguf = new double[openRuns];
            for (int i = 0; i < 3; i++) {
                openModel(file);
            }
            for (int i = 0; i < openRuns; i++) {
                warmGguf[i] = openGguf(file);
                warm[i] = openModel(file);
            }
            progress.say("warm opens: median %.2f ms", Samples.median(warm));

            double[] cold = new double[openRuns];
            double[] coldSinceStart = new double[openRuns];
            for (int i = 0; i < openRuns; i++) {
                String line = ChildJvm.run(List.of(OpenOnceCommand.NAME, file.toString()), Duration.ofMinutes(2));
                OpenOnceCommand.Figures f = OpenOnceCommand.Figures.parse(line);
                cold[i] = f.openMillis();
                coldSinceStart[i] = f.sinceJvmStartMillis();
                progress.say("fresh JVM %d/%d: open+map %.1f ms (%.0f ms after JVM start)", i + 1, openRuns, cold[i],
                        coldSinceStart[i]);
            }
            report(preset, type, size, writeSeconds, warm, warmGguf, cold, coldSinceStart);
        } finally {
            if (!keep) {
                Files.deleteIfExists(file);
            } else {
                progress.say("kept %s", file);
            }
        }
        return 0;
    }

    private static double openModel(Path file) throws java.io.IOException {
        long t0 = System.nanoTime();
        try (Qwen3Model m = Qwen3Model.open(file)) {
            long t1 = System.nanoTime();
            if (m.weights() == null) {
                throw new IllegalStateException("model opened without weights");
            }
            return (t1 - t0) / 1e6;
        }
    }

    private static double openGguf(Path file) throws java.io.IOException {
        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.open(file)) {
            long t1 = System.nanoTime();
            if (f.tensors().isEmpty()) {
                throw new IllegalStateException("file opened without tensors");
            }
            return (t1 - t0) / 1e6;
        }
    }

    private void report(ModelPreset preset, Ftype type, long size, double[] writeSeconds, double[] warm,
            double[] warmGguf, double[] cold, double[] coldSinceStart) throws Exception {
        Report report = new Report("files", "Model files: write, open and map (issue 2)", options);
        report.paragraph("Synthetic " + preset.name() + " " + type + " (" + Fmt.mib(size) + " MiB), written with "
                + writeThreads + " writer threads (`SyntheticModels.write`, fsync included), then opened with "
                + "`Qwen3Model.open` (GgufFile.open maps the file, then every tensor is sliced and checked). "
                + "Fresh-JVM opens run in a new JVM each (class loading and JIT-less code included, the file in the "
                + "page cache); warm opens repeat in this JVM after 3 unmeasured ones. The page cache is never dropped "
                + "(shared machine), so no figure includes reading the file from disk.");
        MarkdownTable t = new MarkdownTable("figure", "runs", "median", "min", "max", "target", "met");
        double writeMedian = Samples.median(writeSeconds);
        t.row("write file (s)", writeSeconds.length, Fmt.num(writeMedian, 1), Fmt.num(Samples.min(writeSeconds), 1),
                Fmt.num(Samples.max(writeSeconds), 1), "< 120 s", Fmt.meets(writeMedian, 120, false));
        double coldMedian = Samples.median(cold);
        t.row("open + map, fresh JVM (ms)", cold.length, Fmt.num(coldMedian, 1), Fmt.num(Samples.min(cold), 1),
                Fmt.num(Samples.max(cold), 1), "< 100 ms", Fmt.meets(coldMedian, 100, false));
        double warmMedian = Samples.median(warm);
        t.row("open + map, warm (ms)", warm.length, Fmt.num(warmMedian, 2), Fmt.num(Samples.min(warm), 2),
                Fmt.num(Samples.max(warm), 2), "< 100 ms", Fmt.meets(warmMedian, 100, false));
        t.row("GgufFile.open alone, warm (ms)", warmGguf.length, Fmt.num(Samples.median(warmGguf), 2),
                Fmt.num(Samples.min(warmGguf), 2), Fmt.num(Samples.max(warmGguf), 2), "", "");
        t.row("JVM start to model mapped, fresh JVM (ms)", coldSinceStart.length,
                Fmt.num(Samples.median(coldSinceStart), 0), Fmt.num(Samples.min(coldSinceStart), 0),
                Fmt.num(Samples.max(coldSinceStart), 0), "", "");
        report.table(t);
        double[] runs = new double[cold.length];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = i + 1;
        }
        double[] target = new double[runs.length];
        java.util.Arrays.fill(target, 100);
        Path png = Plots.lines(options.plotsDir().resolve("files-open.png"),
                "Open + map " + preset.name() + " " + type + " (ms)", "run", "milliseconds",
                Plots.series("fresh JVM", new double[][] {runs, cold}, "warm", new double[][] {runs, warm},
                        "target", new double[][] {runs, target}), false);
        report.plot("open and map times per run", png);
        report.publish(System.out);
    }
}
