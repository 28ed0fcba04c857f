package io.jllm.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplatesTest {
    private static final String QWEN3 = ChatGoldens.DOC.get("template").textValue();
    private static final String CHATML = ChatGoldens.DOC.get("chatml_template").textValue();

    @Test
    void recognizesQwen3AsShippedAndReindented() {
        assertInstanceOf(Qwen3ChatTemplate.class, ChatTemplates.forTemplate(QWEN3));
        String crlfReindented = QWEN3.replace("\n    ", "\r\n\t").replace("\n", "\r\n") + "\n\n";
        assertInstanceOf(Qwen3ChatTemplate.class, ChatTemplates.forTemplate(crlfReindented));
    }

    @Test
    void recognizesPlainChatMl() {
        assertInstanceOf(ChatMlTemplate.class, ChatTemplates.forTemplate(CHATML));
    }

    @Test
    void refusesOtherTemplatesSayingWhatTheyLookLikeAndWhatToDo() {
        String tweaked = QWEN3.replace("<tools></tools>", "<tools> </tools>");
        UnsupportedChatTemplateException e = assertThrows(UnsupportedChatTemplateException.class,
                () -> ChatTemplates.forTemplate(tweaked));
        assertTrue(e.getMessage().contains("uses ChatML markers"), e.getMessage());
        assertTrue(e.getMessage().contains("\"chatml\""), e.getMessage());
        String qwen25 = "{%- if messages[0]['role'] == 'system' %}...{%- else %}{{- '<|im_start|>system\\nYou are "
                + "Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}";
        assertTrue(assertThrows(UnsupportedChatTemplateException.class, () -> ChatTemplates.forTemplate(qwen25))
                .getMessage().contains("Qwen2/Qwen2.5"));
        String llama = "{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}";
        assertTrue(assertThrows(UnsupportedChatTemplateException.class, () -> ChatTemplates.forTemplate(llama))
                .getMessage().contains("not a ChatML-family template"));
        assertTrue(assertThrows(UnsupportedChatTemplateException.class, () -> ChatTemplates.forTemplate(null))
                .getMessage().contains("tokenizer.chat_template is missing"));
        assertThrows(UnsupportedChatTemplateException.class, () -> ChatTemplates.forTemplate("  \n"));
    }

    @Test
    void namedTemplates() {
        assertEquals("qwen3", ChatTemplates.named("Qwen3").name());
        assertEquals("chatml", ChatTemplates.named("chatml").name());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChatTemplates.named("llama3"))
                .getMessage().contains("known: \"qwen3\""));
    }

    @Test
    void chatMlRendersLikeJinja() {
        ChatTemplate chatml = ChatTemplates.named("chatml");
        for (JsonNode c : ChatGoldens.DOC.get("chatml_cases")) {
            assertEquals(c.get("expected").textValue(), chatml.render(ChatGoldens.messages(c.get("messages")),
                    List.of(), c.get("add_generation_prompt").booleanValue(), true), c.get("name").textValue());
        }
    }

    @Test
    void chatMlRefusesTools() {
        ChatTemplate chatml = ChatTemplates.named("chatml");
        List<ChatMessage> chat = List.of(ChatMessage.user("u"));
        assertThrows(IllegalArgumentException.class,
                () -> chatml.render(chat, List.of(JsonNodeFactory.instance.objectNode()), true, true));
        assertThrows(IllegalArgumentException.class, () -> chatml.render(List.of(ChatMessage.user("u"),
                ChatMessage.assistant("", null, List.of(ToolCall.of(null, "f", "{}"))))));
    }
}
