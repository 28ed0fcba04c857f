package io.jllm.bench.kernel;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Can plain Java reach the integer dot-product instructions llama.cpp's prefill uses (AVX-512 VNNI
 * {@code vpdpwssd}/{@code vpdpbusd}: 32-64 multiply-adds per instruction against float fma's 16)?
 * The Vector API has no such operation, but C2's auto-vectorizer turns the short-pair pattern
 * {@code out[i] += a[2i]*b[2i] + a[2i+1]*b[2i+1]} (its MulAddS2I node) into {@code vpdpwssd} where
 * the CPU has VNNI (seen in C2's code for that loop on the AVX-512 Zen 5: bench/KERNELS.md,
 * twenty-second session). This measures that loop, the same pattern with two outputs per
 * iteration, the reduction form (a dot product's natural shape), and a register-blocked float fma
 * loop shaped like {@code KQuantRowGemm}'s tile without its fold (rows across the lanes, two weight
 * vectors, six broadcast activations, twelve sums in registers). All data stays in L1. Scores are
 * nanoseconds per multiply-add: lower is better.
 *
 * <p>Run: {@code java -jar bench/target/jllm-bench.jar jmh IntDotBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class IntDotBench {
    /** Output lanes (rows) of the elementwise loops: 2,048 ints, 8 KiB. */
    private static final int N = 2048;
    /** Multiply-adds of each benchmark's call. */
    private static final int MACS = 2 * N;
    /**
     * 512 bits, the width of the row tile it stands for: the question only arises on CPUs with
     * AVX-512 VNNI; elsewhere this species is emulated and the float figure means nothing.
     */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_512;
    /** Steps of the float tile (32 rows x 6 tokens, 192 multiply-adds each): 12 KiB of weights. */
    private static final int STEPS = 96;

    private final short[] a = new short[2 * N];
    private final short[] b = new short[2 * N];
    private final short[] c = new short[2 * N];
    private final int[] out = new int[N];
    private final int[] out2 = new int[N];
    private final float[] w = new float[STEPS * 2 * FS.length() + 64];
    private final float[] x = new float[STEPS * 6 + 64];
    private final float[] sums = new float[12 * FS.length()];

    @Setup
    public void setUp() {
        for (int i = 0; i < 2 * N; i++) {
            a[i] = (short) (i % 15);
            b[i] = (short) (i % 255 - 127);
            c[i] = (short) (i % 251 - 125);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = i % 15;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 255 - 127;
        }
    }

    /** One output per iteration: C2 emits vpdpwssd (with VNNI) or vpmaddwd + vpaddd. */
    @Benchmark
    @OperationsPerInvocation(MACS)
    public int[] shortPairs() {
        for (int i = 0; i < N; i++) {
            out[i] += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
        }
        return out;
    }

    /**
     * The register-blocked form a GEMM needs: one weight load for two tokens. C2 vectorizes it
     * here, but the sums still go through memory every iteration.
     */
    @Benchmark
    @OperationsPerInvocation(2 * MACS)
    public int[] shortPairsTwoOutputs() {
        for (int i = 0; i < N; i++) {
            out[i] += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
            out2[i] += a[2 * i] * c[2 * i] + a[2 * i + 1] * c[2 * i + 1];
        }
        return out2;
    }

    /** A dot product's reduction form. */
    @Benchmark
    @OperationsPerInvocation(MACS)
    public int shortPairsReduction() {
        int s = 0;
        for (int i = 0; i < N; i++) {
            s += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
        }
        return s;
    }

    /** Float fma with rows across the lanes: 2 weight vectors x 6 broadcast tokens per step. */
    @Benchmark
    @OperationsPerInvocation(STEPS * 192)
    public float[] floatTile() {
        int vl = FS.length();
        FloatVector s0 = FloatVector.zero(FS);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector s4 = s0;
        FloatVector s5 = s0;
        FloatVector t0 = s0;
        FloatVector t1 = s0;
        FloatVector t2 = s0;
        FloatVector t3 = s0;
        FloatVector t4 = s0;
        FloatVector t5 = s0;
        for (int i = 0; i < STEPS; i++) {
            FloatVector w0 = FloatVector.fromArray(FS, w, i * 2 * vl);
            FloatVector w1 = FloatVector.fromArray(FS, w, i * 2 * vl + vl);
            int xi = i * 6;
            FloatVector v = FloatVector.broadcast(FS, x[xi]);
            s0 = w0.fma(v, s0);
            t0 = w1.fma(v, t0);
            v = FloatVector.broadcast(FS, x[xi + 1]);
            s1 = w0.fma(v, s1);
            t1 = w1.fma(v, t1);
            v = FloatVector.broadcast(FS, x[xi + 2]);
            s2 = w0.fma(v, s2);
            t2 = w1.fma(v, t2);
            v = FloatVector.broadcast(FS, x[xi + 3]);
            s3 = w0.fma(v, s3);
            t3 = w1.fma(v, t3);
            v = FloatVector.broadcast(FS, x[xi + 4]);
            s4 = w0.fma(v, s4);
            t4 = w1.fma(v, t4);
            v = FloatVector.broadcast(FS, x[xi + 5]);
            s5 = w0.fma(v, s5);
            t5 = w1.fma(v, t5);
        }
        s0.add(s1).add(s2).add(s3).add(s4).add(s5).intoArray(sums, 0);
        t0.add(t1).add(t2).add(t3).add(t4).add(t5).intoArray(sums, vl);
        return sums;
    }
}
