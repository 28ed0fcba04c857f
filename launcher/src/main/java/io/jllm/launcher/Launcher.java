package io.jllm.launcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Main-Class of every runnable jLLM jar.
 *
 * <p>{@code java -jar} cannot add modules from the manifest, and the Vector API is an incubator
 * module that the class path never resolves by default. On top of that the {@code java} on a user's
 * PATH is often older than 25. So this class, compiled for Java 11, checks the running JVM: if it is
 * 25+ with {@code jdk.incubator.vector} in the boot layer it calls the real main in-process;
 * otherwise it finds a JDK 25+ ({@link JdkFinder}) and re-executes the jar there with the flags the
 * engine needs, passing through the user's JVM options, standard streams and exit code.
 */
public final class Launcher {
    /** Manifest attribute naming the class whose {@code main} does the real work. */
    public static final String MAIN_ATTRIBUTE = "JLLM-Main-Class";
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final int REQUIRED_FEATURE = 25;
    private static final String CHILD_PROPERTY = "jllm.launcher.child";
    /**
     * Heap settings for a process whose large data lives off-heap (mapped weights, KV cache): give
     * freed heap back to the OS instead of keeping it committed, so the resident size stays close
     * to weights + KV cache. The user's own options come after these and win.
     */
    static final String[] RUNTIME_OPTIONS = {"-XX:+UseG1GC", "-XX:MaxHeapFreeRatio=30", "-XX:MinHeapFreeRatio=10"};

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = ownLocation();
        String target = targetMainClass(jar);
        if (runtimeReady()) {
            invoke(target, args);
            return;
        }
        if (Boolean.getBoolean(CHILD_PROPERTY)) {
            System.err.println("jllm: the relaunched JVM (" + System.getProperty("java.home")
                    + ") still lacks Java " + REQUIRED_FEATURE + "+ with " + VECTOR_MODULE + "; giving up.");
            System.exit(2);
        }
        Optional<JdkFinder.Jdk> jdk = JdkFinder.find(REQUIRED_FEATURE, VECTOR_MODULE);
        if (jdk.isEmpty()) {
            System.err.println(JdkFinder.notFoundMessage(REQUIRED_FEATURE));
            System.exit(2);
            return;
        }
        System.exit(relaunch(jdk.get(), jar, target, args));
    }

    static boolean runtimeReady() {
        return Runtime.version().feature() >= REQUIRED_FEATURE
                && ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    private static int relaunch(JdkFinder.Jdk jdk, Path jar, String target, String[] args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(jdk.javaExecutable().toString());
        command.add("--add-modules");
        command.add(VECTOR_MODULE);
        command.add("--enable-native-access=ALL-UNNAMED");
        for (String option : RUNTIME_OPTIONS) {
            command.add(option);
        }
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The user's own -Xmx, -D and -XX options travel; module flags are already set above.
            if (!option.startsWith("--add-modules") && !option.startsWith("--enable-native-access")) {
                command.add(option);
            }
        }
        command.add("-D" + CHILD_PROPERTY + "=true");
        command.add("-cp");
        command.add(jar.toString());
        command.add(target);
        for (String arg : args) {
            command.add(arg);
        }
        Process child = new ProcessBuilder(command).inheritIO().start();
        // A SIGTERM to this JVM must reach the engine's own shutdown (graceful server stop).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (child.isAlive()) {
                child.destroy();
                try {
                    child.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "jllm-launcher-stop-child"));
        return child.waitFor();
    }

    private static void invoke(String target, String[] args) throws Exception {
        Method main = Class.forName(target).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        }
    }

    private static Path ownLocation() throws URISyntaxException {
        return Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static String targetMainClass(Path jar) throws IOException {
        String fromProperty = System.getProperty("jllm.main");
        if (fromProperty != null) {
            return fromProperty;
        }
        if (jar.toString().endsWith(".jar")) {
            try (JarFile file = new JarFile(jar.toFile())) {
                Manifest manifest = file.getManifest();
                String value = manifest == null ? null : manifest.getMainAttributes().getValue(MAIN_ATTRIBUTE);
                if (value != null) {
                    return value;
                }
            }
        }
        throw new IllegalStateException("jllm: " + jar + " names no " + MAIN_ATTRIBUTE
                + " in its manifest (and -Djllm.main is not set)");
    }
}
