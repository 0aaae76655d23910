package dev.unisession.it.plain;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Names the deployment that answers (its class loader's identity): a redeploy shows as a new name. */
public class DeploymentServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        resp.getWriter()
                .println("deployment="
                        + Integer.toHexString(System.identityHashCode(DeploymentServlet.class.getClassLoader())));
    }
}
