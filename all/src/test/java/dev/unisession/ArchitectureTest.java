package dev.unisession;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library's package layering, checked on the compiled classes of its three modules (unisession-filter,
 * unisession-redis as {@code store.redis}, unisession-jpa as {@code store.jpa}). From the bottom: {@code security}, {@code token}
 * and {@code codec}; {@code store}, the storage SPI with its value types, the stores and their typed settings
 * records; {@code config}, which validates the settings (and names the enums and settings of the parts below);
 * {@code api}, what applications program against; {@code core}, the session engine; {@code boot}, the one place that
 * turns the configuration into parts; {@code web}, the servlet filter on top. So no part below {@code boot} reads
 * the configuration class, no package cycle, and the layers above the stores never see Redisson, Netty, JPA or a
 * concrete store: they reach tiers through {@code SessionStore} and its capability interfaces.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.unisession");
    }

    /** No cycle between the direct subpackages of {@code root}. */
    static ArchRule noCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    @Test
    void packagesAreFreeOfCycles() {
        noCycles("dev.unisession").check(classes);
        noCycles("dev.unisession.store").check(classes);
    }

    /**
     * unisession-filter stands alone (store=memory needs nothing else), and neither storage module needs the other:
     * the tiered store reaches its Redis cache tier through {@code CacheTier} and the {@code StoreProvider} SPI.
     */
    @Test
    void theFilterNeedsNoStorageModuleAndTheModulesNotEachOther() {
        noClasses()
                .that()
                .resideInAPackage("dev.unisession..")
                .and()
                .resideOutsideOfPackages("dev.unisession.store.redis..", "dev.unisession.store.jpa..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.unisession.store.redis..", "dev.unisession.store.jpa..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("dev.unisession.store.redis..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.unisession.store.jpa..", "jakarta.persistence..", "org.eclipse.persistence..")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage("dev.unisession.store.jpa..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.unisession.store.redis..", "org.redisson..", "io.netty..")
                .check(classes);
    }

    /** The check above is not vacuous: it finds the cycle between the two fixture packages of this test. */
    @Test
    void theCycleCheckFindsACycle() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.unisession.archfixture");
        EvaluationResult result = noCycles("dev.unisession.archfixture").evaluate(fixture);
        assertTrue(result.hasViolation(), "the fixture's cycle one -> two -> one is reported");
        assertTrue(
                result.getFailureReport().toString().contains("one")
                        && result.getFailureReport().toString().contains("two"),
                result.getFailureReport().toString());
        // and the layering rule below fails on the same classes when one layer may not use the other
        EvaluationResult layered = layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("one")
                .definedBy("dev.unisession.archfixture.one..")
                .layer("two")
                .definedBy("dev.unisession.archfixture.two..")
                .whereLayer("one")
                .mayOnlyBeAccessedByLayers("two")
                .whereLayer("two")
                .mayNotBeAccessedByAnyLayer()
                .evaluate(fixture);
        assertTrue(layered.hasViolation(), "one uses two, which no layer may use");
    }

    @Test
    void layersOnlyUseTheLayersBelow() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("web")
                .definedBy("dev.unisession.web..")
                .layer("boot")
                .definedBy("dev.unisession.boot..")
                .layer("core")
                .definedBy("dev.unisession.core..")
                .layer("api")
                .definedBy("dev.unisession.api..")
                .layer("store")
                .definedBy("dev.unisession.store..")
                .layer("config")
                .definedBy("dev.unisession.config..")
                .layer("codec")
                .definedBy("dev.unisession.codec..")
                .layer("token")
                .definedBy("dev.unisession.token..")
                .layer("security")
                .definedBy("dev.unisession.security..")
                .whereLayer("web")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("boot")
                .mayOnlyBeAccessedByLayers("web")
                .whereLayer("core")
                .mayOnlyBeAccessedByLayers("web")
                .whereLayer("api")
                .mayOnlyBeAccessedByLayers("core", "web")
                .whereLayer("config")
                .mayOnlyBeAccessedByLayers("boot", "web")
                .whereLayer("store")
                .mayOnlyBeAccessedByLayers("config", "api", "core", "boot", "web")
                .whereLayer("codec")
                .mayOnlyBeAccessedByLayers("config", "api", "core", "boot", "web")
                .whereLayer("token")
                .mayOnlyBeAccessedByLayers("config", "api", "boot", "web")
                .whereLayer("security")
                .mayOnlyBeAccessedByLayers("store", "config", "api", "core", "boot", "web")
                .check(classes);
    }

    @Test
    void theLayersAboveTheStoresSeeNoStorageLibraryNorConcreteStore() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.unisession.web..", "dev.unisession.core..", "dev.unisession.api..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.redisson..", "io.netty..", "jakarta.persistence..", "org.eclipse.persistence..")
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.unisession.store.redis..", "dev.unisession.store.jpa..")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("dev.unisession.store.NearCacheStore")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("dev.unisession.store.MemoryStore")
                .check(classes);
    }
}
