package io.jllm.models.cli;

import io.jllm.gguf.GgufFile;
import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.PlannedTensor;
import io.jllm.models.synth.SyntheticModels;
import io.jllm.models.synth.TensorPlan;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code synth}: writes a synthetic Qwen3 GGUF. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a synthetic Qwen3 GGUF: random weights, deterministic from the seed, with the real "
                + "architecture, tensor layout, quantization mix and tokenizer. Not a trained model."},
        footer = {"", "Presets:",
                "  qwen3-0.6b  28 layers, width 1024, FFN 3072, 16 heads (8 KV) x 128,",
                "              context 40960",
                "  tiny        2 layers, width 256, FFN 768, 4 heads (2 KV) x 64, context 4096",
                "Both have Qwen3's tokenizer, its 151,936-entry vocabulary and tied embeddings.",
                "", "Example:", "  jllm models synth --preset qwen3-0.6b --ftype Q4_K_M --out synth-0.6b.gguf"})
final class SynthCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--preset", required = true, converter = Converters.PresetConverter.class,
            description = "Model shape: ${COMPLETION-CANDIDATES}", completionCandidates = Converters.PresetNames.class)
    private ModelPreset preset;

    @Option(names = "--ftype", defaultValue = "Q4_K_M", converter = Converters.FtypeConverter.class,
            description = "File type: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
            completionCandidates = Converters.FtypeNames.class)
    private Ftype ftype;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the .gguf file")
    private Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--threads", defaultValue = "2",
            description = "Platform threads generating weights (default: ${DEFAULT-VALUE})")
    private int threads;

    @Option(names = "--dry-run", description = "Print the tensors, their types and sizes; write nothing")
    private boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--threads must be at least 1, got " + threads);
        }
        List<PlannedTensor> plan = TensorPlan.of(preset, ftype);
        if (dryRun) {
            printPlan(out, plan);
            return 0;
        }
        long start = System.nanoTime();
        try (SynthProgress progress = new SynthProgress(spec.commandLine().getErr(), SynthProgress.onTerminal())) {
            SyntheticModels.write(preset, ftype, seed, this.out, progress, threads);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "wrote %s: %s %s, seed %d, %d tensors, %,d bytes in %.1f s%n", this.out,
                preset.name(), ftype, seed, plan.size(), Files.size(this.out), seconds);
        return 0;
    }

    private void printPlan(PrintWriter out, List<PlannedTensor> plan) {
        out.printf("%s, ftype %s (llama_ftype %d)%n", preset.describe(), ftype, ftype.llamaFtype());
        List<TensorTable.Row> rows = new ArrayList<>();
        long offset = 0;
        for (PlannedTensor t : plan) {
            rows.add(new TensorTable.Row(t.name(), t.type(), t.shape(), t.byteSize(), offset));
            offset = align(offset + t.byteSize(), GgufFile.DEFAULT_ALIGNMENT);
        }
        TensorTable.printRows(out, rows);
        out.println();
        TensorTable.printSummary(out, rows);
    }

    private static long align(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
