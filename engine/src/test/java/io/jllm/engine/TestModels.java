package io.jllm.engine;

import io.jllm.models.synth.Ftype;
import io.jllm.models.synth.ModelPreset;
import io.jllm.models.synth.SyntheticModels;
import java.nio.file.Path;

/** Synthetic models for engine tests, written once per machine and reused (see SyntheticModels.cached). */
public final class TestModels {
    public static final long SEED = 42;

    private TestModels() {
    }

    public static Path tiny(Ftype ftype) {
        return SyntheticModels.cached(ModelPreset.TINY, ftype, SEED);
    }
}
