package dev.unisession.archfixture.one;

/** Half of a package cycle that {@code ArchitectureTest} must find (one uses two, two uses one). */
public final class First {
    public dev.unisession.archfixture.two.Second next() {
        return new dev.unisession.archfixture.two.Second();
    }
}
