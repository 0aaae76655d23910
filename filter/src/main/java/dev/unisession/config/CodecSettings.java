package dev.unisession.config;

import dev.unisession.codec.AttributeCodec;
import java.util.List;

/**
 * How session attribute values are stored: {@code unisession.codec.*}.
 *
 * @param allow             extra class patterns allowed in values (ObjectInputFilter syntax, without '!')
 * @param profiles          framework profiles: {@code auto} (those found on the class path), {@code none}, or names
 * @param mode              {@code enforce} refuses classes that are not allowed; {@code report} (development only)
 *                          stores and logs them
 * @param maxAttributeBytes the largest value stored, in bytes
 * @param maxSessionBytes   the most bytes one session's values take together
 * @param maxDepth          the deepest nesting of a serialized value
 * @param maxReferences     the most objects and back-references in one serialized value
 * @param maxArrayLength    the longest array in a serialized value
 */
public record CodecSettings(
        List<String> allow,
        List<String> profiles,
        AttributeCodec.Mode mode,
        int maxAttributeBytes,
        int maxSessionBytes,
        int maxDepth,
        int maxReferences,
        int maxArrayLength) {

    static CodecSettings from(RawSettings in) {
        return new CodecSettings(
                in.list(ConfigKey.CODEC_ALLOW),
                in.list(ConfigKey.CODEC_PROFILES),
                in.oneOf(ConfigKey.CODEC_MODE, AttributeCodec.Mode.class),
                in.integer(ConfigKey.CODEC_MAX_ATTRIBUTE_BYTES, 1, Integer.MAX_VALUE),
                in.integer(ConfigKey.CODEC_MAX_SESSION_BYTES, 1, Integer.MAX_VALUE),
                in.integer(ConfigKey.CODEC_MAX_DEPTH, 1, 1000),
                in.integer(ConfigKey.CODEC_MAX_REFERENCES, 1, 100_000_000),
                in.integer(ConfigKey.CODEC_MAX_ARRAY_LENGTH, 0, Integer.MAX_VALUE));
    }
}
