package io.jllm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The results markdown file: one section per benchmark, between {@code <!-- bench:KEY -->} and
 * {@code <!-- /bench:KEY -->} markers. Writing a section replaces the previous one of the same key in
 * place (text outside the markers, such as notes written by hand, stays untouched) or appends it.
 */
public final class ResultsFile {
    static final String HEADER = """
            # jLLM benchmark results

            Written by `jllm-bench` (module `bench`); each section is replaced when its command runs again.
            Figures are medians of several runs, each against its peer from the same run (jLLM and native
            llama.cpp alternate), because the machines are shared and noisy.

            """;

    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private ResultsFile() {
    }

    public static String startMarker(String key) {
        return "<!-- bench:" + key + " -->";
    }

    public static String endMarker(String key) {
        return "<!-- /bench:" + key + " -->";
    }

    /** Writes {@code body} as section {@code key} of {@code file}, creating the file when absent. */
    public static void write(Path file, String key, String body) throws IOException {
        String old = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : HEADER;
        String updated = upsert(old, key, body);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, updated, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The text of a results file with section {@code key} set to {@code body}. */
    public static String upsert(String text, String key, String body) {
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("section key '" + key + "' must be lower-case letters, digits and dashes");
        }
        String start = startMarker(key);
        String end = endMarker(key);
        String section = start + "\n" + body.strip() + "\n" + end;
        int s = text.indexOf(start);
        if (s >= 0) {
            int e = text.indexOf(end, s);
            if (e < 0) {
                throw new IllegalArgumentException("the results file has " + start + " but no " + end
                        + " after it; fix the file by hand (add the end marker) and run again");
            }
            return text.substring(0, s) + section + text.substring(e + end.length());
        }
        StringBuilder out = new StringBuilder(text);
        if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
        if (!out.isEmpty() && !text.endsWith("\n\n")) {
            out.append('\n');
        }
        return out.append(section).append('\n').toString();
    }

    /** The body of section {@code key}, or null when the text has none. */
    public static String section(String text, String key) {
        int s = text.indexOf(startMarker(key));
        if (s < 0) {
            return null;
        }
        int from = s + startMarker(key).length();
        int e = text.indexOf(endMarker(key), from);
        return e < 0 ? null : text.substring(from, e).strip();
    }
}
