package io.jllm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds an installed JDK of at least a given feature version without starting it: every JDK image
 * carries a {@code release} file with {@code JAVA_VERSION} and {@code MODULES}, which is enough.
 * The places searched are the ones JDK installers and version managers use on Linux, macOS and
 * Windows; {@code JLLM_JAVA_HOME} and {@code JAVA_HOME} come first.
 */
final class JdkFinder {
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);
    private static final Pattern MODULES = Pattern.compile("^MODULES=\"([^\"]*)\"", Pattern.MULTILINE);

    /** A JDK home and its feature version (a class, not a record: this module targets Java 11). */
    static final class Jdk {
        private final Path home;
        private final int feature;

        Jdk(Path home, int feature) {
            this.home = home;
            this.feature = feature;
        }

        Path home() {
            return home;
        }

        int feature() {
            return feature;
        }

        Path javaExecutable() {
            Path unix = home.resolve("bin").resolve("java");
            return Files.isExecutable(unix) ? unix : home.resolve("bin").resolve("java.exe");
        }
    }

    private JdkFinder() {
    }

    static Optional<Jdk> find(int minimumFeature, String requiredModule) {
        Jdk best = null;
        for (Path home : candidates()) {
            Optional<Jdk> jdk = inspect(home, requiredModule);
            if (jdk.isPresent() && jdk.get().feature() >= minimumFeature
                    && (best == null || jdk.get().feature() > best.feature())) {
                best = jdk.get();
            }
        }
        return Optional.ofNullable(best);
    }

    static Optional<Jdk> inspect(Path home, String requiredModule) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        String text;
        try {
            text = Files.readString(release, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        Matcher version = VERSION.matcher(text);
        if (!version.find()) {
            return Optional.empty();
        }
        Matcher modules = MODULES.matcher(text);
        if (modules.find() && !Set.of(modules.group(1).split(" ")).contains(requiredModule)) {
            return Optional.empty();
        }
        Jdk jdk = new Jdk(home, Integer.parseInt(version.group(1)));
        return Files.exists(jdk.javaExecutable()) ? Optional.of(jdk) : Optional.empty();
    }

    static List<Path> candidates() {
        Set<Path> homes = new LinkedHashSet<>();
        addIfSet(homes, System.getenv("JLLM_JAVA_HOME"));
        addIfSet(homes, System.getenv("JAVA_HOME"));
        addIfSet(homes, System.getProperty("java.home"));
        String user = System.getProperty("user.home");
        List<Path> parents = new ArrayList<>(List.of(
                Path.of("/usr/lib/jvm"), Path.of("/usr/java"), Path.of("/usr/local/lib/jvm"),
                Path.of("/opt/java"), Path.of("/opt"), Path.of(user, ".sdkman", "candidates", "java"),
                Path.of(user, ".jdks"), Path.of(user, ".gradle", "jdks")));
        String programFiles = System.getenv("ProgramFiles");
        if (programFiles != null) {
            parents.add(Path.of(programFiles, "Eclipse Adoptium"));
            parents.add(Path.of(programFiles, "Java"));
            parents.add(Path.of(programFiles, "Microsoft"));
        }
        for (Path parent : parents) {
            addChildren(homes, parent, "");
        }
        addChildren(homes, Path.of("/Library/Java/JavaVirtualMachines"), "Contents/Home");
        addChildren(homes, Path.of(user, "Library", "Java", "JavaVirtualMachines"), "Contents/Home");
        return new ArrayList<>(homes);
    }

    static String notFoundMessage(int feature) {
        return "jllm: jLLM needs Java " + feature + " or newer with the jdk.incubator.vector module (the Vector API).\n"
                + "  This JVM is Java " + Runtime.version().feature() + " at " + System.getProperty("java.home") + ",\n"
                + "  and none of JLLM_JAVA_HOME, JAVA_HOME, /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks or\n"
                + "  /Library/Java/JavaVirtualMachines holds a JDK " + feature + "+.\n"
                + "  Install one (for example Temurin " + feature + " from https://adoptium.net) and set\n"
                + "  JLLM_JAVA_HOME or JAVA_HOME to its folder, then run the same command again.";
    }

    private static void addIfSet(Set<Path> homes, String value) {
        if (value != null && !value.isBlank()) {
            homes.add(Path.of(value));
        }
    }

    private static void addChildren(Set<Path> homes, Path parent, String suffix) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
            for (Path child : children) {
                homes.add(suffix.isEmpty() ? child : child.resolve(suffix));
            }
        } catch (IOException | SecurityException e) {
            // An unreadable folder just holds no candidate.
        }
    }
}
