package io.jllm.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jllm.engine.kernel.BatchGranularity;
import org.junit.jupiter.api.Test;

class StepBudgetTest {
    static final BatchGranularity TILES = new BatchGranularity(32, 32);
    static final double MS = 1e6;

    @Test
    void aBatchedStepHoldsWholeTilesThatFitTheTime() {
        // 10 ms a token, 500 ms: 50 tokens fit, one whole tile of 32 (not 50, which would pay for 64)
        assertEquals(32, StepBudget.tokens(256, 500, 10 * MS, 7, TILES));
        // 2 ms a token: 250 fit, 7 whole tiles
        assertEquals(224, StepBudget.tokens(256, 500, 2 * MS, 7, TILES));
    }

    @Test
    void whenLessThanATileFitsAStepStillTakesTheBatchedMinimumNotTheSlowerTokenByTokenPath() {
        // 7 decoders and a 25-token chunk: the 7 + 32 of a fixed minimum chunk would pay for two tiles
        assertEquals(32, StepBudget.tokens(256, 500, 40 * MS, 7, TILES));
        // 40 decoders: the next whole tile above them
        assertEquals(64, StepBudget.tokens(256, 500, 40 * MS, 40, TILES));
    }

    /** Tiles of 32 from 32 tokens, groups of 8 on a small-batch path from 4. */
    static final BatchGranularity TILES_AND_GROUPS = new BatchGranularity(32, 32, 4, 8);

    @Test
    void whenNotEvenTheBatchedMinimumFitsAStepTakesSmallBatchGroupsThatFit() {
        // 7 decoders, 40 ms a batched token (32 would take 1.3 s of a 500 ms budget), 14 ms a
        // small-batch token: 28 fit 80 % of the budget, three whole groups of 8
        assertEquals(24, StepBudget.tokens(256, 500, 40 * MS, 14 * MS, 7, TILES_AND_GROUPS));
        // 19 ms: 21 fit 80 %, two groups
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 19 * MS, 7, TILES_AND_GROUPS));
        // small-batch cost not measured yet: the decoders and a whole group of prefill
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 0, 7, TILES_AND_GROUPS));
        // 8 decoders: two groups at least
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 100 * MS, 8, TILES_AND_GROUPS));
        // a cheap small-batch path never makes a step reach the batched minimum through it
        assertEquals(31, StepBudget.tokens(256, 500, 40 * MS, 1 * MS, 7, TILES_AND_GROUPS));
    }

    @Test
    void whereTheDecodersAloneNearlyFillTheBudgetAStepStillPrefillsAWholeGroup() {
        // The 2-core AVX2 machine: 8-token steps took 280 ms (35 ms a token), so 80 % of 500 ms
        // fits 11 tokens, one group. One prefill token a step left a 2,000-token prompt without
        // its first token for 10 minutes; a 16-token step measured ~400 ms there.
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 35 * MS, 7, TILES_AND_GROUPS));
        // 8 decoders fill their group: still a whole group of prefill on top
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 35 * MS, 8, TILES_AND_GROUPS));
        // one decoder: a group of prefill beside it makes two groups
        assertEquals(16, StepBudget.tokens(256, 500, 40 * MS, 35 * MS, 1, TILES_AND_GROUPS));
    }

    @Test
    void aStepWithNoDecoderTakesTheWholeTokenBudget() {
        // no one's next token waits on it: however slow, the prompt goes in the biggest step
        assertEquals(256, StepBudget.tokens(256, 500, 40 * MS, 35 * MS, 0, TILES_AND_GROUPS));
        assertEquals(256, StepBudget.tokens(256, 500, 100 * MS, 0, BatchGranularity.LINEAR));
        assertEquals(256, StepBudget.tokens(256, 500, 40 * MS, 0, TILES));
    }

    @Test
    void theSmallBatchPathIsOnlyForStepsTheBatchedMinimumWouldOverrun() {
        // 10 ms a batched token: 50 fit, one tile, as without a small-batch path
        assertEquals(32, StepBudget.tokens(256, 500, 10 * MS, 19 * MS, 7, TILES_AND_GROUPS));
        // 40 decoders are a batched step whatever it costs
        assertEquals(64, StepBudget.tokens(256, 500, 40 * MS, 19 * MS, 40, TILES_AND_GROUPS));
    }

    /** The 512-bit defaults: the GEMM from 256 tokens in tiles of 32, the small-batch path from 4 in groups of 8. */
    static final BatchGranularity WIDE_DEFAULTS = new BatchGranularity(256, 32, 4, 8);
    /** The 256-bit defaults: the GEMM from 64 tokens, the small-batch path from 6. */
    static final BatchGranularity NARROW_DEFAULTS = new BatchGranularity(64, 32, 6, 8);

    @Test
    void withTheGemmFromTwoHundredFiftySixTokensMixedStepsAreSmallBatchGroups() {
        // 7 decoders, 10 ms a GEMM token (50 fit, far below 256), 6 ms a small-batch token: 66 fit
        // 80 % of the budget, eight groups of 8
        assertEquals(64, StepBudget.tokens(256, 500, 10 * MS, 6 * MS, 7, WIDE_DEFAULTS));
        // however cheap the small-batch path, a step stays below the GEMM's minimum through it
        assertEquals(255, StepBudget.tokens(512, 500, 10 * MS, 0.1 * MS, 7, WIDE_DEFAULTS));
        // costs not measured yet (a fresh engine): the whole token budget, on the GEMM
        assertEquals(256, StepBudget.tokens(256, 500, 0, 0, 7, WIDE_DEFAULTS));
        // 300 decoders are a GEMM step of whole tiles
        assertEquals(320, StepBudget.tokens(512, 500, 10 * MS, 6 * MS, 300, WIDE_DEFAULTS));
    }

    @Test
    void withTheGemmFromSixtyFourTokensMixedStepsStayBelowIt() {
        // 7 decoders, 20 ms a GEMM token (25 fit, below 64), 12 ms a small-batch token: 33 fit 80 %
        // of the budget, four groups of 8
        assertEquals(32, StepBudget.tokens(256, 500, 20 * MS, 12 * MS, 7, NARROW_DEFAULTS));
        // however cheap the small-batch path, a step stays below the GEMM's minimum through it
        assertEquals(63, StepBudget.tokens(512, 500, 20 * MS, 0.1 * MS, 7, NARROW_DEFAULTS));
        // a GEMM step that fits is whole tiles from 64
        assertEquals(96, StepBudget.tokens(256, 500, 5 * MS, 12 * MS, 7, NARROW_DEFAULTS));
    }

    @Test
    void linearKernelsTakeWhatFitsButAlwaysMoveThePrompt() {
        assertEquals(50, StepBudget.tokens(256, 500, 10 * MS, 7, BatchGranularity.LINEAR));
        assertEquals(7 + StepBudget.MIN_LINEAR_CHUNK, StepBudget.tokens(256, 500, 100 * MS, 7, BatchGranularity.LINEAR));
    }

    @Test
    void neverMoreThanTheTokenBudget() {
        assertEquals(256, StepBudget.tokens(256, 500, 0.1 * MS, 7, TILES));
        assertEquals(256, StepBudget.tokens(256, 500, 0.1 * MS, 7, BatchGranularity.LINEAR));
        assertEquals(16, StepBudget.tokens(16, 500, 100 * MS, 12, BatchGranularity.LINEAR));
    }

    @Test
    void aGranularityThatCouldNotBeMetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchGranularity(-1, 32));
        assertThrows(IllegalArgumentException.class, () -> new BatchGranularity(32, 0));
        assertThrows(IllegalArgumentException.class, () -> new BatchGranularity(32, 32, 32, 8));
        assertThrows(IllegalArgumentException.class, () -> new BatchGranularity(32, 32, 4, 0));
    }
}
