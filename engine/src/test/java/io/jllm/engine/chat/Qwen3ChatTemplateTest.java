package io.jllm.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Byte-for-byte against jinja2's rendering of Qwen3's template (oracle/chat/render_goldens.py). */
class Qwen3ChatTemplateTest {
    private final ChatTemplate template = new Qwen3ChatTemplate();

    @TestFactory
    Stream<DynamicTest> rendersLikeJinja() {
        JsonNode cases = ChatGoldens.DOC.get("cases");
        assertTrue(cases.size() >= 25, "fixture has only " + cases.size() + " cases");
        return StreamSupport.stream(cases.spliterator(), false).map(c -> DynamicTest.dynamicTest(
                c.get("name").textValue(), () -> assertEquals(c.get("expected").textValue(), template.render(
                        ChatGoldens.messages(c.get("messages")), ChatGoldens.tools(c),
                        c.get("add_generation_prompt").booleanValue(), c.path("enable_thinking").asBoolean(true)))));
    }

    @Test
    void fixtureWasRenderedFromTheBundledTemplate() {
        assertEquals(ChatTemplates.qwen3Source(), ChatGoldens.DOC.get("template").textValue());
    }

    @Test
    void nullAssistantContentRendersAsEmpty() {
        ToolCall call = ToolCall.of("c1", "f", "{\"x\": 1}");
        List<ChatMessage> withNull = List.of(ChatMessage.user("u"),
                new ChatMessage(Role.ASSISTANT, null, null, List.of(call), null, null));
        List<ChatMessage> withEmpty = List.of(ChatMessage.user("u"), ChatMessage.assistant("", null, List.of(call)));
        assertEquals(template.render(withEmpty), template.render(withNull));
        assertEquals("<|im_start|>user\nu<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
                + "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>assistant\n", template.render(withNull));
    }

    @Test
    void objectArgumentsAreWrittenAsPythonJson() throws Exception {
        JsonNode args = new ObjectMapper().readTree("{\"q\": \"a\\\"b\", \"n\": [1, 2.0, 3e-7], \"u\": \"é\"}");
        String out = template.render(List.of(ChatMessage.user("u"),
                ChatMessage.assistant("x", null, List.of(new ToolCall(null, "f", args)))), List.of(), false, true);
        assertTrue(out.contains("{\"q\": \"a\\\"b\", \"n\": [1, 2.0, 3e-07], \"u\": \"é\"}"), out);
    }

    @Test
    void badConversationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> template.render(List.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatMessage.user(null))
                .getMessage().contains("user message must not be null"));
        assertThrows(IllegalArgumentException.class,
                () -> new ChatMessage(Role.USER, "x", "thinking", List.of(), null, null));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage(Role.TOOL, "x", null,
                List.of(ToolCall.of(null, "f", "{}")), null, null));
        assertThrows(IllegalArgumentException.class, () -> ToolCall.of(null, "", "{}"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Role.fromWireName("developer"))
                .getMessage().contains("expected one of system, user, assistant, tool"));
    }
}
