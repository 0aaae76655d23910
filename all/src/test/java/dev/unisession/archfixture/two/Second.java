package dev.unisession.archfixture.two;

/** The other half of the package cycle of {@code ArchitectureTest}'s self-check. */
public final class Second {
    public dev.unisession.archfixture.one.First back() {
        return new dev.unisession.archfixture.one.First();
    }
}
