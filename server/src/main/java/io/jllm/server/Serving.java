package io.jllm.server;

import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.sampling.SamplingParams;
import java.time.Duration;

/**
 * What the generation endpoints share: the served model, the metrics, how long a stream may stay
 * silent before it sends a ping, and the request body reader with its size limit.
 */
record Serving(ServedModel model, ServerMetrics metrics, Duration ping, JsonBody bodies) {

    /** Submits a generation; see {@link GenerationRun#start}. */
    GenerationRun start(InferenceEngine engine, int[] prompt, SamplingParams sampling, String promptParam) {
        return GenerationRun.start(engine, prompt, sampling, promptParam, metrics, ping.toMillis());
    }
}
