package dev.unisession.store;

/** A store could not answer in time or at all (connection lost, timeout). Never means "no such session". */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
