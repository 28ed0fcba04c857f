package io.jllm.models.synth;

import io.jllm.gguf.GgufWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A short hash of everything that decides a synthetic file's bytes: the weight scheme version and the
 * compiled code of the gguf module (writer, codecs) and of this module (plan, generator, tokenizer
 * resources). Cached files carry it in their names, so editing any of that code retires them.
 */
final class GeneratorVersion {
    private static volatile String hash;

    private GeneratorVersion() {
    }

    static String hash() {
        String h = hash;
        if (h == null) {
            h = compute();
            hash = h;
        }
        return h;
    }

    private static String compute() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(WeightScheme.VERSION.getBytes(StandardCharsets.UTF_8));
            for (Class<?> c : List.of(GgufWriter.class, SyntheticModels.class)) {
                digestCodeOf(c, sha);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read jLLM's own classes to version the synthetic models", e);
        }
    }

    /** Digests the class folder or jar {@code c} was loaded from, or just its class file if that is unknown. */
    private static void digestCodeOf(Class<?> c, MessageDigest sha) throws IOException {
        Path location = codeLocation(c);
        if (location != null && Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    sha.update(location.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                    sha.update(Files.readAllBytes(f));
                }
            }
        } else if (location != null && Files.isRegularFile(location)) {
            try (InputStream in = Files.newInputStream(location)) {
                digest(in, sha);
            }
        } else {
            try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                if (in != null) {
                    digest(in, sha);
                }
            }
        }
    }

    private static Path codeLocation(Class<?> c) {
        CodeSource source = c.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }

    private static void digest(InputStream in, MessageDigest sha) throws IOException {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            sha.update(buf, 0, n);
        }
    }
}
