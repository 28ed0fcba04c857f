package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Qwen3's chat template (the Jinja source in {@code qwen3.jinja} next to this class, as shipped in Qwen3's
 * tokenizer_config.json and GGUF {@code tokenizer.chat_template}) written out in Java. Each step below names
 * the template construct it reproduces; the output is byte-identical to jinja2's rendering of the template
 * (see Qwen3ChatTemplateTest and oracle/chat/render_goldens.py).
 */
public final class Qwen3ChatTemplate implements ChatTemplate {
    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String TOOLS_HEADER = "# Tools\n\nYou may call one or more functions to assist with the user "
            + "query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>";
    private static final String TOOLS_FOOTER = "\n</tools>\n\nFor each function call, return a json object with "
            + "function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    @Override
    public String name() {
        return "qwen3";
    }

    @Override
    public String render(List<ChatMessage> messages, List<JsonNode> tools, boolean addGenerationPrompt,
            boolean enableThinking) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a chat needs at least one message");
        }
        StringBuilder out = new StringBuilder();
        ChatMessage first = messages.get(0);
        if (tools != null && !tools.isEmpty()) {
            out.append("<|im_start|>system\n");
            if (first.role() == Role.SYSTEM) {
                out.append(first.content()).append("\n\n");
            }
            out.append(TOOLS_HEADER);
            for (JsonNode tool : tools) {
                out.append('\n').append(PythonJson.dumps(tool));
            }
            out.append(TOOLS_FOOTER);
        } else if (first.role() == Role.SYSTEM) {
            out.append("<|im_start|>system\n").append(first.content()).append("<|im_end|>\n");
        }

        int lastQuery = lastQueryIndex(messages);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            switch (m.role()) {
                case USER -> turn(out, "user", m.content());
                case SYSTEM -> {
                    if (i > 0) { // the first system message went into the header
                        turn(out, "system", m.content());
                    }
                }
                case ASSISTANT -> assistant(out, m, i > lastQuery, i == messages.size() - 1);
                case TOOL -> {
                    // Consecutive tool results share one user turn.
                    if (i == 0 || messages.get(i - 1).role() != Role.TOOL) {
                        out.append("<|im_start|>user");
                    }
                    out.append("\n<tool_response>\n").append(m.content()).append("\n</tool_response>");
                    if (i == messages.size() - 1 || messages.get(i + 1).role() != Role.TOOL) {
                        out.append("<|im_end|>\n");
                    }
                }
            }
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
            if (!enableThinking) {
                out.append(THINK_OPEN).append("\n\n").append(THINK_CLOSE).append("\n\n");
            }
        }
        return out.toString();
    }

    private static void turn(StringBuilder out, String role, String content) {
        out.append("<|im_start|>").append(role).append('\n').append(content).append("<|im_end|>\n");
    }

    /**
     * The template's {@code ns.last_query_index}: the last user message that is not a tool result wrapped in
     * {@code <tool_response>} tags, or the last message if there is none. Thinking is kept only after it.
     */
    private static int lastQueryIndex(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            if (m.role() == Role.USER
                    && !(m.content().startsWith("<tool_response>") && m.content().endsWith("</tool_response>"))) {
                return i;
            }
        }
        return messages.size() - 1;
    }

    private static void assistant(StringBuilder out, ChatMessage m, boolean afterLastQuery, boolean last) {
        String content = m.content();
        String reasoning = "";
        if (m.reasoningContent() != null) {
            reasoning = m.reasoningContent();
        } else if (content.contains(THINK_CLOSE)) {
            // content.split('</think>')[-1].lstrip('\n') and
            // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
            String before = content.substring(0, content.indexOf(THINK_CLOSE));
            reasoning = lstrip(afterLast(rstrip(before), THINK_OPEN));
            content = lstrip(afterLast(content, THINK_CLOSE));
        }
        out.append("<|im_start|>assistant\n");
        if (afterLastQuery && (last || !reasoning.isEmpty())) {
            out.append(THINK_OPEN).append('\n').append(rstrip(lstrip(reasoning))).append('\n').append(THINK_CLOSE)
                    .append("\n\n").append(lstrip(content));
        } else {
            out.append(content);
        }
        List<ToolCall> calls = m.toolCalls();
        for (int i = 0; i < calls.size(); i++) {
            if (i > 0 || !content.isEmpty()) {
                out.append('\n');
            }
            ToolCall call = calls.get(i);
            out.append("<tool_call>\n{\"name\": \"").append(call.name()).append("\", \"arguments\": ");
            JsonNode args = call.arguments();
            out.append(args.isTextual() ? args.textValue() : PythonJson.dumps(args));
            out.append("}\n</tool_call>");
        }
        out.append("<|im_end|>\n");
    }

    /** Python's {@code s.split(sep)[-1]}. */
    private static String afterLast(String s, String sep) {
        int at = s.lastIndexOf(sep);
        return at < 0 ? s : s.substring(at + sep.length());
    }

    /** Python's {@code s.lstrip('\n')}. */
    private static String lstrip(String s) {
        int from = 0;
        while (from < s.length() && s.charAt(from) == '\n') {
            from++;
        }
        return s.substring(from);
    }

    /** Python's {@code s.rstrip('\n')}. */
    private static String rstrip(String s) {
        int to = s.length();
        while (to > 0 && s.charAt(to - 1) == '\n') {
            to--;
        }
        return s.substring(0, to);
    }
}
