package dev.unisession.it;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/** A class outside the allowlist (not the webapp's own): its readObject must never run on the server. */
public class Gadget implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile boolean instantiated;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        instantiated = true;
        in.defaultReadObject();
    }
}
