package quantbridge.converters.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.ValueType;

/**
 * {@code quantbridge inspect --json}: the same facts as {@link TextReport} as one JSON
 * document, streamed. Metadata values are typed ({@code {"key", "type", "value"}}) and
 * arrays are complete, with their element type; GGUF tensors carry both {@code ne}
 * (innermost first, as stored) and {@code shape} (outermost first, row-major).
 */
final class JsonReport {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonReport() {
    }

    static void print(Inspection in, PrintWriter out) throws IOException {
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("file", in.file().toString());
            g.writeStringField("format", in.format());
            g.writeObjectFieldStart("header");
            for (Map.Entry<String, Object> e : in.header().entrySet()) {
                g.writeFieldName(e.getKey());
                writeAny(g, e.getValue());
            }
            g.writeEndObject();

            g.writeArrayFieldStart("metadata");
            int i = 0;
            for (Inspection.Entry e : in.metadata()) {
                g.writeStartObject();
                g.writeNumberField("index", i++);
                g.writeStringField("key", e.key());
                writeTyped(g, e.value());
                g.writeEndObject();
            }
            g.writeEndArray();

            if (in.tensors().stream().anyMatch(t -> t.ne() != null)) {
                g.writeObjectFieldStart("dimension_order");
                g.writeStringField("ne", "innermost first, as GGUF stores them and gguf-py shows them (ne[0] is the row length)");
                g.writeStringField("shape", "outermost first, row-major (PyTorch, numpy, safetensors)");
                g.writeEndObject();
            }
            g.writeArrayFieldStart("tensors");
            i = 0;
            for (Inspection.TensorRow t : in.tensors()) {
                g.writeStartObject();
                g.writeNumberField("index", i++);
                g.writeStringField("name", t.name());
                if (t.ne() != null) {
                    g.writeFieldName("ne");
                    writeLongs(g, t.ne());
                }
                g.writeFieldName("shape");
                writeLongs(g, t.shape());
                g.writeStringField("type", t.type());
                g.writeNumberField("elements", t.elements());
                g.writeNumberField("bytes", t.bytes());
                if (t.offset() >= 0) {
                    g.writeNumberField("offset", t.offset());
                    g.writeNumberField("absolute_offset", t.dataStart() + t.offset());
                }
                if (t.file() != null) g.writeStringField("file", t.file());
                g.writeEndObject();
            }
            g.writeEndArray();

            if (!in.layers().isEmpty()) {
                g.writeArrayFieldStart("layers");
                for (var layer : in.layers()) writeAny(g, layer);
                g.writeEndArray();
            }
            if (!in.summary().isEmpty()) {
                g.writeFieldName("summary");
                writeAny(g, in.summary());
            }

            g.writeObjectFieldStart("totals");
            g.writeNumberField("tensors", in.tensors().size());
            g.writeNumberField("parameters", in.parameters());
            g.writeNumberField("bytes", in.bytes());
            g.writeNumberField("bits_per_weight", in.bitsPerWeight());
            g.writeArrayFieldStart("by_type");
            for (Inspection.TypeTotal t : in.byType()) {
                g.writeStartObject();
                g.writeStringField("type", t.type());
                g.writeNumberField("tensors", t.tensors());
                g.writeNumberField("parameters", t.parameters());
                g.writeNumberField("bytes", t.bytes());
                g.writeNumberField("bits_per_weight", t.bitsPerWeight());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();

            g.writeEndObject();
        }
        out.println();
        out.flush();
    }

    /** {@code "type": T, "value": V}; arrays add {@code element_type} and {@code count}. */
    private static void writeTyped(JsonGenerator g, MetaValue v) throws IOException {
        g.writeStringField("type", v.type().toString());
        if (v.type() == ValueType.ARRAY) {
            g.writeStringField("element_type", v.asArray().elementType().toString());
            g.writeNumberField("count", v.asArray().items().size());
        }
        g.writeFieldName("value");
        writeValue(g, v);
    }

    private static void writeValue(JsonGenerator g, MetaValue v) throws IOException {
        switch (v.type()) {
            case UINT64 -> {
                long x = v.asLong();
                if (x >= 0) g.writeNumber(x);
                else g.writeNumber(new BigInteger(Long.toUnsignedString(x)));
            }
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64 -> g.writeNumber(v.asLong());
            case FLOAT32 -> g.writeNumber((Float) v.value());
            case FLOAT64 -> g.writeNumber((Double) v.value());
            case BOOL -> g.writeBoolean(v.asBool());
            case STRING -> g.writeString(v.asString());
            case ARRAY -> {
                MetaValue.Array a = v.asArray();
                g.writeStartArray();
                for (MetaValue item : a.items()) {
                    if (a.elementType() == ValueType.ARRAY) {
                        g.writeStartObject();
                        writeTyped(g, item);
                        g.writeEndObject();
                    } else {
                        writeValue(g, item);
                    }
                }
                g.writeEndArray();
            }
        }
    }

    private static void writeLongs(JsonGenerator g, long[] a) throws IOException {
        g.writeArray(a, 0, a.length);
    }

    private static void writeAny(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Long x -> g.writeNumber(x);
            case Integer x -> g.writeNumber(x);
            case Double x -> g.writeNumber(x);
            case Float x -> g.writeNumber(x);
            case Boolean x -> g.writeBoolean(x);
            case long[] a -> writeLongs(g, a);
            case int[] a -> g.writeArray(a, 0, a.length);
            case MetaValue m -> writeValue(g, m);
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeAny(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) writeAny(g, o);
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }
}
