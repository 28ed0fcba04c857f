package io.jllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.api.FinishReason;
import io.jllm.engine.api.Generation;
import io.jllm.engine.api.GenerationRequest;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.api.RejectedException;
import io.jllm.engine.api.TextStream;
import io.jllm.engine.sampling.SamplingParams;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One generation as a request handler drives it, on the request's own (virtual) thread: submit, read
 * the text (stop strings applied by {@link TextStream}), notice a vanished client and cancel, record
 * metrics. Nothing here locks; the engine hands tokens over through the lock-free {@link Generation}.
 */
final class GenerationRun {

    /** Receives the text of a stream as it comes. */
    interface Pieces {
        /**
         * Text that became safe to send (possibly empty), covering generated tokens {@code [from, to)}.
         * Returns false when the client is gone.
         */
        boolean piece(String text, int from, int to);
    }

    private final Generation generation;
    private final TextStream text;
    private final ServerMetrics metrics;
    /** With no new token for this long, a stream sends a ping (and so finds out if its client left). */
    private final long pingMillis;

    private GenerationRun(Generation generation, TextStream text, ServerMetrics metrics, long pingMillis) {
        this.generation = generation;
        this.text = text;
        this.metrics = metrics;
        this.pingMillis = pingMillis;
    }

    /**
     * Submits a generation. Refusals become API errors: a full queue 503 with Retry-After, a prompt
     * that cannot fit 400 (naming {@code promptParam}), shutdown 503.
     */
    static GenerationRun start(InferenceEngine engine, int[] prompt, SamplingParams sampling, String promptParam,
            ServerMetrics metrics, long pingMillis) {
        if (prompt.length == 0) {
            throw ApiError.invalid(promptParam, promptParam + " is empty; give at least one token of text");
        }
        Generation g;
        try {
            g = engine.submit(new GenerationRequest(prompt, sampling));
        } catch (RejectedException e) {
            throw switch (e.reason()) {
                case QUEUE_FULL -> ApiError.unavailable("queue_full", e.getMessage(), 1);
                case TOO_LONG -> ApiError.contextLength(promptParam, e.getMessage());
                case SHUTTING_DOWN -> ApiError.unavailable("shutting_down", e.getMessage(), 0);
            };
        }
        return new GenerationRun(g, new TextStream(g, engine.tokenizer(), sampling.stop()), metrics,
                pingMillis);
    }

    Generation generation() {
        return generation;
    }

    /**
     * Non-streaming: reads the whole text while watching the connection; the caller sends the answer with
     * {@link Result#respond}. A client that disconnects cancels the generation, and this throws Helidon's
     * {@link CloseConnectionException}, which ends the connection quietly: nobody is left to answer.
     */
    Result collect(ServerResponse res) {
        ConnectionWatch watch = ConnectionWatch.start(res, generation::cancel);
        StringBuilder all = new StringBuilder();
        try {
            String piece;
            while ((piece = text.next(pingMillis, TimeUnit.MILLISECONDS)) != null) {
                all.append(piece);
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            generation.cancel();
            if (watch != null) {
                watch.close();
            }
            throw e;
        }
        Result r = finish(all.toString(), watch);
        if (watch != null && watch.clientGone()) {
            watch.close();
            throw new CloseConnectionException("the client closed the connection; its generation was cancelled");
        }
        return r;
    }

    /**
     * Streaming: hands text to {@code pieces} as tokens arrive (at most {@code tokensPerPiece} tokens per
     * piece), pinging {@code events} while no token comes. A failed write means the client is gone: the
     * generation is cancelled and this throws {@link CloseConnectionException} once it has ended.
     */
    Result stream(EventStream events, int tokensPerPiece, Pieces pieces) {
        StringBuilder all = new StringBuilder();
        boolean gone = false;
        try {
            String piece;
            int before = 0;
            while ((piece = text.next(pingMillis, TimeUnit.MILLISECONDS, tokensPerPiece)) != null) {
                int after = text.tokensRead();
                all.append(piece);
                boolean alive = after == before && piece.isEmpty() ? events.ping() : pieces.piece(piece, before, after);
                if (!alive) {
                    gone = true;
                    generation.cancel();
                    break;
                }
                before = after;
            }
        } catch (InterruptedException e) {
            generation.cancel();
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            generation.cancel();
            throw e;
        }
        Result r = finish(all.toString(), null);
        // A write that failed before the loop (a first chunk) counts too.
        if (gone || events.broken()) {
            throw new CloseConnectionException("the client closed the connection; its generation was cancelled");
        }
        return r;
    }

    /** Waits until the generation has ended and freed its blocks, and records its metrics. */
    private Result finish(String all, ConnectionWatch watch) {
        Generation g = generation;
        try {
            g.completion().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a generation's completion never fails", e);
        }
        int tokens = Math.min(text.tokensRead(), g.tokenCount());
        FinishReason reason = text.finishReason() == null ? FinishReason.CANCELLED : text.finishReason();
        metrics.record(g, tokens, reason);
        int[] ids = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            ids[i] = g.token(i);
        }
        return new Result(g, all, ids, reason, RequestTimings.of(g, tokens), watch);
    }

    /**
     * What a generation produced.
     *
     * @param text   the text returned (stop strings cut)
     * @param tokens the generated token ids behind it
     */
    record Result(Generation generation, String text, int[] tokens, FinishReason reason, RequestTimings timings,
            ConnectionWatch watch) {

        int promptTokens() {
            return generation.promptTokens();
        }

        /** The OpenAI finish_reason. */
        String finishReason() {
            return reason.openAiName();
        }

        /** The engine's error message when the generation failed, else null. */
        String error() {
            return reason == FinishReason.ERROR ? generation.error() : null;
        }

        /**
         * Sends a non-streaming answer, {@code body} of this result (or a 500 if the generation failed),
         * then closes a watched connection.
         */
        void respond(ServerResponse res, Function<Result, JsonNode> body) {
            try {
                if (error() != null) {
                    ErrorResponses.send(res, ApiError.internal("generation failed: " + error()));
                    return;
                }
                res.status(Status.OK_200);
                res.header(HeaderValues.CONTENT_TYPE_JSON);
                res.send(Json.bytes(body.apply(this)));
            } finally {
                if (watch != null) {
                    watch.close();
                }
            }
        }
    }
}
