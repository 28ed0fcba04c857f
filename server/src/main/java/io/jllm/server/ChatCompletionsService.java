package io.jllm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.jllm.engine.api.InferenceEngine;
import io.jllm.engine.chat.ChatMessage;
import io.jllm.engine.chat.ChatTemplate;
import io.jllm.engine.sampling.SamplingParams;
import java.io.IOException;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: OpenAI's chat API. The conversation is rendered with the model's chat
 * template (Qwen3's ChatML with tools and thinking); {@code chat_template_kwargs.enable_thinking: false}
 * asks Qwen3 to answer without thinking, as llama-server accepts it. The model's answer comes back as the
 * assistant message's content, as generated.
 */
final class ChatCompletionsService implements HttpService {
    private static final String OBJECT = "chat.completion";
    private static final String CHUNK = "chat.completion.chunk";

    private final Serving serving;
    private final JsonBody bodies;
    private final ServedModel model;

    ChatCompletionsService(Serving serving) {
        this.serving = serving;
        this.bodies = serving.bodies();
        this.model = serving.model();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/v1/chat/completions", this::chat);
    }

    private void chat(ServerRequest req, ServerResponse res) {
        ObjectNode body = bodies.read(req, res);
        OpenAi.checkSupported(body);
        boolean stream = Boolean.TRUE.equals(Fields.optBool(body, "stream"));
        boolean includeUsage = OpenAi.includeUsage(body);
        InferenceEngine engine = model.engine();
        SamplingParams sampling = SamplingFields.read(body, engine.tokenizer().vocabSize(), "max_completion_tokens",
                "max_tokens");
        List<ChatMessage> messages = ChatMessages.read(body);
        List<JsonNode> tools = ChatMessages.tools(body);
        boolean thinking = enableThinking(body);
        String text = render(engine, messages, tools, thinking);
        int[] prompt = engine.tokenizer().encode(text, true, true);
        GenerationRun run = serving.start(engine, prompt, sampling, "messages");
        String id = OpenAi.id("chatcmpl-", run.generation().id());
        long created = OpenAi.now();
        if (stream) {
            stream(run, res, id, created, includeUsage);
            return;
        }
        run.collect(res).respond(res, done -> {
            ObjectNode out = OpenAi.header(id, OBJECT, created, model.id());
            ObjectNode choice = out.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", done.text());
            message.putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", done.finishReason());
            out.set("usage", OpenAi.usage(done));
            return out;
        });
    }

    private static boolean enableThinking(JsonNode body) {
        ObjectNode kwargs = Fields.optObject(body, "chat_template_kwargs", "chat_template_kwargs");
        Boolean thinking = kwargs == null ? null
                : Fields.optBool(kwargs, "enable_thinking", "chat_template_kwargs.enable_thinking");
        return thinking == null || thinking;
    }

    private static String render(InferenceEngine engine, List<ChatMessage> messages, List<JsonNode> tools,
            boolean thinking) {
        if (!engine.hasChatTemplate()) {
            try {
                engine.chatTemplate();
            } catch (IllegalStateException e) {
                throw ApiError.internal(e.getMessage() + "; restart the server with --chat-template chatml (or"
                        + " qwen3), or send a prompt you formatted yourself to /v1/completions");
            }
        }
        ChatTemplate template = engine.chatTemplate();
        try {
            return template.render(messages, tools, true, thinking);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("messages", "the " + template.name() + " chat template cannot render this"
                    + " conversation: " + e.getMessage());
        }
    }

    private void stream(GenerationRun run, ServerResponse res, String id, long created, boolean includeUsage) {
        EventStream events = EventStream.open(res);
        String modelId = model.id();
        // The first chunk names the role, as OpenAI's does; sending it at once also tells the client the
        // request was accepted before the prompt is processed.
        if (!events.event(g -> chunk(g, id, created, modelId, "", true, null, includeUsage))) {
            run.generation().cancel();
        }
        GenerationRun.Result r = run.stream(events, Integer.MAX_VALUE, (text, from, to) ->
                text.isEmpty() || events.event(g -> chunk(g, id, created, modelId, text, false, null, includeUsage)));
        OpenAi.endStream(events, r, g -> chunk(g, id, created, modelId, null, false, r.finishReason(), includeUsage),
                includeUsage ? OpenAi.usageChunk(id, CHUNK, created, modelId, r) : null);
    }

    private static void chunk(JsonGenerator g, String id, long created, String model, String content, boolean role,
            String finishReason, boolean usageField) throws IOException {
        g.writeStartObject();
        OpenAi.writeHeader(g, id, CHUNK, created, model);
        g.writeArrayFieldStart("choices");
        g.writeStartObject();
        g.writeNumberField("index", 0);
        g.writeObjectFieldStart("delta");
        if (role) {
            g.writeStringField("role", "assistant");
        }
        if (content != null) {
            g.writeStringField("content", content);
        }
        g.writeEndObject();
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
