/**
 * Bootstrap: turns a validated {@link dev.unisession.config.UnisessionConfig} into the parts it describes. The one
 * place that knows both the configuration and the parts' own settings, so that the parts (the codec, the stores) do not
 * depend on the configuration class but get typed settings records ({@code RedisSettings}, {@code JpaSettings},
 * {@code StoreSettings}); the filter and the admin tool build through it.
 */
package dev.unisession.boot;
