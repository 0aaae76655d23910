package dev.unisession.it.app;

import jakarta.servlet.annotation.WebListener;

/** Found by annotation scanning. */
@WebListener
public class AnnotatedListener extends RecordingListener {
    public AnnotatedListener() {
        super("ann");
    }
}
