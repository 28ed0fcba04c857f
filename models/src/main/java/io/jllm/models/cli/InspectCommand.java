package io.jllm.models.cli;

import io.jllm.gguf.GgufFile;
import io.jllm.gguf.GgufTensorInfo;
import io.jllm.gguf.GgufValue;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code inspect}: prints a GGUF file's header, metadata and tensors. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a GGUF file's metadata (long values summarised) and a summary of its tensors by "
                + "type; with --tensors, every tensor's type, shape, size and offset."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The .gguf file")
    private Path file;

    @Option(names = "--tensors", description = "List every tensor: name, type, shape, bytes, offset")
    private boolean tensors;

    @Option(names = "--all-metadata", description = "Print metadata values in full (whole strings and arrays)")
    private boolean allMetadata;

    @Override
    public Integer call() throws Exception {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile gguf = GgufFile.open(file)) {
            out.printf("%s: GGUF v%d, %,d bytes, %d tensors, %d metadata keys, alignment %d, data at byte %,d%n",
                    file, gguf.version(), gguf.fileSize(), gguf.tensors().size(), gguf.metadata().keys().size(),
                    gguf.alignment(), gguf.dataOffset());
            out.println();
            printMetadata(out, gguf.metadata().asMap());
            out.println();
            List<TensorTable.Row> rows = new ArrayList<>();
            for (GgufTensorInfo t : gguf.tensors()) {
                rows.add(new TensorTable.Row(t.name(), t.type(), t.shape(), t.byteSize(), t.offset()));
            }
            if (tensors) {
                TensorTable.printRows(out, rows);
                out.println();
            }
            TensorTable.printSummary(out, rows);
        }
        return 0;
    }

    private void printMetadata(PrintWriter out, Map<String, GgufValue> metadata) {
        int keyWidth = 0;
        for (String key : metadata.keySet()) {
            keyWidth = Math.max(keyWidth, key.length());
        }
        int i = 0;
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            GgufValue v = e.getValue();
            out.printf("%5d  %-9s  %-" + keyWidth + "s = %s%n", ++i, MetadataFormat.typeName(v), e.getKey(),
                    MetadataFormat.value(v, allMetadata));
        }
    }
}
