package io.jllm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against the server: requests it builds, answers it parses. Answers are
 * checked against the SDK's schema with {@code validate()}, except completion stream chunks, whose
 * schema (the Completion class) requires a finish_reason that OpenAI itself sends as null until the end.
 */
class OpenAiClientTest {
    private static JllmServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServers.start("--api-key", "sk-test");
        client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + server.port() + "/v1")
                .apiKey("sk-test")
                .maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.stop();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder()
                .model(server.modelId())
                .addSystemMessage("You are terse.")
                .addUserMessage("Say hello.")
                .maxCompletionTokens(4)
                .temperature(0.0)
                .seed(1);
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(chat().build()).validate();
        assertTrue(c.id().startsWith("chatcmpl-"));
        assertEquals(server.modelId(), c.model());
        assertEquals(1, c.choices().size());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertTrue(choice.message().content().isPresent());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
        assertEquals(4, c.usage().orElseThrow().completionTokens());
        assertTrue(c.usage().orElseThrow().promptTokens() > 5);
    }

    @Test
    void chatLogitBiasAsTheSdkSendsIt() throws Exception {
        int favoured = server.loaded().get().tokenizer().encode(" castle", false)[0];
        ChatCompletion c = client.chat().completions().create(chat()
                .logitBias(ChatCompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty(Integer.toString(favoured), JsonValue.from(100)).build())
                .build()).validate();
        String castle = server.loaded().get().tokenizer().decode(new int[] {favoured, favoured, favoured, favoured});
        assertEquals(castle, c.choices().getFirst().message().content().orElseThrow());
    }

    @Test
    void chatCompletionStream() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
        }
        StringBuilder text = new StringBuilder();
        ChatCompletionChunk.Choice.FinishReason finish = null;
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                choice.delta().content().ifPresent(text::append);
                if (choice.finishReason().isPresent()) {
                    finish = choice.finishReason().get();
                }
            }
        }
        assertEquals(ChatCompletionChunk.Choice.FinishReason.LENGTH, finish);
        assertEquals(4, chunks.getLast().usage().orElseThrow().completionTokens());
        ChatCompletion whole = client.chat().completions().create(chat().build());
        assertEquals(whole.choices().getFirst().message().content().orElseThrow(), text.toString(),
                "greedy: the stream says what the single answer says");
    }

    @Test
    void completion() {
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model(server.modelId()).prompt("Once upon a time").maxTokens(5).temperature(0.0).build()).validate();
        assertTrue(c.id().startsWith("cmpl-"));
        CompletionChoice choice = c.choices().getFirst();
        assertFalse(choice.text().isEmpty());
        assertEquals(CompletionChoice.FinishReason.LENGTH, choice.finishReason());
        assertEquals(5, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void completionStream() {
        StringBuilder text = new StringBuilder();
        List<Completion> chunks = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model(server.modelId()).prompt("Once upon a time").maxTokens(5).temperature(0.0).build())) {
            stream.stream().forEach(chunks::add);
        }
        for (Completion chunk : chunks) {
            chunk.choices().forEach(ch -> text.append(ch.text()));
        }
        assertEquals(CompletionChoice.FinishReason.LENGTH, chunks.getLast().choices().getFirst().finishReason());
        Completion whole = client.completions().create(CompletionCreateParams.builder()
                .model(server.modelId()).prompt("Once upon a time").maxTokens(5).temperature(0.0).build());
        assertEquals(whole.choices().getFirst().text(), text.toString());
    }

    @Test
    void modelsAndErrors() {
        List<Model> models = client.models().list().data();
        assertEquals(server.modelId(), models.getFirst().id());
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().n(2).build()));
        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage().contains("n must be 1"), e.getMessage());
    }
}
