package io.jllm.engine.chat;

import java.util.Locale;

/** Who wrote a chat message; the names are the OpenAI / chat-template ones. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL;

    /** The name templates and the OpenAI API use: "system", "user", "assistant", "tool". */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted roles if {@code name} is not one of them */
    public static Role fromWireName(String name) {
        for (Role r : values()) {
            if (r.wireName().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException(
                "unknown chat role \"" + name + "\"; expected one of system, user, assistant, tool");
    }
}
