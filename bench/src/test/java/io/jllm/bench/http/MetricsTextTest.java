package io.jllm.bench.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jllm.bench.Fixtures;
import org.junit.jupiter.api.Test;

/** The fixture is the server's real GET /metrics after one 3-token completion on the tiny model. */
class MetricsTextTest {
    private static final String METRICS = Fixtures.text("server-metrics.txt");

    @Test
    void readsGaugesAndSumsLabelledCounters() {
        assertEquals(0.0, MetricsText.value(METRICS, "jllm_requests_running"), 0);
        assertEquals(128.0, MetricsText.value(METRICS, "jllm_kv_blocks_total"), 0);
        assertEquals(1.0, MetricsText.value(METRICS, "jllm_requests_total"), 0);
    }

    @Test
    void aPrefixOfAnotherNameIsNotAMatchAndAbsentIsNaN() {
        // jllm_kv_blocks is a prefix of jllm_kv_blocks_used etc. but no metric of its own.
        assertTrue(Double.isNaN(MetricsText.value(METRICS, "jllm_kv_blocks")));
        assertTrue(Double.isNaN(MetricsText.value(METRICS, "no_such_metric")));
    }
}
