package io.jllm.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A function call made by the assistant.
 *
 * @param id        the call's id, echoed by the tool message that answers it; may be null
 * @param name      the function's name
 * @param arguments the arguments as the client sent them: a JSON string node holding JSON text (OpenAI's wire
 *                  form, rendered verbatim) or a JSON object (rendered with the template's {@code tojson})
 */
public record ToolCall(String id, String name, JsonNode arguments) {
    public ToolCall {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tool call name must be a non-empty string, got "
                    + (name == null ? "null" : "\"\""));
        }
        if (arguments == null || arguments.isMissingNode()) {
            throw new IllegalArgumentException("tool call \"" + name + "\" has no arguments; "
                    + "pass a JSON object or the JSON text of one");
        }
    }

    /** A call whose arguments are JSON text, as in OpenAI's {@code function.arguments}. */
    public static ToolCall of(String id, String name, String argumentsJson) {
        if (argumentsJson == null) {
            throw new IllegalArgumentException("tool call \"" + name + "\" has null arguments");
        }
        return new ToolCall(id, name, TextNode.valueOf(argumentsJson));
    }
}
