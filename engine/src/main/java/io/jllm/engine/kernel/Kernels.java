package io.jllm.engine.kernel;

/** Kernel sets by the names the command line uses. */
public final class Kernels {
    private Kernels() {
    }

    public static KernelSet byName(String name) {
        return switch (name) {
            case "reference" -> ReferenceKernels.INSTANCE;
            case "simd" -> SimdKernels.INSTANCE;
            default -> throw new IllegalArgumentException("unknown kernel set '" + name + "'; use simd or reference");
        };
    }
}
