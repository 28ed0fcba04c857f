package io.jllm.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BpeWordMergerTest {
    @Test
    void heapMergeEqualsNaiveLowestRankLeftmostMerge() {
        Vocabulary vocab = Qwen3Tokenizers.tokenizer().vocabulary();
        BpeMerges merges = vocab.merges();
        BpeWordMerger merger = new BpeWordMerger(merges);
        SplittableRandom random = new SplittableRandom(7);
        String letters = "aaaabbeeinnorsstt  \n\t.,漢字é😀";
        for (int round = 0; round < 5_000; round++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 16);
            for (int i = 0; i < n; i++) {
                b.append(letters.charAt(random.nextInt(letters.length())));
            }
            int[] ids = byteIds(vocab, b.toString());
            IntList out = new IntList(4);
            merger.merge(ids, ids.length, out);
            assertArrayEquals(naive(merges, ids), out.toArray(), b::toString);
        }
    }

    @Test
    void tiesGoToTheLeftmostPair() {
        BpeMerges merges = new BpeMerges(2);
        merges.add(1, 1, 0, 2); // a a -> aa
        merges.add(2, 1, 1, 3); // aa a -> aaa
        IntList out = new IntList(4);
        new BpeWordMerger(merges).merge(new int[] {1, 1, 1}, 3, out);
        assertArrayEquals(new int[] {3}, out.toArray(), "(a a) a, then (aa a); a (a a) would leave a aa");
        out.clear();
        new BpeWordMerger(merges).merge(new int[] {1, 1, 1, 1, 1}, 5, out);
        assertArrayEquals(new int[] {2, 3}, out.toArray(), "(a a) a a a -> aa (a a) a -> aa (aa a)");
    }

    @Test
    void firstRankOfARepeatedPairWins() {
        BpeMerges merges = new BpeMerges(2);
        merges.add(1, 2, 0, 3);
        merges.add(1, 2, 5, 4);
        assertArrayEquals(new int[] {0}, new int[] {merges.rank(merges.find(1, 2))});
        assertArrayEquals(new int[] {3}, new int[] {merges.result(merges.find(1, 2))});
    }

    private static int[] byteIds(Vocabulary vocab, String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = vocab.byteToken(bytes[i] & 0xFF);
        }
        return ids;
    }

    /** The textbook loop: find the lowest-rank adjacent pair (leftmost on ties), merge it, repeat. */
    private static int[] naive(BpeMerges merges, int[] ids) {
        List<Integer> word = new ArrayList<>();
        for (int id : ids) {
            word.add(id);
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                int slot = merges.find(word.get(i), word.get(i + 1));
                if (slot >= 0 && merges.rank(slot) < bestRank) {
                    bestRank = merges.rank(slot);
                    best = i;
                }
            }
            if (best < 0) {
                return word.stream().mapToInt(Integer::intValue).toArray();
            }
            int slot = merges.find(word.get(best), word.get(best + 1));
            word.set(best, merges.result(slot));
            word.remove(best + 1);
        }
    }
}
