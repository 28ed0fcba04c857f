package io.jllm.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    /** Feeds the pieces and returns everything emitted plus "|STOP:<stop>" or "|END" (after flush). */
    private static String stream(List<String> stops, String... pieces) {
        StopMatcher m = new StopMatcher(stops);
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            StopMatcher.Step step = m.push(piece);
            out.append(step.emit());
            if (step.stopped()) {
                return out.append("|STOP:").append(step.stop()).toString();
            }
        }
        return out.append(m.flush()).append("|END").toString();
    }

    @Test
    void noStopsEmitsEverythingAtOnce() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("Hello", m.push("Hello").emit());
        assertEquals("", m.heldBack());
        assertEquals(", world|END", stream(List.of(), ", wor", "ld"));
    }

    @Test
    void holdsBackOnlyWhatCouldStartAStop() {
        StopMatcher m = new StopMatcher(List.of("END"));
        StopMatcher.Step s = m.push("the E");
        assertEquals("the ", s.emit());
        assertEquals("E", m.heldBack());
        s = m.push("N");
        assertEquals("", s.emit());
        assertEquals("EN", m.heldBack());
        s = m.push("ough");
        assertEquals("ENough", s.emit());
        assertFalse(s.stopped());
        assertEquals("", m.heldBack());
    }

    @Test
    void stopSpanningSeveralPiecesIsCutWithEverythingAfterIt() {
        assertEquals("Answer: 42|STOP:</s>", stream(List.of("</s>"), "Answer: 4", "2<", "/", "s", "> trailing"));
        assertEquals("abc|STOP:STOP", stream(List.of("STOP"), "abcST", "OPxyz"));
        assertEquals("|STOP:x", stream(List.of("x"), "x"));
    }

    @Test
    void stopInsideOnePieceIsFound() {
        assertEquals("one |STOP:two", stream(List.of("two"), "one two three"));
    }

    @Test
    void earliestStartingStopWinsAmongCompletedOnes() {
        assertEquals("x|STOP:ab", stream(List.of("bc", "ab"), "xabc"));
        // "abcd" could have started earlier, but "bc" completes first and generation ends there.
        assertEquals("a|STOP:bc", stream(List.of("abcd", "bc"), "a", "b", "c", "d"));
    }

    @Test
    void overlappingPartialMatchesAreTrackedTogether() {
        // "aab": after "aa" the held text must keep both a's, since the stop may start at either.
        assertEquals("a|STOP:aab", stream(List.of("aab"), "a", "a", "a", "b"));
        assertEquals("xaaa|END", stream(List.of("aab"), "x", "a", "a", "a"));
        StopMatcher m = new StopMatcher(List.of("<|im_end|>", "<|endoftext|>"));
        assertEquals("hi", m.push("hi<|").emit());
        assertEquals("<|", m.heldBack());
        StopMatcher.Step s = m.push("endof");
        assertEquals("", s.emit());
        assertEquals("<|endof", m.heldBack());
        s = m.push("text|>");
        assertTrue(s.stopped());
        assertEquals("<|endoftext|>", s.stop());
    }

    @Test
    void heldTextThatTurnsOutNotToBeAStopIsEmittedInOrder() {
        assertEquals("a <b> c|END", stream(List.of("<br>"), "a <", "b", "> c"));
        assertEquals("tail<|END", stream(List.of("<|im_end|>"), "tail<"));
    }

    @Test
    void unicodeStopsAndPieces() {
        assertEquals("答案是|STOP:。结束", stream(List.of("。结束"), "答案", "是。", "结", "束了"));
        assertEquals("🙂 ok|STOP:🛑", stream(List.of("🛑"), "🙂 ok", "🛑"));
    }

    @Test
    void afterAStopNothingMayBePushed() {
        StopMatcher m = new StopMatcher(List.of("."));
        assertTrue(m.push("done.").stopped());
        assertTrue(m.stopped());
        assertEquals("", m.flush());
        assertThrows(IllegalStateException.class, () -> m.push("more"));
    }

    @Test
    void emptyPiecesChangeNothing() {
        StopMatcher m = new StopMatcher(List.of("ab"));
        m.push("a");
        assertEquals("", m.push("").emit());
        assertEquals("a", m.heldBack());
    }

    @Test
    void badStopsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopMatcher(null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StopMatcher(List.of("a", "")))
                .getMessage().contains("stops[1]"));
    }
}
