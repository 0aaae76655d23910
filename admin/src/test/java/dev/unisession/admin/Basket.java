package dev.unisession.admin;

import java.io.Serializable;
import java.util.List;

/** An application class in session attributes: only the application's class path knows it. */
public record Basket(String owner, List<String> items, long total) implements Serializable {}
