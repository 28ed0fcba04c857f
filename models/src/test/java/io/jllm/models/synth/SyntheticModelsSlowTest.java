package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jllm.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The full-size model and every ftype, written and read back (minutes on 2 cores: run with -Djllm.slow). */
@Tag("slow")
class SyntheticModelsSlowTest {
    @TempDir
    Path dir;

    @Test
    void theFullSizeQ4KMModelIsWrittenAndEveryTensorReadsBackSane() throws IOException {
        Path out = dir.resolve("qwen3-0.6b-q4_k_m.gguf");
        long start = System.nanoTime();
        SyntheticModels.write(ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M, 42, out, null, SyntheticModels.DEFAULT_THREADS);
        // Reported, not asserted: speed is judged in bench, not in unit tests.
        System.out.printf(Locale.ROOT, "qwen3-0.6b Q4_K_M: %,d bytes written in %.1f s with %d threads%n",
                Files.size(out), (System.nanoTime() - start) / 1e9, SyntheticModels.DEFAULT_THREADS);
        checkAgainstPlan(out, ModelPreset.QWEN3_0_6B, Ftype.Q4_K_M);
    }

    @ParameterizedTest
    @EnumSource(Ftype.class)
    void theTinyModelInEveryFtypeReadsBackSane(Ftype ftype) throws IOException {
        Path out = dir.resolve("tiny-" + ftype + ".gguf");
        SyntheticModels.write(ModelPreset.TINY, ftype, 7, out, null);
        checkAgainstPlan(out, ModelPreset.TINY, ftype);
    }

    private static void checkAgainstPlan(Path out, ModelPreset preset, Ftype ftype) throws IOException {
        List<PlannedTensor> plan = TensorPlan.of(preset, ftype);
        try (GgufFile file = GgufFile.open(out)) {
            assertEquals(plan.size(), file.tensors().size());
            assertEquals(ftype.llamaFtype(), file.metadata().int32("general.file_type"));
            for (PlannedTensor p : plan) {
                var t = file.requireTensor(p.name());
                assertEquals(p.type(), t.type(), p.name());
                WeightStats.check(file, t, WeightScheme.of(p.role(), p.layer(), preset));
            }
        }
    }
}
