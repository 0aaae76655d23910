package dev.unisession.store;

/** Hears how long each call to one store tier took, and whether it failed. Must be fast and must not throw. */
@FunctionalInterface
public interface TierTimer {

    /** Records nothing: the timer of a store nobody measures. */
    TierTimer NONE = (nanos, error) -> {};

    /** @param error the failure, or null when the call succeeded */
    void record(long nanos, Throwable error);
}
