/**
 * Attribute values to bytes and back: Java serialization behind an allow-list and a gadget deny-list
 * ({@link dev.unisession.codec.AttributeCodec}), framework profiles that widen the allow-list, and the small JSON
 * writer the health and export answers use. Names its own settings; never reads the configuration class.
 */
package dev.unisession.codec;
