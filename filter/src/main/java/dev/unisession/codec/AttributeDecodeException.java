package dev.unisession.codec;

/** A stored attribute value that cannot be turned back into an object (damaged, refused or missing class). */
public final class AttributeDecodeException extends RuntimeException {
    public AttributeDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
