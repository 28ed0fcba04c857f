package io.jllm.engine.model;

import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An open Qwen3 GGUF: the mapped file, its hyperparameters and its weights. The weights are
 * slices of the mapping, valid until {@link #close()}.
 */
public final class Qwen3Model implements AutoCloseable {
    private final GgufFile file;
    private final Qwen3Config config;
    private final Qwen3Weights weights;

    private Qwen3Model(GgufFile file, Qwen3Config config, Qwen3Weights weights) {
        this.file = file;
        this.config = config;
        this.weights = weights;
    }

    /**
     * Opens and checks a model file. A malformed file is a {@link io.jllm.gguf.GgufFormatException};
     * a well-formed file that is not a Qwen3 model jLLM can run is a {@link ModelFormatException}.
     */
    public static Qwen3Model open(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            GgufTensorInfo embd = file.tensor("token_embd.weight").orElseThrow(() -> new ModelFormatException(
                    path + ": tensor token_embd.weight is missing; is this a Qwen3 GGUF?"));
            if (embd.dimensions() != 2 || embd.dim(1) > Integer.MAX_VALUE) {
                throw new ModelFormatException(path + ": token_embd.weight must be a matrix, got "
                        + java.util.Arrays.toString(embd.shape()));
            }
            Qwen3Config config;
            try {
                config = Qwen3Config.from(file.metadata(), (int) embd.dim(1));
            } catch (ModelFormatException e) {
                throw new ModelFormatException(path + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(e.getMessage());
            }
            Qwen3Weights weights = Qwen3Weights.load(file, config);
            return new Qwen3Model(file, config, weights);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public Qwen3Config config() {
        return config;
    }

    public Qwen3Weights weights() {
        return weights;
    }

    /** {@code general.name}, else the file name. */
    public String name() {
        return file.metadata().optString("general.name").orElse(file.path().getFileName().toString());
    }

    @Override
    public void close() {
        file.close();
    }
}
