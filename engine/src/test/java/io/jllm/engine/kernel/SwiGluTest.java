package io.jllm.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SwiGLU: the SIMD form gives the reference's bits, over any range; the reference is SiLU. */
class SwiGluTest {
    @Test
    void theSimdFormGivesTheReferenceBitsForEveryRange() {
        assumeTrue(SimdKernels.supported(), "no 256-bit vectors on this machine");
        float[] gate = ExpTest.inputs();
        SplittableRandom random = new SplittableRandom(3);
        float[] up = new float[gate.length];
        for (int i = 0; i < up.length; i++) {
            up[i] = (float) random.nextGaussian();
        }
        for (int[] range : new int[][] {{0, gate.length}, {3, 1000}, {5, 12}, {17, 17}}) {
            float[] a = gate.clone();
            float[] b = gate.clone();
            SwiGlu.reference(a, up, range[0], range[1]);
            SimdKernels.INSTANCE.swiglu(b, up, range[0], range[1]);
            assertArrayEquals(a, b, "range " + range[0] + ".." + range[1]);
        }
    }

    @Test
    void theReferenceIsSiluTimesUpWithinTwoUlpOfExpsError() {
        // silu(g) * u from doubles: the only float error beyond four roundings is Exp's (<= 2 ulp)
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            float g = (float) (random.nextGaussian() * 8);
            float u = (float) random.nextGaussian();
            float[] gate = {g};
            SwiGlu.reference(gate, new float[] {u}, 0, 1);
            double expected = g / (1 + Math.exp(-g)) * u;
            assertEquals(expected, gate[0], Math.abs(expected) * 8 * Math.ulp(1f) + Float.MIN_NORMAL, "g = " + g);
        }
    }
}
