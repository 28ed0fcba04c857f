package io.jllm.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One benchmark's results section: how it was made (command, date, machine), tables, plots and
 * notes. Printed to standard output and written into the results file under its key.
 */
public final class Report {
    private final String key;
    private final StringBuilder body = new StringBuilder();
    private final Path resultsFile;

    public Report(String key, String title, BenchOptions options) {
        this.key = key;
        this.resultsFile = options.resultsFile();
        body.append("## ").append(title).append("\n\n");
        body.append("- Command: `").append(BenchCli.commandLine()).append("`\n");
        body.append("- Date: ").append(ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append('\n');
        body.append("- Machine: ").append(Machine.describe()).append('\n');
        if (options.quick) {
            body.append("- **Quick smoke run** (tiny model, few runs): these figures only show the command works.\n");
        }
        if (options.note != null && !options.note.isBlank()) {
            body.append("- Note: ").append(options.note.strip()).append('\n');
        }
        body.append('\n');
    }

    public Report line(String text) {
        body.append(text).append('\n');
        return this;
    }

    public Report paragraph(String text) {
        body.append(text.strip()).append("\n\n");
        return this;
    }

    public Report table(MarkdownTable table) {
        body.append(table.render()).append('\n');
        return this;
    }

    /** Links a plot (written by {@link Plots}; null when there was nothing to draw). */
    public Report plot(String caption, Path png) {
        if (png == null) {
            return this;
        }
        Path base = resultsFile.toAbsolutePath().getParent();
        String link = base.relativize(png.toAbsolutePath()).toString().replace('\\', '/');
        body.append("![").append(caption).append("](").append(link).append(")\n\n");
        return this;
    }

    public String text() {
        return body.toString();
    }

    /** Prints the section and writes it into the results file. */
    public void publish(PrintStream out) throws IOException {
        out.println();
        out.println(body.toString().strip());
        out.println();
        ResultsFile.write(resultsFile, key, body.toString());
        out.println("(written to section '" + key + "' of " + resultsFile + ")");
    }
}
