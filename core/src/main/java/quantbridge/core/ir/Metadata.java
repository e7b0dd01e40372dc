package quantbridge.core.ir;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Typed key-value metadata, in file order. Immutable; build with {@link #builder()}. */
public final class Metadata {

    private static final Metadata EMPTY = new Metadata(new LinkedHashMap<>());

    private final Map<String, MetaValue> entries;

    private Metadata(LinkedHashMap<String, MetaValue> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    public static Metadata empty() { return EMPTY; }

    public static Builder builder() { return new Builder(); }

    /** A builder holding these entries, to change a copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.entries.putAll(entries);
        return b;
    }

    /** All entries in order. */
    public Map<String, MetaValue> asMap() { return entries; }

    public Optional<MetaValue> get(String key) { return Optional.ofNullable(entries.get(key)); }

    public Optional<String> getString(String key) {
        return get(key).filter(v -> v.type() == ValueType.STRING).map(MetaValue::asString);
    }

    public Optional<Long> getLong(String key) {
        return get(key).filter(v -> v.type().isInteger()).map(MetaValue::asLong);
    }

    public int size() { return entries.size(); }

    @Override
    public boolean equals(Object o) { return o instanceof Metadata m && entries.equals(m.entries); }

    @Override
    public int hashCode() { return entries.hashCode(); }

    @Override
    public String toString() { return entries.toString(); }

    /** Collects entries in insertion order; {@link #put} replaces a key in place. */
    public static final class Builder {
        private final LinkedHashMap<String, MetaValue> entries = new LinkedHashMap<>();

        public Builder put(String key, MetaValue value) {
            entries.put(key, value);
            return this;
        }

        /** Adds a key that must not be present yet. */
        public Builder add(String key, MetaValue value) {
            if (entries.putIfAbsent(key, value) != null) throw new IllegalArgumentException("duplicate key " + key);
            return this;
        }

        public Builder remove(String key) {
            entries.remove(key);
            return this;
        }

        public boolean contains(String key) { return entries.containsKey(key); }

        public Metadata build() { return new Metadata(new LinkedHashMap<>(entries)); }
    }
}
