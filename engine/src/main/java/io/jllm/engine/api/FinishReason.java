package io.jllm.engine.api;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-generation token (not returned as text). */
    EOS("stop"),
    /** A stop string appeared (not returned as text). */
    STOP("stop"),
    /** max_tokens reached. */
    LENGTH("length"),
    /** The context window is full. */
    CONTEXT("length"),
    /** The caller cancelled (or its client went away). */
    CANCELLED("cancelled"),
    /** The request's own time limit passed. */
    TIMEOUT("timeout"),
    /** The engine failed or shut down before finishing. */
    ERROR("error");

    private final String openAi;

    FinishReason(String openAi) {
        this.openAi = openAi;
    }

    /** The OpenAI API's finish_reason for this ending. */
    public String openAiName() {
        return openAi;
    }
}
