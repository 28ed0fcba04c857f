package io.jllm.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Reads a request body as one JSON object, straight from the connection into Jackson's tree. */
final class JsonBody {
    private JsonBody() {
    }

    static ObjectNode read(ServerRequest req) {
        if (!req.content().hasEntity()) {
            throw ApiError.invalid(null, "the request has no body; send a JSON object (Content-Type: application/json)");
        }
        JsonNode node;
        try (InputStream in = req.content().inputStream()) {
            node = Json.MAPPER.readTree(in);
            // Read the entity to its end, so nothing of it is left on the connection.
            in.transferTo(OutputStream.nullOutputStream());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw ApiError.invalid(null, "malformed JSON in the request body" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            // The client went away while sending: nobody to answer.
            throw new CloseConnectionException("reading the request body failed", e);
        }
        if (node == null || node.isMissingNode()) {
            throw ApiError.invalid(null, "the request body is empty; send a JSON object");
        }
        if (!node.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object, got " + Fields.describe(node));
        }
        return (ObjectNode) node;
    }
}
