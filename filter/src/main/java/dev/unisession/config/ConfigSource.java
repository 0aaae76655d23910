package dev.unisession.config;

import java.util.Map;
import java.util.Set;

/** A source of raw settings; {@code names()} is used to detect unknown keys. */
public interface ConfigSource {
    String describe();

    Set<String> names();

    String get(String name);

    /** The key a raw name stands for, or null if it is unknown. */
    default ConfigKey keyFor(String name) {
        return ConfigKey.byName(name);
    }

    /**
     * Whether a name that is no key stops start-up. Init-params, system properties and
     * {@code unisession.properties} are written for this library, so a name there that is no key is a mistake;
     * the environment is shared with everything else on the host ({@code UNISESSION_HOME} in an image).
     */
    default boolean strict() {
        return true;
    }

    static ConfigSource of(String description, Map<String, String> map) {
        Map<String, String> copy = Map.copyOf(map);
        return new ConfigSource() {
            public String describe() {
                return description;
            }

            public Set<String> names() {
                return copy.keySet();
            }

            public String get(String name) {
                return copy.get(name);
            }
        };
    }

    /** Environment variables named {@code UNISESSION_*}. */
    static ConfigSource environment(Map<String, String> env) {
        ConfigSource plain = of("environment variable", env);
        return new ConfigSource() {
            public String describe() {
                return plain.describe();
            }

            public Set<String> names() {
                return plain.names();
            }

            public String get(String name) {
                return plain.get(name);
            }

            public ConfigKey keyFor(String name) {
                return ConfigKey.byEnvName(name);
            }

            public boolean strict() {
                return false;
            }
        };
    }
}
