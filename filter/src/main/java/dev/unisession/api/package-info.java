/**
 * What applications program against: the unified session view, the session manager (a user's sessions, kill all,
 * export and erase), events and listeners, validators, health and the one metrics type. No implementation of
 * storage; the stores are reached through {@code core}.
 */
package dev.unisession.api;
