/**
 * The one validated configuration ({@link dev.unisession.config.UnisessionConfig}): every {@code unisession.*} key,
 * read from init-params, context-params, system properties, the environment and a properties file, checked once at
 * start with errors that name the key. Turned into the parts' own settings by {@code boot}.
 */
package dev.unisession.config;
