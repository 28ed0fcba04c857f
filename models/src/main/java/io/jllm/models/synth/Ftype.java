package io.jllm.models.synth;

import io.jllm.gguf.GgmlType;
import java.util.Arrays;
import java.util.Locale;

/**
 * The file types jLLM synthesises, with llama.cpp's {@code llama_ftype} number (include/llama.h),
 * written as {@code general.file_type}, and the ggml type their matrices default to before
 * {@link QuantMix} adjusts individual tensors.
 */
public enum Ftype {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q8_0(7, GgmlType.Q8_0),
    Q4_K_M(15, GgmlType.Q4_K);

    private final int llamaFtype;
    private final GgmlType defaultType;

    Ftype(int llamaFtype, GgmlType defaultType) {
        this.llamaFtype = llamaFtype;
        this.defaultType = defaultType;
    }

    /** {@code LLAMA_FTYPE_*}: ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q8_0 = 7, MOSTLY_Q4_K_M = 15. */
    public int llamaFtype() {
        return llamaFtype;
    }

    /** The type llama-quantize starts from for a 2-D weight ({@code llama_ftype_get_default_type}). */
    public GgmlType defaultType() {
        return defaultType;
    }

    /** Parses "Q4_K_M", "q4_k_m", "q4-k-m"; the error lists the valid names. */
    public static Ftype parse(String text) {
        String norm = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Ftype f : values()) {
            if (f.name().equals(norm)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown ftype '" + text + "'; valid ftypes: " + names());
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }
}
