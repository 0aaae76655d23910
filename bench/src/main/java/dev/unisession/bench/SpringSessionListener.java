package dev.unisession.bench;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.EnumSet;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;

/**
 * Spring Session Data Redis in a plain WAR, without Spring Boot or an application context: what
 * {@code @EnableRedisHttpSession} sets up, by hand. That annotation's repository is {@link RedisSessionRepository}
 * (one hash per session with a TTL, no indexes; {@code @EnableRedisIndexedHttpSession} is the indexed one), over a
 * {@link LettuceConnectionFactory}, string keys and JDK-serialized values, and {@link SessionRepositoryFilter} first
 * in the chain for every request. Declared as a listener in the WAR's web.xml (bench/tomcat.sh, setup "spring");
 * system properties {@code bench.spring.redis} (host:port, default 127.0.0.1:6379) and {@code bench.spring.namespace}
 * (the key namespace, default {@code spring:session}).
 */
public final class SpringSessionListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(SpringSessionListener.class.getName());

    private LettuceConnectionFactory lettuce;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        String[] hostPort =
                System.getProperty("bench.spring.redis", "127.0.0.1:6379").split(":", 2);
        String namespace = System.getProperty("bench.spring.namespace", "spring:session");
        lettuce = connect(hostPort[0], Integer.parseInt(hostPort[1]));
        RedisSessionRepository repository = repository(lettuce, SpringSessionListener.class.getClassLoader());
        repository.setRedisKeyNamespace(namespace);
        FilterRegistration.Dynamic filter = event.getServletContext()
                .addFilter("springSessionRepositoryFilter", new SessionRepositoryFilter<>(repository));
        filter.addMappingForUrlPatterns(
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC), false, "/*");
        LOG.log(
                System.Logger.Level.INFO,
                "Spring Session: RedisSessionRepository on {0}:{1}, namespace {2}",
                hostPort[0],
                hostPort[1],
                namespace);
    }

    /** A started Lettuce connection factory for one Redis. */
    static LettuceConnectionFactory connect(String host, int port) {
        LettuceConnectionFactory f = new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        f.afterPropertiesSet();
        f.start();
        return f;
    }

    /**
     * Spring Session's default repository over a connection: string keys, JDK-serialized values read with
     * {@code loader} (the web application's).
     */
    static RedisSessionRepository repository(LettuceConnectionFactory lettuce, ClassLoader loader) {
        RedisTemplate<String, Object> template = new RedisTemplate<>();
        template.setConnectionFactory(lettuce);
        template.setKeySerializer(new StringRedisSerializer());
        template.setHashKeySerializer(new StringRedisSerializer());
        JdkSerializationRedisSerializer values = new JdkSerializationRedisSerializer(loader);
        template.setValueSerializer(values);
        template.setHashValueSerializer(values);
        template.setBeanClassLoader(loader);
        template.afterPropertiesSet();
        return new RedisSessionRepository(template);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (lettuce != null) {
            lettuce.destroy();
        }
    }
}
