package io.jllm.engine.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Finds the {@link ChatTemplate} for a model's Jinja chat template (GGUF {@code tokenizer.chat_template}).
 *
 * <p>jLLM does not run Jinja: it recognizes templates it has a Java rendering for by comparing the source with
 * the bundled reference texts ({@code qwen3.jinja}, {@code chatml.jinja}) after normalizing layout (line endings,
 * indentation, blank lines; none of which changes these templates' output). Anything else is refused with
 * {@link UnsupportedChatTemplateException} rather than silently rendered as ChatML, since a wrong prompt format
 * degrades a model without any error; a caller that wants ChatML anyway asks for it with {@link #named}.
 */
public final class ChatTemplates {
    private static final String SUPPORTED = "\"qwen3\" (Qwen3's template) and \"chatml\" (plain ChatML)";
    private static final String QWEN3_SOURCE = resource("qwen3.jinja");
    private static final String CHATML_SOURCE = resource("chatml.jinja");
    private static final String QWEN3 = normalize(QWEN3_SOURCE);
    private static final String CHATML = normalize(CHATML_SOURCE);

    private ChatTemplates() {
    }

    /**
     * The template that renders {@code jinjaSource} exactly.
     *
     * @throws UnsupportedChatTemplateException if the source is missing or not a supported template
     */
    public static ChatTemplate forTemplate(String jinjaSource) {
        if (jinjaSource == null || jinjaSource.isBlank()) {
            throw new UnsupportedChatTemplateException("the model has no chat template (GGUF key "
                    + "tokenizer.chat_template is missing or empty); choose one by name: " + SUPPORTED);
        }
        String normalized = normalize(jinjaSource);
        if (normalized.equals(QWEN3)) {
            return new Qwen3ChatTemplate();
        }
        if (normalized.equals(CHATML)) {
            return new ChatMlTemplate();
        }
        throw new UnsupportedChatTemplateException("unsupported chat template: " + describe(jinjaSource, normalized)
                + ". jLLM renders " + SUPPORTED + "; to use plain ChatML for this model anyway, choose it by name"
                + " (\"chatml\").");
    }

    /**
     * A template chosen by name: "qwen3" or "chatml".
     *
     * @throws IllegalArgumentException naming the known names otherwise
     */
    public static ChatTemplate named(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "qwen3" -> new Qwen3ChatTemplate();
            case "chatml" -> new ChatMlTemplate();
            default -> throw new IllegalArgumentException(
                    "unknown chat template name \"" + name + "\"; known: " + SUPPORTED);
        };
    }

    /** The Jinja source of Qwen3's template, as bundled. */
    public static String qwen3Source() {
        return QWEN3_SOURCE;
    }

    /** Trims every line and drops blank ones: layout only, which these templates' whitespace control ignores. */
    static String normalize(String source) {
        return source.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }

    private static String describe(String source, String normalized) {
        String kind;
        if (source.contains("You are Qwen, created by Alibaba Cloud")) {
            kind = "it looks like Qwen2/Qwen2.5's template";
        } else if (source.contains("<|im_start|>")) {
            kind = "it uses ChatML markers (<|im_start|>) but is neither Qwen3's nor plain ChatML";
        } else {
            kind = "it is not a ChatML-family template";
        }
        String start = normalized.length() > 60 ? normalized.substring(0, 60) + "..." : normalized;
        return kind + " (" + source.length() + " chars, normalized SHA-256 " + sha256(normalized).substring(0, 16)
                + ", starting \"" + start.replace("\n", "\\n") + "\")";
    }

    private static String sha256(String s) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ChatTemplates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource io/jllm/engine/chat/" + name + " in the engine jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource io/jllm/engine/chat/" + name, e);
        }
    }
}
