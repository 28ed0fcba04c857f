package io.jllm.engine.model;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import java.util.Set;

/**
 * Every tensor of a Qwen3 model, checked against the hyperparameters: names and shapes as llama.cpp
 * creates them (src/models/qwen3.cpp). The LM head is {@code output.weight} when present, else the
 * tied {@code token_embd.weight}.
 */
public final class Qwen3Weights {
    /** Types the engine has kernels for. */
    public static final Set<GgmlType> MATRIX_TYPES =
            Set.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K);

    public final WeightTensor tokenEmbedding;
    public final WeightTensor outputNorm;
    public final WeightTensor output;
    public final Layer[] layers;

    /** One transformer block's tensors. */
    public record Layer(
            WeightTensor attnNorm,
            WeightTensor wq,
            WeightTensor wk,
            WeightTensor wv,
            WeightTensor wo,
            WeightTensor qNorm,
            WeightTensor kNorm,
            WeightTensor ffnNorm,
            WeightTensor ffnGate,
            WeightTensor ffnUp,
            WeightTensor ffnDown) {
    }

    private Qwen3Weights(WeightTensor tokenEmbedding, WeightTensor outputNorm, WeightTensor output, Layer[] layers) {
        this.tokenEmbedding = tokenEmbedding;
        this.outputNorm = outputNorm;
        this.output = output;
        this.layers = layers;
    }

    public boolean tiedOutput() {
        return output == tokenEmbedding;
    }

    public static Qwen3Weights load(GgufFile file, Qwen3Config c) {
        Loader l = new Loader(file);
        WeightTensor embd = l.matrix("token_embd.weight", c.vocabSize(), c.dim());
        WeightTensor outNorm = l.norm("output_norm.weight", c.dim());
        WeightTensor out = file.tensor("output.weight").isPresent() ? l.matrix("output.weight", c.vocabSize(), c.dim()) : embd;
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String b = "blk." + i + ".";
            layers[i] = new Layer(
                    l.norm(b + "attn_norm.weight", c.dim()),
                    l.matrix(b + "attn_q.weight", c.qDim(), c.dim()),
                    l.matrix(b + "attn_k.weight", c.kvDim(), c.dim()),
                    l.matrix(b + "attn_v.weight", c.kvDim(), c.dim()),
                    l.matrix(b + "attn_output.weight", c.dim(), c.qDim()),
                    l.norm(b + "attn_q_norm.weight", c.headDim()),
                    l.norm(b + "attn_k_norm.weight", c.headDim()),
                    l.norm(b + "ffn_norm.weight", c.dim()),
                    l.matrix(b + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    l.matrix(b + "ffn_up.weight", c.ffnDim(), c.dim()),
                    l.matrix(b + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        return new Qwen3Weights(embd, outNorm, out, layers);
    }

    /** Number of distinct bytes of weights (the tied head counted once). */
    public long totalBytes() {
        long total = tokenEmbedding.data().byteSize() + outputNorm.data().byteSize();
        if (!tiedOutput()) {
            total += output.data().byteSize();
        }
        for (Layer layer : layers) {
            for (WeightTensor t : new WeightTensor[] {layer.attnNorm(), layer.wq(), layer.wk(), layer.wv(), layer.wo(),
                    layer.qNorm(), layer.kNorm(), layer.ffnNorm(), layer.ffnGate(), layer.ffnUp(), layer.ffnDown()}) {
                total += t.data().byteSize();
            }
        }
        return total;
    }

    private record Loader(GgufFile file) {
        WeightTensor matrix(String name, int rows, int cols) {
            GgufTensorInfo t = info(name);
            if (t.dimensions() != 2 || t.dim(0) != cols || t.dim(1) != rows) {
                throw new ModelFormatException(file.path() + ": tensor " + name + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected [" + cols + ", " + rows + "] (ggml order)");
            }
            if (!MATRIX_TYPES.contains(t.type())) {
                throw new ModelFormatException(file.path() + ": tensor " + name + " is " + t.type()
                        + "; jLLM computes with " + MATRIX_TYPES + " (re-quantize the model, e.g. to Q4_K_M or Q8_0)");
            }
            return new WeightTensor(name, t.type(), rows, cols, file.data(t));
        }

        WeightTensor norm(String name, int length) {
            GgufTensorInfo t = info(name);
            if (t.elementCount() != length || t.dim(0) != length) {
                throw new ModelFormatException(file.path() + ": tensor " + name + " has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected [" + length + "]");
            }
            if (t.type() != GgmlType.F32) {
                throw new ModelFormatException(file.path() + ": norm tensor " + name + " is " + t.type()
                        + "; expected F32 as llama.cpp writes norms");
            }
            return new WeightTensor(name, t.type(), 1, length, file.data(t));
        }

        private GgufTensorInfo info(String name) {
            return file.tensor(name).orElseThrow(() -> new ModelFormatException(
                    file.path() + ": tensor " + name + " is missing; is this a complete Qwen3 GGUF?"));
        }
    }
}
