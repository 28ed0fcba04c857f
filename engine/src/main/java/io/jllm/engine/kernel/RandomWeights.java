package io.jllm.engine.kernel;

import io.jllm.engine.model.WeightTensor;
import io.jllm.gguf.GgmlType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Random but valid weight matrices in off-heap memory, for kernel tests and benchmarks. Random
 * bytes are valid blocks of every quantized type except for their fp16 scale fields, which are set
 * to finite values of the size real models have (about 1e-4 to 1e-2); float types get values in
 * [-1, 1).
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** A {@code rows x cols} matrix of {@code type} allocated in {@code arena}. */
    public static WeightTensor matrix(GgmlType type, int rows, int cols, long seed, Arena arena) {
        if (cols % type.blockSize() != 0) {
            throw new IllegalArgumentException(cols + " columns are not whole " + type + " blocks of " + type
                    .blockSize());
        }
        long bytes = (long) rows * (cols / type.blockSize()) * type.bytesPerBlock();
        MemorySegment data = arena.allocate(bytes, 64);
        SplittableRandom random = new SplittableRandom(seed);
        fill(type, data, bytes, random);
        return new WeightTensor("random-" + type, type, rows, cols, data);
    }

    private static void fill(GgmlType type, MemorySegment data, long bytes, SplittableRandom random) {
        switch (type) {
            case F32 -> {
                for (long i = 0; i < bytes; i += 4) {
                    data.set(Bytes.FLOAT_LE, i, (float) (random.nextDouble() * 2 - 1));
                }
            }
            case F16 -> {
                for (long i = 0; i < bytes; i += 2) {
                    data.set(Bytes.SHORT_LE, i, Float.floatToFloat16((float) (random.nextDouble() * 2 - 1)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < bytes; i += 2) {
                    data.set(Bytes.SHORT_LE, i, ActivationQuantizer.toBf16((float) (random.nextDouble() * 2 - 1)));
                }
            }
            default -> {
                for (long i = 0; i < bytes; i++) {
                    data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
                }
                int block = type.bytesPerBlock();
                int[] scaleFields = switch (type) {
                    case Q4_K -> new int[] {0, 2};
                    case Q6_K -> new int[] {208};
                    case Q8_0, Q4_0 -> new int[] {0};
                    default -> throw new IllegalArgumentException("no random blocks for " + type);
                };
                for (long blk = 0; blk < bytes; blk += block) {
                    for (int field : scaleFields) {
                        float scale = (float) (1e-4 * Math.pow(100, random.nextDouble()));
                        data.set(Bytes.SHORT_LE, blk + field, Float.floatToFloat16(scale));
                    }
                }
            }
        }
    }
}
