/**
 * The cookie's signed token (a JWT through jjwt): issuing it for a session id, checking signature, expiry and
 * audience before any store lookup, and the signing keys with their rotation ({@link dev.unisession.token.TokenKeys}).
 * Uses only {@code security}.
 */
package dev.unisession.token;
