package dev.unisession.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.UnisessionConfig;
import dev.unisession.config.UnisessionConfig.Source;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** How the auto-configuration reads unisession.* from the Spring Environment, and its configuration metadata. */
class UnisessionAutoConfigurationTest {

    private static StandardEnvironment environment(Map<String, Object> application, Map<String, Object> process) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        process));
        env.getPropertySources().addLast(new MapPropertySource("application.yaml", application));
        ConfigurationPropertySources.attach(env);
        return env;
    }

    @Test
    void keysBindAsSpringBootBindsItsOwnRelaxed() {
        Map<String, String> p = UnisessionAutoConfiguration.settings(environment(Map.of(
                "unisession.cookie.sameSite", "strict",
                "unisession.session.touch_fraction", "0.25",
                "unisession.redis.url", "redis://10.0.0.5:6379",
                "unisession.enabled", "true"), Map.of()));
        assertEquals(Map.of("unisession.cookie.same-site", "strict", "unisession.session.touch-fraction", "0.25",
                "unisession.redis.url", "redis://10.0.0.5:6379"), p);
        UnisessionConfig c = UnisessionConfig.from(List.of(Source.of("init-param", p)));
        assertEquals(UnisessionConfig.SameSite.STRICT, c.cookieSameSite());
    }

    @Test
    void aNameThatIsNoKeyStopsStartUpNamingIt() {
        Map<String, String> p = UnisessionAutoConfiguration.settings(environment(Map.of(
                "unisession.cookie.nmae", "x"), Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnisessionConfig.from(List.of(Source.of("init-param", p))));
        assertTrue(e.getMessage().contains("'unisession.cookie.nmae'"), e.getMessage());
    }

    /** The filter reads the process environment itself (and only warns of UNISESSION_* names that are no key). */
    @Test
    void theProcessEnvironmentIsLeftToTheFilter() {
        Map<String, String> p = UnisessionAutoConfiguration.settings(environment(Map.of(),
                Map.of("UNISESSION_OPTS", "-Xmx1g", "UNISESSION_COOKIE_NAME", "X")));
        assertEquals(Map.of(), p);
    }

    @Test
    void theMetadataNamesEveryKey() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (UnisessionConfig.Key k : UnisessionConfig.Key.values()) {
            assertTrue(json.contains("\"name\": \"" + k.key() + "\""), k.key() + " is missing from the metadata");
        }
        assertTrue(json.contains("\"name\": \"unisession.enabled\""));
        assertFalse(json.contains("\"name\": \"unisession.opts\""));
    }
}
