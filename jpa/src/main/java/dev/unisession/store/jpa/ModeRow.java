package dev.unisession.store.jpa;

/**
 * The tiered store's mode as the whole cluster shares it (table {@code us_mode}, one row per cluster name): the
 * state and its epoch, which rises by one at every change. Changed only under the row's lock by
 * {@link ClusterMode}. Mapped in {@code META-INF/unisession-orm.xml}.
 */
public class ModeRow {
    String id;
    String state;
    long epoch;
    long changedAt;

    protected ModeRow() {}

    ModeRow(String id, String state, long epoch, long changedAt) {
        this.id = id;
        this.state = state;
        this.epoch = epoch;
        this.changedAt = changedAt;
    }
}
