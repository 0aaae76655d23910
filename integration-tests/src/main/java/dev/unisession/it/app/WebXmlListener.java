package dev.unisession.it.app;

/** Declared in web.xml. */
public class WebXmlListener extends RecordingListener {
    public WebXmlListener() {
        super("xml");
    }
}
