package io.jllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.sampling.SamplingParams;

/**
 * {@code POST /generate}: jLLM's own completion endpoint. Request: {@code prompt} (text or token ids) and
 * llama-server's sampling fields ({@code max_tokens} or {@code n_predict}, {@code temperature}, {@code top_k},
 * {@code top_p}, {@code min_p}, {@code repeat_penalty}, {@code repeat_last_n}, {@code frequency_penalty},
 * {@code presence_penalty}, {@code seed}, {@code stop}, {@code ignore_eos}), {@code stream}. Answer: the text,
 * the generated token ids, why it ended, usage and timings; streamed, one event per token.
 */
final class GenerateService implements HttpService {
    private final Serving serving;
    private final JsonBody bodies;
    private final ServedModel model;

    GenerateService(Serving serving) {
        this.serving = serving;
        this.bodies = serving.bodies();
        this.model = serving.model();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/generate", this::generate);
    }

    private void generate(ServerRequest req, ServerResponse res) {
        ObjectNode body = bodies.read(req, res);
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        InferenceEngine engine = model.engine();
        SamplingParams sampling = SamplingFields.read(body, engine.tokenizer().vocabSize(), "max_tokens", "n_predict");
        int[] prompt = Prompts.tokens(engine.tokenizer(), body, "prompt");
        GenerationRun run = serving.start(engine, prompt, sampling, "prompt");
        if (stream) {
            stream(run, res);
        } else {
            run.collect(res).respond(res, GenerateService::answer);
        }
    }

    private static ObjectNode answer(GenerationRun.Result r) {
        ObjectNode out = Json.object();
        out.put("text", r.text());
        var tokens = out.putArray("tokens");
        for (int t : r.tokens()) {
            tokens.add(t);
        }
        out.put("finish_reason", r.finishReason());
        out.set("usage", OpenAi.usage(r));
        out.set("timings", r.timings().toJson());
        return out;
    }

    private static void stream(GenerationRun run, ServerResponse res) {
        EventStream events = EventStream.open(res);
        GenerationRun.Result r = run.stream(events, 1, (text, from, to) -> events.event(g -> {
            g.writeStartObject();
            g.writeStringField("text", text);
            if (to > from) {
                g.writeNumberField("token", run.generation().token(from));
            }
            g.writeEndObject();
        }));
        ObjectNode last = Json.object();
        last.put("text", "");
        last.put("stop", true);
        last.put("finish_reason", r.finishReason());
        last.set("usage", OpenAi.usage(r));
        last.set("timings", r.timings().toJson());
        if (r.error() != null) {
            last.set("error", ErrorResponses.body(ApiError.internal("generation failed: " + r.error())).get("error"));
        }
        events.event(last);
        events.close();
    }
}
