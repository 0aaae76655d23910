/**
 * The one validated configuration ({@link dev.unisession.config.UnisessionConfig}): every {@code unisession.*} key
 * ({@link dev.unisession.config.ConfigKey}), read from init-params, context-params, system properties, the
 * environment and a properties file ({@link dev.unisession.config.ConfigSource}), checked once at start with errors
 * that name the key and its source. Read into one typed settings record per concern: the cookie, the token, the
 * codec, security, validation, health, migration, audit, and the store chain's own records (Redis, database, near
 * cache, tiered), which {@code boot} hands to the parts. Secrets are masked wherever the configuration is printed.
 */
package dev.unisession.config;
