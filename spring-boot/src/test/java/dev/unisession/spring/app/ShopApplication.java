package dev.unisession.spring.app;

import dev.unisession.api.SessionManager;
import dev.unisession.api.UnifiedSession;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Spring Boot test application: Spring MVC and Spring Security form login, unisession through the
 * auto-configuration only (no unisession code here but the two beans it exposes).
 */
@SpringBootApplication
public class ShopApplication {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a.requestMatchers("/count", "/actuator/health/**", "/login", "/error")
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .formLogin(f -> f.successHandler((request, response, authentication) -> {
                    // the session's principal, so SessionManager finds the user's sessions
                    UnifiedSession.of(request).authenticate(authentication.getName());
                    response.sendRedirect("/me");
                }));
        return http.build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("alice")
                .password("{noop}wonderland")
                .roles("USER")
                .build());
    }

    @RestController
    static class Pages {
        private final ObjectProvider<SessionManager> sessions;
        private final ObjectProvider<UnifiedSession> session;

        /** Providers: the app also runs without the auto-configuration (the test that shows what that does). */
        Pages(ObjectProvider<SessionManager> sessions, ObjectProvider<UnifiedSession> session) {
            this.sessions = sessions;
            this.session = session;
        }

        @GetMapping("/count")
        String count(HttpServletRequest request) {
            HttpSession s = request.getSession();
            Integer n = (Integer) s.getAttribute("count");
            n = n == null ? 1 : n + 1;
            s.setAttribute("count", n);
            return "count=" + n + " session=" + s.getClass().getName();
        }

        @GetMapping("/me")
        String me(Authentication auth, CsrfToken csrf) {
            return "user=" + auth.getName() + " principal="
                    + session.getObject().principal() + " id="
                    + session.getObject().id() + " csrf=" + csrf.getToken();
        }

        @PostMapping("/logout-others")
        String logoutOthers(Authentication auth) {
            return "ended="
                    + sessions.getObject()
                            .invalidateAllOf(auth.getName(), session.getObject().id());
        }
    }
}
