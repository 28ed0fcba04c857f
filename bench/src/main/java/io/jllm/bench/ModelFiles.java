package io.jllm.bench;

import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.SyntheticModels;
import java.nio.file.Files;
import java.nio.file.Path;

/** The model files benchmarks run on: a file given by the user, or a synthetic one from the shared cache. */
public final class ModelFiles {
    /** The seed of every synthetic model the benchmarks use (the tests' seed too, so the cache is shared). */
    public static final long SEED = 42;

    private ModelFiles() {
    }

    /** {@code explicit} when given (checked), else the cached synthetic model, written first if absent. */
    public static Path resolve(Path explicit, ModelPreset preset, Ftype ftype, Progress progress) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new IllegalArgumentException("--model " + explicit + ": no such file");
            }
            return explicit;
        }
        long start = System.nanoTime();
        progress.say("model: synthetic %s %s (from the shared cache; written first if absent, about a minute"
                + " for the full size)", preset.name(), ftype);
        Path file = SyntheticModels.cached(preset, ftype, SEED);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (seconds > 1) {
            progress.say("model ready after %.0f s: %s", seconds, file);
        }
        return file;
    }

    public static ModelPreset preset(boolean quick) {
        return quick ? ModelPreset.TINY : ModelPreset.QWEN3_0_6B;
    }

    public static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
