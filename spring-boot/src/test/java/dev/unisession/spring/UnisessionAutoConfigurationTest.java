package dev.unisession.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.ConfigKey;
import dev.unisession.config.ConfigSource;
import dev.unisession.config.CookieSettings;
import dev.unisession.config.UnisessionConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** How the auto-configuration reads unisession.* from the Spring Environment, and its configuration metadata. */
class UnisessionAutoConfigurationTest {

    private static StandardEnvironment environment(Map<String, Object> application, Map<String, Object> process) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, process));
        env.getPropertySources().addLast(new MapPropertySource("application.yaml", application));
        ConfigurationPropertySources.attach(env);
        return env;
    }

    @Test
    void keysBindAsSpringBootBindsItsOwnRelaxed() {
        Map<String, String> p = UnisessionAutoConfiguration.settings(environment(
                Map.of(
                        "unisession.cookie.sameSite", "strict",
                        "unisession.session.touch_fraction", "0.25",
                        "unisession.redis.url", "redis://10.0.0.5:6379",
                        "unisession.enabled", "true"),
                Map.of()));
        assertEquals(
                Map.of(
                        "unisession.cookie.same-site",
                        "strict",
                        "unisession.session.touch-fraction",
                        "0.25",
                        "unisession.redis.url",
                        "redis://10.0.0.5:6379"),
                p);
        UnisessionConfig c = UnisessionConfig.from(List.of(ConfigSource.of("init-param", p)));
        assertEquals(CookieSettings.SameSite.STRICT, c.cookie().sameSite());
    }

    @Test
    void aNameThatIsNoKeyStopsStartUpNamingIt() {
        Map<String, String> p =
                UnisessionAutoConfiguration.settings(environment(Map.of("unisession.cookie.nmae", "x"), Map.of()));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> UnisessionConfig.from(List.of(ConfigSource.of("init-param", p))));
        assertTrue(e.getMessage().contains("'unisession.cookie.nmae'"), e.getMessage());
    }

    /** The filter reads the process environment itself (and only warns of UNISESSION_* names that are no key). */
    @Test
    void theProcessEnvironmentIsLeftToTheFilter() {
        Map<String, String> p = UnisessionAutoConfiguration.settings(
                environment(Map.of(), Map.of("UNISESSION_OPTS", "-Xmx1g", "UNISESSION_COOKIE_NAME", "X")));
        assertEquals(Map.of(), p);
    }

    /** The README's application.yaml binds to valid settings. */
    @Test
    void theReadmesApplicationYamlIsValid() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## Spring Boot"));
        String yaml = section.substring(
                section.indexOf("```yaml\n") + 8, section.indexOf("```", section.indexOf("```yaml\n") + 8));
        StandardEnvironment env = environment(Map.of(), Map.of());
        for (var source : new org.springframework.boot.env.YamlPropertySourceLoader()
                .load(
                        "application.yaml",
                        new org.springframework.core.io.ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))) {
            env.getPropertySources().addLast(source);
        }
        Map<String, String> p = UnisessionAutoConfiguration.settings(env);
        assertEquals("redis", p.get("unisession.store"));
        assertEquals("shop:", p.get("unisession.redis.prefix"));
        assertEquals("lax", p.get("unisession.cookie.same-site"));
        assertEquals("/etc/unisession/keys", p.get("unisession.token.keys-file"));
        Map<String, String> checked = new java.util.HashMap<>(p);
        checked.remove("unisession.token.keys-file"); // a file of this machine's is not there
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        checked.put(
                "unisession.token.keys", "k1:" + java.util.Base64.getEncoder().encodeToString(secret));
        UnisessionConfig c = UnisessionConfig.from(List.of(ConfigSource.of("init-param", checked)));
        assertEquals(java.time.Duration.ofMinutes(30), c.sessionTimeout());
    }

    @Test
    void theMetadataNamesEveryKey() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (ConfigKey k : ConfigKey.values()) {
            assertTrue(json.contains("\"name\": \"" + k.key() + "\""), k.key() + " is missing from the metadata");
        }
        assertTrue(json.contains("\"name\": \"unisession.enabled\""));
        assertFalse(json.contains("\"name\": \"unisession.opts\""));
    }
}
