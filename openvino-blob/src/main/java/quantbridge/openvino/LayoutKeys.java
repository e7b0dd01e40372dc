package quantbridge.openvino;

import java.util.List;

/**
 * The metadata keys under which a blob's layout is kept, so that a blob read and written
 * back has the same keys, shapes and dtypes. {@code L} is a layer name.
 *
 * <ul>
 * <li>{@code openvino.@keys}: the top-level keys in order (STRING array)</li>
 * <li>{@code openvino.@container}: {@code zip} or {@code legacy}; {@code openvino.@archive}: the zip's record prefix</li>
 * <li>{@code openvino.L.@keys}: the layer dict's keys in order (STRING array)</li>
 * <li>{@code openvino.L.@q_weight_shape}, {@code @scale_shape}, {@code @zero_point_shape}: stored shapes (INT64 arrays)</li>
 * <li>{@code openvino.L.@scale_key}, {@code @zero_point_key}: the names the parameters were found under</li>
 * <li>{@code openvino.L.@zero_point_dtype}: the zero points' stored dtype ({@code uint8}, {@code int32} ...)</li>
 * <li>{@code openvino.L.@original_shape}: how the original shape was stored ({@code torch.Size}, {@code tuple}, {@code list})</li>
 * <li>{@code openvino.L.K}: an entry {@code K} of the layer that quantbridge does not use, and
 *     {@code openvino.K} a top-level entry that is not a layer</li>
 * </ul>
 */
final class LayoutKeys {

    static final String PREFIX = "openvino.";
    static final String KEYS = "openvino.@keys";
    static final String CONTAINER = "openvino.@container";
    static final String ARCHIVE = "openvino.@archive";

    static final List<String> SCALE_NAMES = List.of("scale", "scales", "_scale");
    static final List<String> ZERO_POINT_NAMES = List.of("zero_point", "zp", "zero_points", "_zero_point");

    private LayoutKeys() {
    }

    static String layer(String layer, String key) { return PREFIX + layer + "." + key; }

    static String top(String key) { return PREFIX + key; }
}
