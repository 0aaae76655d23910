package dev.unisession.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.apache.catalina.startup.Tomcat;

/**
 * Tomcat with Redisson's Tomcat session manager, the peer the seeds compared against. The registry serves no
 * redisson-tomcat-11, so this runs on Tomcat 10.1 with redisson-tomcat-10 3.37.0 on a class path of its own
 * (bench/target/peer-redisson, laid out by the build); the manager is created reflectively so that this jar does
 * not link against a second Redisson.
 */
final class RedissonTomcatSetup {

    private RedissonTomcatSetup() {}

    static void serve(int port) throws Exception {
        Path yaml = Files.createTempFile("redisson", ".yaml");
        Files.writeString(
                yaml,
                "singleServerConfig:\n  address: \"redis://127.0.0.1:6379\"\n"
                        + "codec: !<org.redisson.codec.Kryo5Codec> {}\n");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("bench-redisson").toString());
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context ctx =
                tomcat.addContext("", Files.createTempDirectory("bench-docbase").toString());
        Manager manager = (Manager) Class.forName("org.redisson.tomcat.RedissonSessionManager")
                .getConstructor()
                .newInstance();
        manager.getClass().getMethod("setConfigPath", String.class).invoke(manager, yaml.toString());
        ctx.setManager(manager);
        Tomcat.addServlet(ctx, "bench", new BenchServlet());
        ctx.addServletMappingDecoded("/bench", "bench");
        tomcat.start();
        tomcat.getServer().await();
    }
}
