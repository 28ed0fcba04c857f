package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import io.jllm.gguf.quant.QuantCodec;
import java.lang.foreign.MemorySegment;

/** Reads a written tensor back through its codec and checks its values against the weight scheme. */
final class WeightStats {
    private WeightStats() {
    }

    /**
     * Relative error a type's rounding may add to a Gaussian's standard deviation: F16 keeps 11
     * significant bits; Q8_0 steps are 1/127 of a block's largest value; Q6_K and the 4-bit types
     * round to 1/32 and 1/15 of a block's range (about 5-6 sigma), i.e. errors of about 0.05 and 0.1
     * sigma rms, which change the std by well under the allowances here.
     */
    static double quantizationAllowance(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1e-3;
            case Q8_0 -> 0.01;
            case Q6_K -> 0.03;
            default -> 0.08;
        };
    }

    /** Dequantizes every element (a row chunk at a time) and checks finiteness, mean and std. */
    static void check(GgufFile file, GgufTensorInfo t, WeightScheme.Distribution d) {
        QuantCodec codec = t.type().codec();
        MemorySegment data = file.data(t);
        int rowLength = Math.toIntExact(t.rowLength());
        long rowBytes = t.type().byteSize(rowLength);
        int rowsPerChunk = Math.max(1, (1 << 16) / rowLength);
        float[] buf = new float[rowsPerChunk * rowLength];
        double sum = 0;
        double sumSq = 0;
        long n = t.elementCount();
        for (long row = 0; row < t.rows(); row += rowsPerChunk) {
            int rows = (int) Math.min(rowsPerChunk, t.rows() - row);
            codec.dequantize(data, row * rowBytes, buf, 0, rows * rowLength);
            for (int i = 0; i < rows * rowLength; i++) {
                float v = buf[i];
                if (!Float.isFinite(v)) {
                    throw new AssertionError(t.name() + ": element " + (row * rowLength + i) + " is " + v);
                }
                sum += v;
                sumSq += (double) v * v;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
        double expectedMean = d.randomSign() ? 0 : d.mean();
        double expectedStd = d.randomSign() ? Math.hypot(d.mean(), d.std()) : d.std();
        // Sampling: 6 standard errors of the mean (std/sqrt(n)) and of the std (about std/sqrt(2n),
        // taken as std/sqrt(n) to cover the two-peaked random-sign case); plus the type's rounding.
        double q = quantizationAllowance(t.type());
        double sampling = 6 * expectedStd / Math.sqrt(n);
        assertEquals(expectedMean, mean, sampling + q * expectedStd, t.name() + " mean");
        assertEquals(expectedStd, std, sampling + q * expectedStd, t.name() + " std");
        assertTrue(std > 0, t.name() + " is constant");
    }
}
