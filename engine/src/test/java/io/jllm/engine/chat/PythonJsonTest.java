package io.jllm.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PythonJsonTest {

    @Test
    void floatsAreSpelledLikePythonRepr() {
        JsonNode cases = ChatGoldens.DOC.get("float_reprs");
        assertTrue(cases.size() > 400);
        for (JsonNode c : cases) {
            double d = Double.longBitsToDouble(HexFormat.fromHexDigitsToLong(c.get("bits").textValue()));
            assertEquals(c.get("repr").textValue(), PythonJson.floatRepr(d), c.get("bits").textValue());
        }
    }

    @Test
    void stringsEscapeOnlyWhatPythonEscapes() throws Exception {
        String s = "q\" b\\ n\n r\r t\t b\b f\f nul\u0000 us\u001f del\u007f é ✓ 🙂 \u2028 /";
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000 us\\u001f del\u007f é ✓ 🙂 \u2028 /\"",
                PythonJson.dumps(new ObjectMapper().getNodeFactory().textNode(s)));
    }

    @Test
    void structuresUsePythonsSeparatorsAndKeepKeyOrder() throws Exception {
        JsonNode n = new ObjectMapper().readTree("{\"z\":1,\"a\":[true,false,null,{},[]],\"m\":{\"k\":\"v\"}}");
        assertEquals("{\"z\": 1, \"a\": [true, false, null, {}, []], \"m\": {\"k\": \"v\"}}", PythonJson.dumps(n));
    }
}
