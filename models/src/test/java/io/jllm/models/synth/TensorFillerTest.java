package io.jllm.models.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.gguf.GgmlType;
import io.jllm.gguf.quant.QuantCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TensorFillerTest {
    private static final ModelPreset P = ModelPreset.TINY;
    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(3);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void bytesDependOnlyOnSeedAndNameNotOnThreads() {
        PlannedTensor t = f32(TensorRole.FFN_DOWN, 1); // 256 rows of 768: several chunks
        byte[] one = fill(t, 42, new TensorFiller(null, 1));
        byte[] two = fill(t, 42, new TensorFiller(pool, 2));
        byte[] three = fill(t, 42, new TensorFiller(pool, 3));
        assertArrayEquals(one, two);
        assertArrayEquals(one, three);
    }

    @Test
    void seedAndTensorNameChangeTheValues() {
        PlannedTensor t = f32(TensorRole.ATTN_Q, 0);
        byte[] a = fill(t, 42, new TensorFiller(pool, 2));
        assertFalse(java.util.Arrays.equals(a, fill(t, 43, new TensorFiller(pool, 2))));
        assertFalse(java.util.Arrays.equals(a, fill(f32(TensorRole.ATTN_Q, 1), 42, new TensorFiller(pool, 2))));
    }

    @Test
    void matricesHaveTheSchemesScale() {
        for (TensorRole role : new TensorRole[] {TensorRole.ATTN_Q, TensorRole.ATTN_OUTPUT, TensorRole.FFN_DOWN}) {
            PlannedTensor t = f32(role, 0);
            float[] v = values(t, 9);
            double std = WeightScheme.of(role, 0, P).std();
            // n >= 65,536: the sample mean's standard error is std/256 and the sample std's relative
            // error about 1/sqrt(2n) = 0.3%, so 5 standard errors and 2% are far outside chance.
            assertEquals(0, mean(v), 5 * std / Math.sqrt(v.length), role.name());
            assertEquals(std, std(v), 0.02 * std, role.name());
        }
    }

    @Test
    void normsSitAroundOneAndTheOutputNormHasRandomSigns() {
        float[] attnNorm = values(f32(TensorRole.ATTN_NORM, 0), 9);
        assertEquals(1.0, mean(attnNorm), 0.03); // 256 values of spread 0.1: standard error 0.006
        float[] qkNorm = values(f32(TensorRole.ATTN_Q_NORM, 0), 9);
        assertEquals(WeightScheme.QK_NORM_MEAN, mean(qkNorm), 0.05); // 64 values: standard error 0.0125
        float[] out = values(f32(TensorRole.OUTPUT_NORM, -1), 9);
        int negative = 0;
        double absMean = 0;
        for (float x : out) {
            negative += x < 0 ? 1 : 0;
            absMean += Math.abs(x) / out.length;
        }
        assertEquals(1.0, absMean, 0.03);
        assertTrue(negative > 96 && negative < 160, "signs of 256 fair coins: " + negative + " negative");
    }

    @Test
    void everyValueIsFinite() {
        for (float x : values(f32(TensorRole.FFN_GATE, 1), 3)) {
            assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void aDestinationOfTheWrongSizeIsRefused() {
        PlannedTensor t = f32(TensorRole.ATTN_NORM, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(t.byteSize() - 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TensorFiller(pool, 2)
                    .fill(t, WeightScheme.of(t.role(), t.layer(), P), 1, new F32TestCodec(), small));
            assertTrue(e.getMessage().contains("blk.0.attn_norm.weight"), e.getMessage());
        }
    }

    @Test
    void aFailingEncoderIsReportedWithTheTensorName() {
        PlannedTensor t = f32(TensorRole.FFN_UP, 0);
        QuantCodec broken = new F32TestCodec() {
            @Override
            public void quantize(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
                throw new ArithmeticException("boom");
            }
        };
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(t.byteSize());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new TensorFiller(pool, 2)
                    .fill(t, WeightScheme.of(t.role(), t.layer(), P), 1, broken, dst));
            assertTrue(e.getMessage().contains("blk.0.ffn_up.weight") && e.getMessage().contains("boom"), e.getMessage());
        }
    }

    private static PlannedTensor f32(TensorRole role, int layer) {
        return new PlannedTensor(role.tensorName(layer), role, layer, role.shape(P), GgmlType.F32);
    }

    private static byte[] fill(PlannedTensor t, long seed, TensorFiller filler) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment dst = arena.allocate(t.byteSize());
            filler.fill(t, WeightScheme.of(t.role(), t.layer(), P), seed, new F32TestCodec(), dst);
            return dst.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    private static float[] values(PlannedTensor t, long seed) {
        byte[] bytes = fill(t, seed, new TensorFiller(pool, 2));
        float[] v = new float[bytes.length / 4];
        new F32TestCodec().dequantize(MemorySegment.ofArray(bytes), 0, v, 0, v.length);
        return v;
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
