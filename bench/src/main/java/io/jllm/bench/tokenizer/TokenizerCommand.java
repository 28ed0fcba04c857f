package io.jllm.bench.tokenizer;

import io.jllm.bench.BenchOptions;
import io.jllm.bench.Fmt;
import io.jllm.bench.MarkdownTable;
import io.jllm.bench.ModelFiles;
import io.jllm.bench.Plots;
import io.jllm.bench.Progress;
import io.jllm.bench.Report;
import io.jllm.bench.Samples;
import io.jllm.engine.tokenizer.Tokenizer;
import io.jllm.engine.tokenizer.Vocabulary;
import io.jllm.gguf.GgufFile;
import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Issue 3's tokenizer figure: encode throughput on one core (the calling thread) over a mixed
 * corpus, in MB of UTF-8 input per second (target >= 5). Each run builds a fresh tokenizer (empty
 * word cache) and encodes the corpus twice: the first pass is "fresh", the second "warm".
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Issue 3: tokenizer encode throughput (MB/s, one core) over a mixed corpus.")
public final class TokenizerCommand implements Callable<Integer> {
    @Mixin
    BenchOptions options;

    @Option(names = "--model", paramLabel = "FILE", description = "GGUF whose vocabulary to use (default: the synthetic tiny model; same Qwen3 tokenizer).")
    Path model;

    @Option(names = "--repo", paramLabel = "DIR", description = "Source tree whose .java and .md files join the corpus (default: the checkout the command runs in).")
    Path repo;

    @Option(names = "--runs", paramLabel = "N", description = "Timed runs (default: 7; quick 3).")
    Integer runs;

    @Option(names = "--mb", paramLabel = "MB", description = "MB of each corpus part (default: 1; quick 0.2).")
    Double mb;

    @Override
    public Integer call() throws Exception {
        options.check();
        Progress progress = new Progress("tokenizer");
        int n = runs != null ? runs : options.quick ? 3 : 7;
        double size = mb != null ? mb : options.quick ? 0.2 : 1.0;
        Path file = ModelFiles.resolve(model, ModelPreset.TINY, Ftype.Q4_0, progress);
        Vocabulary vocab;
        try (GgufFile gguf = GgufFile.open(file)) {
            vocab = Vocabulary.fromMetadata(gguf.metadata());
        }
        Path root = BenchOptions.repositoryRoot();
        Path tree = repo != null ? repo : Files.isRegularFile(root.resolve("bench").resolve("pom.xml")) ? root : null;
        long bytes = (long) (size * 1_000_000);
        Corpus corpus = Corpus.build(tree, bytes, bytes, 7);
        List<String> names = new ArrayList<>(corpus.parts().keySet());
        long[] partBytes = new long[names.size()];
        long totalBytes = 0;
        for (int p = 0; p < names.size(); p++) {
            partBytes[p] = Corpus.utf8Bytes(corpus.parts().get(names.get(p)));
            totalBytes += partBytes[p];
            progress.say("corpus part %-28s %6.2f MB in %d documents", names.get(p), partBytes[p] / 1e6,
                    corpus.parts().get(names.get(p)).size());
        }
        if (tree == null) {
            progress.say("no source tree (run from the repository root or pass --repo): code is generated");
        }

        long[] tokens = new long[names.size()];
        progress.say("warm-up: two passes (JIT)");
        Tokenizer warmup = new Tokenizer(vocab);
        for (int i = 0; i < 2; i++) {
            encodeAll(warmup, corpus, names, new double[names.size()], tokens);
        }
        double[][] fresh = new double[names.size() + 1][n];
        double[][] warm = new double[names.size() + 1][n];
        for (int r = 0; r < n; r++) {
            Tokenizer tokenizer = new Tokenizer(vocab);
            double[] seconds = new double[names.size()];
            encodeAll(tokenizer, corpus, names, seconds, tokens);
            store(fresh, r, seconds, partBytes, totalBytes);
            encodeAll(tokenizer, corpus, names, seconds, tokens);
            store(warm, r, seconds, partBytes, totalBytes);
            progress.say("run %d/%d: mixed corpus %.2f MB/s fresh, %.2f MB/s warm", r + 1, n, fresh[names.size()][r],
                    warm[names.size()][r]);
        }

        Report report = new Report("tokenizer", "Tokenizer encode throughput (issue 3)", options);
        report.paragraph("`Tokenizer.encode(text, parseSpecial=false)` on one thread, one call per document, over "
                + Fmt.num(totalBytes / 1e6, 2) + " MB of UTF-8 in " + names.size() + " parts. Each of " + n
                + " runs takes a new tokenizer (empty word cache): its first pass over the corpus is *fresh*, its "
                + "second *warm* (the word cache holds the corpus's words). Two unmeasured passes warm up the JIT "
                + "first. Medians of the runs; target >= 5 MB/s.");
        MarkdownTable t = new MarkdownTable("part", "MB", "bytes/token", "fresh MB/s", "warm MB/s", "target",
                "met (warm)");
        double[] freshMedian = new double[names.size() + 1];
        double[] warmMedian = new double[names.size() + 1];
        List<String> labels = new ArrayList<>(names);
        labels.add("mixed corpus");
        long allTokens = 0;
        for (long tk : tokens) {
            allTokens += tk;
        }
        for (int p = 0; p <= names.size(); p++) {
            freshMedian[p] = Samples.median(fresh[p]);
            warmMedian[p] = Samples.median(warm[p]);
            long b = p < names.size() ? partBytes[p] : totalBytes;
            long tk = p < names.size() ? tokens[p] : allTokens;
            t.row(labels.get(p), Fmt.num(b / 1e6, 2), Fmt.num((double) b / tk, 2), Fmt.num(freshMedian[p], 2),
                    Fmt.num(warmMedian[p], 2), p == names.size() ? ">= 5" : "",
                    p == names.size() ? Fmt.meets(warmMedian[p], 5, true) : "");
        }
        report.table(t);
        Path png = Plots.bars(options.plotsDir().resolve("tokenizer.png"), "Tokenizer encode, one core (MB/s)", "MB/s",
                labels, Plots.series("fresh word cache", freshMedian, "warm word cache", warmMedian));
        report.plot("tokenizer throughput by corpus part", png);
        report.publish(System.out);
        return 0;
    }

    /** Encodes every part once; seconds[p] gets part p's time, tokens[p] its token count. */
    private static void encodeAll(Tokenizer tokenizer, Corpus corpus, List<String> names, double[] seconds,
            long[] tokens) {
        for (int p = 0; p < names.size(); p++) {
            long count = 0;
            long t0 = System.nanoTime();
            for (String doc : corpus.parts().get(names.get(p))) {
                count += tokenizer.encode(doc, false).length;
            }
            seconds[p] = (System.nanoTime() - t0) / 1e9;
            tokens[p] = count;
        }
    }

    private static void store(double[][] mbps, int run, double[] seconds, long[] partBytes, long totalBytes) {
        double total = 0;
        for (int p = 0; p < seconds.length; p++) {
            mbps[p][run] = partBytes[p] / 1e6 / seconds[p];
            total += seconds[p];
        }
        mbps[seconds.length][run] = totalBytes / 1e6 / total;
    }
}
