package dev.unisession.store;

class MemoryStoreTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore() {
        return new MemoryStore(testClock());
    }
}
