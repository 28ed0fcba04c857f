package io.jllm.bench.tokenizer;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A mixed text corpus for tokenizer throughput, in named parts of documents (each document is one
 * encode call): the repository's own code and prose where a source tree is at hand, and generated
 * English prose, CJK text (Chinese, Japanese, Korean) and code, seeded so every run sees the same text.
 */
public final class Corpus {
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules", ".oracle", ".idea");
    private static final String[] WORDS = ("the of and to in is that it was for on are as with his they at be this "
            + "from have or by one had not but what all were when we there can an your which their said if do will "
            + "each about how up out them then she many some so these would other into has more her two like him see "
            + "time could no make than first been its who now people my made over did down only way find use may "
            + "water long little very after words called just where most know get through back much before go good "
            + "new write our used me man too any day same right look think also around another came come work three "
            + "word must because does part even place well such here take why things help put years different away "
            + "again off went old number great tell men say small every found still between name should home big give "
            + "air line set own under read last never us left end along while might next sound below saw something "
            + "thought both few those always looked show large often together asked house don't world going want "
            + "school important until form food keep children feet land side without boy once animals life enough "
            + "took sometimes four head above kind began almost live page got earth need far hand high year mother "
            + "light parts country father let night following picture being study second eyes soon times story boys "
            + "since white days ever paper hard near sentence better best across during today others sure means "
            + "knew it's try told young miles sun ways thing whole hear example heard several change answer room sea "
            + "against top turned learn point city play toward five using himself usually").split(" ");
    private static final String CHINESE = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她"
            + "里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些"
            + "与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使"
            + "模型推理语言计算机程序数据服务器请求生成令牌速度吞吐量延迟缓存批处理并发用户";
    private static final String JAPANESE = "これはテストの文章ですわたしたちはきょうがっこうへいきましたカタカナとひらがなと漢字を"
            + "まぜた日本語のぶんしょうをつくりますモデルのすいろんはとてもはやいです";
    private static final String[] KOREAN = ("안녕하세요 오늘 날씨가 좋습니다 모델 추론 속도 서버 요청 토큰 생성 한국어 문장을 "
            + "만들어 봅시다 우리는 학교에 갑니다 컴퓨터 프로그램 데이터").split(" ");
    private static final String[] CODE_NAMES = {"value", "count", "index", "buffer", "result", "token", "logits",
        "weights", "cache", "block", "request", "engine", "scale", "offset", "length", "position"};

    private final Map<String, List<String>> parts;

    private Corpus(Map<String, List<String>> parts) {
        this.parts = parts;
    }

    /**
     * @param repo       a source tree to read .java and .md files from, or null
     * @param repoLimit  at most this many bytes of each kind of repository file
     * @param generated  bytes of each generated kind
     */
    public static Corpus build(Path repo, long repoLimit, long generated, long seed) throws IOException {
        Map<String, List<String>> parts = new LinkedHashMap<>();
        Random random = new Random(seed);
        parts.put("English prose (generated)", generate(generated, () -> prose(random)));
        parts.put("CJK (generated)", generate(generated, () -> cjk(random)));
        if (repo != null) {
            List<String> java = files(repo, ".java", repoLimit);
            List<String> md = files(repo, ".md", repoLimit);
            if (!java.isEmpty()) {
                parts.put("code (repository .java)", java);
            }
            if (!md.isEmpty()) {
                parts.put("docs (repository .md)", md);
            }
        }
        if (!parts.containsKey("code (repository .java)")) {
            parts.put("code (generated)", generate(generated, () -> code(random)));
        }
        return new Corpus(parts);
    }

    public Map<String, List<String>> parts() {
        return parts;
    }

    public static long utf8Bytes(List<String> docs) {
        long n = 0;
        for (String d : docs) {
            n += d.getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    private static List<String> generate(long bytes, java.util.function.Supplier<String> doc) {
        List<String> docs = new ArrayList<>();
        long total = 0;
        while (total < bytes) {
            String d = doc.get();
            docs.add(d);
            total += d.getBytes(StandardCharsets.UTF_8).length;
        }
        return docs;
    }

    /** A paragraph of a few sentences with capitals, punctuation, numbers and the odd contraction. */
    static String prose(Random r) {
        StringBuilder sb = new StringBuilder();
        int sentences = 3 + r.nextInt(6);
        for (int s = 0; s < sentences; s++) {
            int words = 6 + r.nextInt(14);
            for (int w = 0; w < words; w++) {
                String word = WORDS[r.nextInt(WORDS.length)];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                }
                sb.append(word);
                if (r.nextInt(25) == 0) {
                    sb.append(' ').append(r.nextInt(2100));
                }
                sb.append(w == words - 1 ? (r.nextInt(6) == 0 ? "?" : ".") : r.nextInt(9) == 0 ? ", " : " ");
            }
            sb.append(' ');
        }
        return sb.append("\n\n").toString();
    }

    /** A paragraph mixing Chinese, Japanese and Korean sentences with CJK punctuation. */
    static String cjk(Random r) {
        StringBuilder sb = new StringBuilder();
        int sentences = 3 + r.nextInt(5);
        for (int s = 0; s < sentences; s++) {
            int kind = r.nextInt(3);
            int len = 8 + r.nextInt(24);
            if (kind == 0) {
                for (int i = 0; i < len; i++) {
                    sb.append(CHINESE.charAt(r.nextInt(CHINESE.length())));
                }
                sb.append(r.nextBoolean() ? "。" : "，");
            } else if (kind == 1) {
                int from = r.nextInt(JAPANESE.length() - len);
                sb.append(JAPANESE, from, from + len).append("。");
            } else {
                for (int i = 0; i < len / 4 + 1; i++) {
                    sb.append(KOREAN[r.nextInt(KOREAN.length)]).append(' ');
                }
                sb.setLength(sb.length() - 1);
                sb.append(". ");
            }
        }
        return sb.append('\n').toString();
    }

    /** A Java-like method: indentation, operators, brackets, numbers, camelCase names. */
    static String code(Random r) {
        StringBuilder sb = new StringBuilder();
        String name = CODE_NAMES[r.nextInt(CODE_NAMES.length)];
        sb.append("    static float ").append(name).append("Of(float[] ").append(CODE_NAMES[r.nextInt(CODE_NAMES.length)])
                .append(", int n) {\n        float acc = 0f;\n");
        int lines = 2 + r.nextInt(6);
        for (int i = 0; i < lines; i++) {
            String a = CODE_NAMES[r.nextInt(CODE_NAMES.length)];
            sb.append("        for (int i = 0; i < n; i += ").append(1 + r.nextInt(8)).append(") {\n")
                    .append("            acc += ").append(a).append("[i] * ").append(r.nextInt(1000) / 100.0)
                    .append("f; // ").append(WORDS[r.nextInt(WORDS.length)]).append('\n')
                    .append("        }\n");
        }
        return sb.append("        return acc;\n    }\n\n").toString();
    }

    private static List<String> files(Path root, String suffix, long limit) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(p -> !skipped(root.relativize(p)))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
        List<String> docs = new ArrayList<>();
        long total = 0;
        for (Path p : paths) {
            if (total >= limit) {
                break;
            }
            String text = utf8OrNull(Files.readAllBytes(p));
            if (text != null && !text.isBlank()) {
                docs.add(text);
                total += text.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return docs;
    }

    private static boolean skipped(Path relative) {
        for (Path part : relative) {
            if (SKIPPED_DIRS.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    private static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
