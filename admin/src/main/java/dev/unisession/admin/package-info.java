/**
 * The admin command line (picocli): stats, list, purge, GDPR export and erase, cleanup, and the migration of
 * existing sessions from other mechanisms. Opens the configured store through {@code boot}, as the filter does.
 */
package dev.unisession.admin;
