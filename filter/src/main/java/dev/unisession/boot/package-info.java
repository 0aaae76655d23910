/**
 * Bootstrap: turns a validated {@link dev.unisession.config.UnisessionConfig} into the parts it describes. The one
 * place that knows both the configuration and the parts' own settings, so that the parts (the codec here) do not
 * depend on the configuration class; the filter, the admin tool and the CDI extension build through it.
 */
package dev.unisession.boot;
