package io.jllm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BenchCliTest {
    @Test
    void theRecordedCommandQuotesWhatAShellWouldSplit() {
        assertEquals("jllm-bench speed --ftypes Q4_K_M,Q8_0 --note 'busy machine' --x 'it'\\''s'",
                BenchCli.commandLine(new String[] {"speed", "--ftypes", "Q4_K_M,Q8_0", "--note", "busy machine",
                    "--x", "it's"}));
    }
}
