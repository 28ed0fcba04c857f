package io.jllm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.sampling.SamplingParams;
import java.io.IOException;

/**
 * {@code POST /v1/completions}: OpenAI's (legacy) text completion API. One prompt (text or token ids) and
 * one choice per request; {@code echo} prepends the prompt; {@code stream} sends {@code text_completion}
 * chunks ending in {@code data: [DONE]}, with a usage chunk first when {@code stream_options.include_usage}.
 */
final class CompletionsService implements HttpService {
    private static final String OBJECT = "text_completion";

    private final Serving serving;
    private final JsonBody bodies;
    private final ServedModel model;

    CompletionsService(Serving serving) {
        this.serving = serving;
        this.bodies = serving.bodies();
        this.model = serving.model();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/completions", this::complete);
    }

    private void complete(ServerRequest req, ServerResponse res) {
        ObjectNode body = bodies.read(req, res);
        OpenAi.checkSupported(body);
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        boolean includeUsage = OpenAi.includeUsage(body);
        boolean echo = Boolean.TRUE.equals(Fields.optBool(body, "echo"));
        InferenceEngine engine = model.engine();
        SamplingParams sampling = SamplingFields.read(body, engine.tokenizer().vocabSize(), "max_tokens");
        int[] prompt = Prompts.tokens(engine.tokenizer(), body, "prompt");
        String echoed = echo ? engine.tokenizer().decode(prompt, true) : "";
        GenerationRun run = serving.start(engine, prompt, sampling, "prompt");
        String id = OpenAi.id("cmpl-", run.generation().id());
        long created = OpenAi.now();
        if (stream) {
            stream(run, res, id, created, echoed, includeUsage);
            return;
        }
        run.collect(res).respond(res, done -> {
            ObjectNode out = OpenAi.header(id, OBJECT, created, model.id());
            ObjectNode choice = out.putArray("choices").addObject();
            choice.put("index", 0);
            choice.put("text", echoed + done.text());
            choice.putNull("logprobs");
            choice.put("finish_reason", done.finishReason());
            out.set("usage", OpenAi.usage(done));
            return out;
        });
    }

    private void stream(GenerationRun run, ServerResponse res, String id, long created, String echoed,
            boolean includeUsage) {
        EventStream events = EventStream.open(res);
        String modelId = model.id();
        if (!echoed.isEmpty() && !events.event(g -> chunk(g, id, created, modelId, echoed, null, includeUsage))) {
            run.generation().cancel();
        }
        GenerationRun.Result r = run.stream(events, Integer.MAX_VALUE, (text, from, to) ->
                text.isEmpty() || events.event(g -> chunk(g, id, created, modelId, text, null, includeUsage)));
        OpenAi.endStream(events, r, g -> chunk(g, id, created, modelId, "", r.finishReason(), includeUsage),
                includeUsage ? OpenAi.usageChunk(id, OBJECT, created, modelId, r) : null);
    }

    private static void chunk(JsonGenerator g, String id, long created, String model,
            String text, String finishReason, boolean usageField) throws IOException {
        g.writeStartObject();
        OpenAi.writeHeader(g, id, OBJECT, created, model);
        g.writeArrayFieldStart("choices");
        g.writeStartObject();
        g.writeNumberField("index", 0);
        g.writeStringField("text", text);
        g.writeNullField("logprobs");
        g.writeStringField("finish_reason", finishReason);
        g.writeEndObject();
        g.writeEndArray();
        if (usageField) {
            g.writeNullField("usage");
        }
        g.writeEndObject();
    }
}
